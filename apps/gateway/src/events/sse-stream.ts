import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { SSE_HEADERS, SSE_KEEP_ALIVE, sseFrame } from './sse-frame';

const KEEP_ALIVE_MS = 15_000;

/**
 * A server-sent event stream on a hijacked reply: the headers go out at once, then numbered
 * events, with keep-alive comments while it is idle, until `end` or the client leaves.
 */
export class SseStream {
  private seq = 0;
  private ended = false;
  private readonly keepAlive: NodeJS.Timeout;
  private readonly closers: (() => void)[] = [];

  private constructor(private readonly raw: ServerResponse) {
    this.keepAlive = setInterval(() => raw.write(SSE_KEEP_ALIVE), KEEP_ALIVE_MS).unref();
    raw.on('close', () => this.stop());
  }

  /** Takes the reply over from Fastify and sends the stream's headers. */
  static open(reply: FastifyReply): SseStream {
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, SSE_HEADERS);
    raw.flushHeaders();
    return new SseStream(raw);
  }

  /** True once the stream ended or the client left: nothing more is sent. */
  get closed(): boolean {
    return this.ended;
  }

  /** Runs `closer` once when the stream ends, however it ends. */
  onClose(closer: () => void): void {
    if (this.ended) closer();
    else this.closers.push(closer);
  }

  send(event: string, data: unknown): void {
    if (!this.ended) this.raw.write(sseFrame(++this.seq, event, data));
  }

  /** The last event went out: the response ends. */
  end(): void {
    this.stop();
    this.raw.end();
  }

  /** Something broke mid-stream: the client sees the connection drop rather than a clean end. */
  destroy(): void {
    this.stop();
    this.raw.destroy();
  }

  private stop(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepAlive);
    for (const closer of this.closers.splice(0)) closer();
  }
}
