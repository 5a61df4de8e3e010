/** An answer's body is longer than the bytes allowed. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';

  constructor(readonly maxBytes: number) {
    super(`the answer is over ${maxBytes} bytes`);
  }
}

/** Statuses whose answers have no body (a Response with one cannot be made). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * fetch for calls to servers the gateway does not run (remote adapters, OpenAI-compatible
 * backends). Redirects are not followed unless a call asks for it: a 3xx comes back as it is,
 * so headers that carry credentials never reach another origin. A body longer than `maxBytes`
 * fails with ResponseTooLargeError: at once when its Content-Length says so, else as soon as
 * the bytes read pass the bound (the connection is dropped, nothing more is read).
 */
export function boundedFetch(maxBytes: number, base: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, { ...init, redirect: init?.redirect ?? 'manual' });
    if (!response.body || NULL_BODY_STATUSES.has(response.status)) return response;
    if (Number(response.headers.get('content-length')) > maxBytes) {
      await response.body.cancel();
      throw new ResponseTooLargeError(maxBytes);
    }
    let read = 0;
    const limit = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > maxBytes) controller.error(new ResponseTooLargeError(maxBytes));
        else controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(limit), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
