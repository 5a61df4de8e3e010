import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { getNumberFromEnv } from '@opentelemetry/core';
import type { RecordingSpan, SpanSink } from './recording-span';
import type { ExportThreadOptions, FromExportThread, ToExportThread } from './export-thread-protocol';
import { SpanBatchWriter } from './span-data';

/** The batching of the SDK's BatchSpanProcessor, whose OTEL_BSP_* variables it reads alike. */
export interface ThreadSpanProcessorOptions {
  /** Spans ended and not yet exported, at most: past it, spans are dropped and counted. OTEL_BSP_MAX_QUEUE_SIZE, 2048. */
  maxQueueSize?: number;
  /** Spans sent to the export thread together, at most. OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512. */
  maxExportBatchSize?: number;
  /** How long an ended span waits for a full batch. OTEL_BSP_SCHEDULE_DELAY, 5000 ms. */
  scheduledDelayMillis?: number;
  /** A batch's export time limit. OTEL_BSP_EXPORT_TIMEOUT, 30000 ms. */
  exportTimeoutMillis?: number;
}

/** The bytes of a batch's strings past which it is sent, full or not. */
const MAX_BATCH_BYTES = 1 << 24;

const fromEnv = (value: number | undefined, name: string, fallback: number) =>
  value ?? getNumberFromEnv(name) ?? fallback;

/**
 * The span processor of the CompactTracer (compact-tracer.ts), batching as the SDK's
 * BatchSpanProcessor does, except that the OTLP encoding and the HTTP export run on a worker
 * thread (span-export-thread.ts), through the SDK's OTLP/HTTP transport: the gateway's event loop
 * only appends ended spans' data to a flat batch (span-data.ts), those of a turn of the loop
 * together once it is done, and posts it a batch at a time. The queue is bounded: with
 * maxQueueSize spans ended and not yet exported (a collector slow or away), the next are dropped
 * and counted (`dropped`), not buffered.
 */
export class ThreadSpanProcessor implements SpanSink {
  private readonly maxQueueSize: number;
  private readonly maxExportBatchSize: number;
  private readonly scheduledDelayMillis: number;
  private readonly thread: Worker;
  private readonly batch = new SpanBatchWriter();
  /** Spans in `batch`. */
  private batched = 0;
  /** Spans ended since the last pack, packed together once the event loop's turn is done (see onEnd). */
  private readonly ended: RecordingSpan[] = [];
  private readonly packEnded = () => this.pack();
  /** The scopes (by index) the thread has been sent. */
  private readonly scopesSent: boolean[] = [];
  /** Spans posted to the thread that it has not finished with. */
  private sent = 0;
  private timer?: NodeJS.Timeout;
  private droppedTotal = 0;
  /** Dropped since the last warning. */
  private droppedUnreported = 0;
  private lastId = 0;
  /** Flushes waiting for the thread's answer. */
  private readonly waiting = new Map<number, () => void>();
  private closed?: Promise<void>;
  private exited = false;

  constructor(
    thread: Omit<ExportThreadOptions, 'exportTimeoutMillis'>,
    options: ThreadSpanProcessorOptions = {},
  ) {
    this.maxQueueSize = fromEnv(options.maxQueueSize, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048);
    this.maxExportBatchSize = Math.min(
      this.maxQueueSize,
      fromEnv(options.maxExportBatchSize, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512),
    );
    this.scheduledDelayMillis = fromEnv(options.scheduledDelayMillis, 'OTEL_BSP_SCHEDULE_DELAY', 5000);
    const exportTimeoutMillis = fromEnv(options.exportTimeoutMillis, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000);
    this.thread = startThread({ ...thread, exportTimeoutMillis });
    // The process may end without waiting for it; shutdown() and forceFlush() wait.
    this.thread.unref();
    this.thread.on('message', (message: FromExportThread) => this.received(message));
    this.thread.on('error', (err) => diag.error('the span export thread failed', err));
    this.thread.on('exit', () => {
      this.exited = true;
      this.droppedTotal += this.sent;
      this.sent = 0;
      for (const done of this.waiting.values()) done();
      this.waiting.clear();
    });
  }

