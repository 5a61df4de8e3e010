import type { Readable } from 'node:stream';
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import { boundedFetch, ResponseTooLargeError } from './bounded-fetch';

/** Statuses whose answers have no body (a Response with one cannot be made). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Headers a caller adds to one request as `init[EXTRA_HEADERS]` instead of in `init.headers`: a
 * client that merges its own headers per call through web Headers (the `openai` client does,
 * and for a small request that merge costs more than undici's whole request) leaves them alone,
 * and they go out as they are. A call's trace context travels this way.
 */
export const EXTRA_HEADERS = Symbol('omnigate.extra-headers');

/** A fetch `init` that may carry EXTRA_HEADERS. */
export type WithExtraHeaders = RequestInit & { [EXTRA_HEADERS]?: Readonly<Record<string, string>> };

/**
 * `boundedFetch` with the same contract (redirects not followed unless asked, answers bounded by
 * `maxBytes`, failing with ResponseTooLargeError), cheaper for what model backends mostly get: a
 * request whose body is text or bytes (JSON). Those go out through undici's `request()`, which
 * skips fetch's Request object and web streams: about half the CPU of a fetch per call, measured
 * in docs/benchmarks.md. The answer is read whole (within the bound) into the Response, except
 * an event stream (`text/event-stream`), which streams as it arrives, counted against the bound
 * as well. Anything else (a FormData upload, a stream, redirects to follow) takes `boundedFetch`.
 */
export function requestFetch(
  maxBytes: number,
  options: { dispatcher?: Dispatcher; fallback?: typeof fetch } = {},
): typeof fetch {
  const fallback = options.fallback ?? boundedFetch(maxBytes);
  return async (input, init) => {
    const body = init?.body;
    const simple =
      (typeof input === 'string' || input instanceof URL) &&
      (init?.redirect === undefined || init.redirect === 'manual') &&
      (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array);
    const extra = (init as WithExtraHeaders | undefined)?.[EXTRA_HEADERS];
    if (!simple) return fallback(input, extra ? withHeaders(init!, extra) : init);
    const signal = init?.signal ?? undefined;
    let answer: Dispatcher.ResponseData;
    try {
      const url = typeof input === 'string' ? new URL(input) : input;
      // The dispatcher's own request (what undici's request() calls): its options made here
      // whole, where request() would add `origin` and `path` to a copy of them, which costs V8
      // a new hidden class per call (common/extended.ts in the gateway tells why).
      answer = await (options.dispatcher ?? getGlobalDispatcher()).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: flatHeaders(init?.headers, extra),
        body: body ?? undefined,
        signal,
      });
    } catch (err) {
      throw asFetchError(err, signal);
    }
    const { statusCode, headers } = answer;
    const responseHeaders = headerPairs(headers);
    if (NULL_BODY_STATUSES.has(statusCode)) {
      discard(answer.body);
      return new Response(null, { status: statusCode, headers: responseHeaders });
    }
    if (Number(headers['content-length']) > maxBytes) {
      discard(answer.body);
      throw new ResponseTooLargeError(maxBytes);
    }
    const bounded = limitBytes(answer.body, maxBytes);
    if (String(headers['content-type'] ?? '').startsWith('text/event-stream')) {
      return new Response(ReadableStream.from(bounded), { status: statusCode, headers: responseHeaders });
    }
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of bounded) chunks.push(chunk);
    } catch (err) {
      throw asFetchError(err, signal);
    }
    return new Response(Buffer.concat(chunks), { status: statusCode, headers: responseHeaders });
  };
}

/** The body's chunks, failing with ResponseTooLargeError (and dropping the connection) past `maxBytes`. */
async function* limitBytes(body: Readable, maxBytes: number): AsyncGenerator<Buffer> {
  let read = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      read += chunk.byteLength;
      if (read > maxBytes) throw new ResponseTooLargeError(maxBytes);
      yield chunk;
    }
  } finally {
    // Stopped early (too large, or the reader gave up): nothing more is read.
    if (!body.readableEnded) discard(body);
  }
}

/** Drops an answer's body and its connection (undici reports that as an error nobody needs). */
function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

/** fetch's header forms as the flat list undici takes (names as given, repeated names kept). */
function flatHeaders(
  headers: NonNullable<Parameters<typeof fetch>[1]>['headers'],
  extra?: Readonly<Record<string, string>>,
): string[] {
  const flat: string[] = [];
  if (headers instanceof Headers) headers.forEach((value, name) => flat.push(name, value));
  else if (Array.isArray(headers)) for (const [name, value] of headers) flat.push(name, value);
  else if (headers) for (const [name, value] of Object.entries(headers)) flat.push(name, String(value));
  if (extra) for (const name in extra) flat.push(name, extra[name]);
  return flat;
}

/** `init` with the extra headers in its headers, for a fetch that knows nothing of them. */
function withHeaders(init: RequestInit, extra: Readonly<Record<string, string>>): RequestInit {
  const headers = new Headers(init.headers);
  for (const name in extra) headers.set(name, extra[name]);
  return { ...init, headers };
}

function headerPairs(headers: Record<string, string | string[] | undefined>): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value) pairs.push([name, v]);
    else if (value !== undefined) pairs.push([name, value]);
  }
  return pairs;
}

/**
 * A failure as fetch reports it: an abort is an `AbortError` (the `openai` client tells its own
 * timeout from a connection failure by that name), anything else a TypeError with the cause.
 */
function asFetchError(err: unknown, signal: AbortSignal | undefined): unknown {
  if (err instanceof ResponseTooLargeError) return err;
  if (signal?.aborted) return new DOMException('the request was aborted', { name: 'AbortError', cause: err });
  return new TypeError('fetch failed', { cause: err });
}
