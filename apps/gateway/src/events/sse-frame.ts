/** One server-sent event: its name (`event:`), a JSON `data:` line and its sequence number (`id:`). */
export function sseFrame(seq: number, event: string, data: unknown): string {
  // JSON.stringify escapes newlines, so the data is always one `data:` line.
  return `id: ${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: ignored by clients, it keeps proxies from closing an idle stream. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';