  /** Spans dropped so far: the queue was full, or the export thread had gone. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /**
   * Queues an ended span. Its data is packed with the others ended in the same turn of the event
   * loop, once the turn is done: the packer's code and the batch's memory are then brought into
   * the caches once a turn instead of once a span, amid a request's own work.
   */
  onEnd(span: RecordingSpan): void {
    if (this.closed) return;
    if (this.exited || this.sent + this.batched + this.ended.length >= this.maxQueueSize) {
      this.droppedTotal++;
      this.droppedUnreported++;
      return;
    }
    if (this.droppedUnreported > 0) {
      diag.warn(`Dropped ${this.droppedUnreported} spans because maxQueueSize reached`);
      this.droppedUnreported = 0;
    }
    if (this.ended.push(span) === 1) setImmediate(this.packEnded);
  }

  /** Packs the spans ended so far into the batch, sending it when full. */
  private pack(): void {
    const ended = this.ended;
    for (let i = 0; i < ended.length; i++) {
      const span = ended[i];
      const scope = span.owner.scope;
      if (!this.scopesSent[scope.index]) {
        // Ahead of the spans that name it: messages arrive in order.
        this.thread.postMessage({ type: 'scope', scope } satisfies ToExportThread);
        this.scopesSent[scope.index] = true;
      }
      try {
        this.batch.write(span);
      } catch (err) {
        // A span's data should always pack (attributes are kept to primitives and arrays of
        // them); should one not, the batch it was half written into is dropped, not the process.
        this.drop(this.batched + 1, 'that could not be packed', err);
        this.batch.take();
        this.batched = 0;
        continue;
      }
      // A batch is sent when full, or once its strings are large (a span's attributes can be long).
      if (++this.batched >= this.maxExportBatchSize || this.batch.bytesWritten > MAX_BATCH_BYTES) this.send();
    }
    ended.length = 0;
    if (this.batched > 0 && !this.timer) {
      this.timer = setTimeout(() => this.post(), this.scheduledDelayMillis);
      this.timer.unref();
    }
  }

  /** Sends every span ended so far and waits until the thread has exported them (or given up). */
  forceFlush(): Promise<void> {
    return this.closed ?? this.ask('flush');
  }

  /** Flushes, shuts the exporter down and ends the thread. */
  shutdown(): Promise<void> {
    this.closed ??= this.ask('shutdown').then(async () => {
      await this.thread.terminate();
    });
    return this.closed;
  }

  /** Sends every span ended so far. */
  private post(): void {
    this.pack();
    this.send();
  }

  /** Sends the batch. */
  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batched === 0 || this.exited) return;
    const batch = this.batch.take();
    const count = this.batched;
    this.batched = 0;
    try {
      const clock = { epochMs: Date.now(), perfMs: performance.now() };
      this.thread.postMessage({ type: 'spans', batch, count, clock } satisfies ToExportThread, [
        batch.bytes.buffer as ArrayBuffer,
        batch.numbers.buffer as ArrayBuffer,
      ]);
      this.sent += count;
    } catch (err) {
      // A span's data should always copy (attributes are kept to primitives and arrays of them);
      // should one not, its batch is dropped, not the process.
      this.drop(count, 'that could not be sent to the export thread', err);
    }
  }

  private drop(count: number, why: string, err: unknown): void {
    this.droppedTotal += count;
    diag.error(`Dropped ${count} spans ${why}`, err);
  }

  private ask(type: 'flush' | 'shutdown'): Promise<void> {
    this.post();
    if (this.exited) return Promise.resolve();
    const id = ++this.lastId;
    this.thread.ref();
    this.thread.postMessage({ type, id } satisfies ToExportThread);
    return new Promise<void>((resolve) => this.waiting.set(id, resolve)).finally(() => {
      if (this.waiting.size === 0 && !this.exited) this.thread.unref();
    });
  }

  private received(message: FromExportThread): void {
    switch (message.type) {
      case 'exported':
        this.sent -= message.count;
        return;
      case 'read':
        this.batch.recycle(message);
        return;
      case 'flushed':
        this.waiting.get(message.id)?.();
        this.waiting.delete(message.id);
        return;
      case 'diag':
        diag[message.level](message.message);
        return;
    }
  }
}

/**
 * The export thread, from its file beside this one. Run from TypeScript sources (the tests), it
 * loads them through tsx, as the thread does not share the test runner's loader.
 */
function startThread(options: ExportThreadOptions): Worker {
  const extension = extname(__filename);
  const entry = join(__dirname, `span-export-thread${extension}`);
  if (extension !== '.ts') return new Worker(entry, { workerData: options });
  const tsx = createRequire(__filename).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, {
    eval: true,
    workerData: options,
  });
}
