/** One server-sent event: its name (`event:`), a JSON `data:` line and its sequence number (`id:`). */
export function sseFrame(seq: number, event: string, data: unknown): string {
  // JSON.stringify escapes newlines, so the data is always one `data:` line.
  return `id: ${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The headers of every server-sent event stream (job and batch events, streamed chat). */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx and similar proxies would otherwise buffer the stream.
  'x-accel-buffering': 'no',
} as const;

/** A comment line: ignored by clients, it keeps proxies from closing an idle stream. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';
