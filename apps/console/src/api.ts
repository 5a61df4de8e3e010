import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import { currentKey } from './session';
import { chunksOf } from './streams';

/** An answer of the API that was not a success, with the gateway's error code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The headers every API call carries: the session's key as a bearer token, when there is one. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const key = currentKey();
  return key === undefined ? extra : { ...extra, authorization: `Bearer ${key}` };
}

export interface ApiInit extends Omit<RequestInit, 'body'> {
  /** Sent as a JSON body. */
  json?: unknown;
  /** Sent as it is (a FormData, a Blob...). */
  body?: BodyInit;
}

/** A call to the gateway; a non-2xx answer throws an {@link ApiError} (both error shapes read). */
export async function apiFetch(path: string, init: ApiInit = {}): Promise<Response> {
  const { json, headers, ...rest } = init;
  const extra: Record<string, string> = { ...(headers as Record<string, string> | undefined) };
  if (json !== undefined) extra['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      ...rest,
      headers: authHeaders(extra),
      body: json !== undefined ? JSON.stringify(json) : init.body,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', `the gateway did not answer (${(err as Error).message})`);
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

/** {@link apiFetch}, its JSON body. */
export async function api<T>(path: string, init: ApiInit = {}): Promise<T> {
  return (await (await apiFetch(path, init)).json()) as T;
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as {
      error?: { code?: unknown; type?: unknown; message?: unknown; details?: unknown };
    };
    if (error && typeof error.message === 'string') {
      const code =
        typeof error.code === 'string' ? error.code : typeof error.type === 'string' ? error.type : 'error';
      return new ApiError(res.status, code, error.message, error.details);
    }
  } catch {
    // Not JSON: said below with the status.
  }
  return new ApiError(res.status, `http_${res.status}`, text.slice(0, 200) || res.statusText || 'no message');
}

/** The events of a server-sent event stream (job events, streamed chat), until it ends or `signal` aborts. */
export async function* serverEvents(path: string, init: ApiInit = {}): AsyncGenerator<EventSourceMessage> {
  const res = await apiFetch(path, {
    ...init,
    headers: { accept: 'text/event-stream', ...(init.headers as Record<string, string>) },
  });
  if (!res.body) return;
  yield* chunksOf(res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()));
}

/** Saves `blob` as `name` through the browser's download. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
