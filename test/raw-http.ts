import { connect } from 'node:net';

/** An answer read off a raw socket: status, lower-cased headers, body (chunked bodies decoded). */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (a request line and headers, `\r\n`-separated, without the blank line) and `body`
 * as bytes on a fresh TCP connection, exactly as written: no client normalises the target.
 * Resolves with the first answer once the server ends it or closes the connection.
 */
export async function rawRequest(
  baseUrl: string,
  head: string,
  body: Buffer | string = '',
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port) });
  const chunks: Buffer[] = [];
  const closed = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (answerComplete(Buffer.concat(chunks))) socket.destroy();
    });
    socket.on('close', () => resolve());
    socket.on('error', (err: NodeJS.ErrnoException) =>
      // The server may close while the request is still being written: the answer is what counts.
      chunks.length > 0 ? resolve() : reject(err),
    );
  });
  socket.write(`${head}\r\n\r\n`);
  socket.write(body);
  await closed;
  const answer = parseAnswer(Buffer.concat(chunks));
  if (!answer) throw new Error(`no HTTP answer: ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`);
  return answer;
}

function answerComplete(bytes: Buffer): boolean {
  const answer = parseAnswer(bytes);
  return answer !== undefined && answer.complete;
}

function parseAnswer(bytes: Buffer): (RawAnswer & { complete: boolean }) | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const { body, complete } = dechunk(rest);
    return { status, headers, body: body.toString('utf8'), complete };
  }
  const length = Number(headers['content-length'] ?? Number.NaN);
  return {
    status,
    headers,
    body: rest.subarray(0, Number.isNaN(length) ? rest.length : length).toString('utf8'),
    complete: !Number.isNaN(length) && rest.length >= length,
  };
}

function dechunk(bytes: Buffer): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) return { body: Buffer.concat(parts), complete: false };
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return { body: Buffer.concat(parts), complete: true };
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * Writes `chunks` one every `everyMs` on a fresh connection (a slow client) and resolves with
 * what came back once the server closes, and how many chunks were written by then.
 */
export async function trickle(
  baseUrl: string,
  chunks: string[],
  everyMs: number,
): Promise<{ answer: RawAnswer | undefined; written: number; ms: number }> {
  const { hostname, port } = new URL(baseUrl);
  const started = Date.now();
  const socket = connect({ host: hostname, port: Number(port) });
  const received: Buffer[] = [];
  let written = 0;
  const timer = setInterval(() => {
    if (written < chunks.length && socket.writable) socket.write(chunks[written++]!);
  }, everyMs);
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  await new Promise<void>((resolve) => {
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
  clearInterval(timer);
  return { answer: parseAnswer(Buffer.concat(received)), written, ms: Date.now() - started };
}

/**
 * Sends `head` then the body `chunks` as fast as the server reads them (waiting on backpressure),
 * and stops writing once an answer has arrived or the server closed: resolves with the answer and
 * how many body bytes had been written by then.
 */
export async function streamRequest(
  baseUrl: string,
  head: string,
  chunks: Iterable<Buffer | string>,
): Promise<{ answer: RawAnswer | undefined; bytesWritten: number }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port) });
  const received: Buffer[] = [];
  let answered = false;
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    received.push(chunk);
    answered ||= answerComplete(Buffer.concat(received));
  });
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  /** Resolves on `event` if given, or once an answer arrived or the connection closed. */
  const until = (event: 'drain' | undefined, limitMs = 60_000) =>
    new Promise<void>((resolve) => {
      const started = Date.now();
      const done = () => {
        clearInterval(poll);
        if (event) socket.off(event, done);
        resolve();
      };
      const poll = setInterval(() => (answered || closed || Date.now() - started > limitMs) && done(), 10);
      if (event) socket.once(event, done);
    });
  socket.write(`${head}\r\n\r\n`);
  let bytesWritten = 0;
  for (const chunk of chunks) {
    if (answered || closed) break;
    bytesWritten += chunk.length;
    if (!socket.write(chunk)) await until('drain');
  }
  await until(undefined, 10_000);
  socket.destroy();
  return { answer: parseAnswer(Buffer.concat(received)), bytesWritten };
}
