import { createHash, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import type { ClusterBus } from '../queue/cluster-bus';
import type { WebhookService } from '../webhooks/webhook.service';
import { BlobNotFoundError } from '../blobs/blob-errors';
import { GatewayError } from '../errors/gateway-error';
import { BatchChangeFeed } from './batch-change-feed';
import { BatchExpired, customIdOfLine, expiredLine, type BatchLineRunner } from './batch-line';
import {
  FINAL_BATCH_STATUSES,
  nowSeconds,
  type BatchError,
  type BatchObject,
  type BatchPatch,
  type BatchStatus,
} from './batch-object';
import type { BatchResultLine, BatchStore } from './batch-store';
import type { FileCatalog } from './file-catalog';
import { BATCH_CANCELLED, BATCH_CREATED } from '../jobs/bus-topics';
import { worksLane } from '../jobs/work-lanes';
import { tracingEnabled, type TraceCarrier } from '../tracing/trace-context';

/** Lines an expiring batch records at once. */
const EXPIRE_WINDOW = 64;

/** The statuses in which a batch's completion window can end it (not once it is finalizing). */
const EXPIRABLE: readonly BatchStatus[] = ['validating', 'in_progress', 'cancelling'];

/**
 * How a batch line ended: an output line (`completed`), an error line (`failed`), or an error
 * line because its batch expired before it was answered (`expired`; OpenAI counts it failed).
 */
export type BatchLineStatus = 'completed' | 'failed' | 'expired';

/**
 * Told of every line this process records and every batch it ends (metrics): each once, in
 * whichever process records it, however often a resumed batch runs. Must not throw.
 */
export interface BatchObserver {
  lineEnded(status: BatchLineStatus): void;
  /** `status`: one of FINAL_BATCH_STATUSES. */
  batchEnded(status: BatchStatus): void;
}

/**
 * A batch this process runs: stopping it leaves its unanswered lines to whoever resumes it,
 * unless it stopped because it expired (`stop`'s reason is then `BatchExpired`).
 */
interface RunningBatch {
  /** The trace context of the request that created the batch, when tracing: its lines' spans link to it. */
  trace?: TraceCarrier;
  stop: AbortController;
  cancelled: boolean;
  expired: boolean;
  done: Promise<void>;
}

/**
 * Runs batches: counts the input's lines, runs them through a window of `concurrency` jobs (in
 * the batch lane), records each answer as it comes, and at the end writes the output and error
 * files. Only processes that work the batch lane (WORKER_LANES) run batches, whatever their
 * ROLE. A process runs a batch while it holds its lease; on start-up, and every lease period,
 * it claims the active batches nobody holds (new ones made by a process without the lane, and
 * those whose process stopped or died), and resumes them from the lines already answered.
 */
export class BatchRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly owner = randomUUID();
  private readonly running = new Map<string, RunningBatch>();
  /** Batches whose lease is being asked for: a second sweep must not start them twice. */
  private readonly claiming = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private unsubscribe = () => {};
  private closed = false;
  /** Status and count changes of the batches, for event streams in any process. */
  readonly changes: BatchChangeFeed;

  constructor(
    private readonly config: AppConfig,
    /** Where the batches it runs are kept (the service reads and cancels them there). */
    readonly store: BatchStore,
    private readonly files: FileCatalog,
    private readonly lines: BatchLineRunner,
    private readonly bus: ClusterBus,
    private readonly webhooks: WebhookService,
    private readonly logger: Logger,
    /** Told of the lines and batches that end here, if given. */
    private readonly observer?: BatchObserver,
  ) {
    this.changes = new BatchChangeFeed(bus);
    // A batch's webhook (and its secret) stays in the batch store; deliveries look it up.
    webhooks.register('batch_', (id) => store.webhook(id));
  }

  /** Whether this process runs batches: it works the batch lane. */
  private get runsBatches(): boolean {
    return worksLane(this.config, 'batch');
  }

  onApplicationBootstrap(): void {
    // Batches' event streams are served wherever the API is.
    if (this.config.role !== 'worker') this.changes.start();
    if (!this.runsBatches) {
      if (this.config.role !== 'worker') {
        this.logger.info(
          { lanes: this.config.queue.workerLanes },
          'this process runs no batches (WORKER_LANES has no batch): batches created here wait for a process whose WORKER_LANES has batch',
        );
      }
      return;
    }
    const unsubscribe = [
      this.bus.subscribe(BATCH_CANCELLED, (message) => {
        const running = this.running.get(message.batchId);
        if (running) running.cancelled = true;
      }),
      this.bus.subscribe(BATCH_CREATED, (message) => void this.start(message.batchId)),
    ];
    this.unsubscribe = () => unsubscribe.forEach((stop) => stop());
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.batches.leaseMs);
    this.sweepTimer.unref();
    void this.sweep();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.unsubscribe();
    this.changes.stop();
    const running = [...this.running.values()];
    for (const batch of running) batch.stop.abort();
    await Promise.all(running.map((batch) => batch.done));
  }

  /**
   * A batch was just created here: this process runs it if it works the batch lane, else the
   * processes that do are told (each tries to claim it; a lost message only delays it until
   * their next sweep, within BATCH_LEASE_MS).
   */
  async created(id: string): Promise<void> {
    if (this.runsBatches) return this.start(id);
    await this.bus
      .publish(BATCH_CREATED, { batchId: id })
      .catch((err: unknown) => this.logger.warn({ err, batchId: id }, 'could not announce a new batch'));
  }

  /** Starts running a batch this process created or was told of (or found without an owner). */
  private async start(id: string): Promise<void> {
    if (this.closed || this.running.has(id) || this.claiming.has(id)) return;
    this.claiming.add(id);
    try {
      if (!(await this.store.claim(id, this.owner, this.config.batches.leaseMs)) || this.closed) return;
    } finally {
      this.claiming.delete(id);
    }
    const running: RunningBatch = {
      stop: new AbortController(),
      cancelled: false,
      expired: false,
      done: Promise.resolve(),
    };
    // Every line in flight listens to the batch's one stop signal.
    setMaxListeners(this.config.batches.concurrency + 16, running.stop.signal);
    this.running.set(id, running);
    running.done = this.run(id, running)
      .catch((err: unknown) => this.logger.error({ err, batchId: id }, 'batch run failed'))
      .then(() => {
        this.running.delete(id);
        // Part of `done`: a process shutting down hands its batches over before Redis closes,
        // rather than leaving them to wait out the lease.
        return this.store.release(id, this.owner);
      })
      .catch((err: unknown) => this.logger.warn({ err, batchId: id }, 'batch lease release failed'));
  }

  private async sweep(): Promise<void> {
    try {
      for (const id of await this.store.active()) await this.start(id);
    } catch (err) {
      this.logger.warn({ err }, 'batch sweep failed');
    }
  }

  private async run(id: string, running: RunningBatch): Promise<void> {
    const renew = setInterval(() => {
      this.store.claim(id, this.owner, this.config.batches.leaseMs).then(
        (held) => {
          // Another process took the batch over (this one stalled past its lease): let it run it.
          if (!held) running.stop.abort();
        },
        (err: unknown) => this.logger.warn({ err, batchId: id }, 'batch lease renewal failed'),
      );
    }, this.config.batches.leaseMs / 3);
    let expiry: NodeJS.Timeout | undefined;
    try {
      let batch = await this.store.get(id);
      if (batch && EXPIRABLE.includes(batch.status)) expiry = this.expireAt(batch, running);
      if (batch?.status === 'validating') {
        await this.validate(batch);
        // Read again: validation moved it on, or a cancel did.
        batch = await this.store.get(id);
      }
      if (!batch) return;
      if (tracingEnabled()) running.trace = await this.store.trace(id);
      if (batch.status === 'in_progress' || batch.status === 'cancelling') {
        if (batch.status === 'cancelling') running.cancelled = true;
        try {
          if (!running.expired) await this.execute(batch, running);
          if (running.expired) await this.expire(id);
          else if (running.stop.signal.aborted) return;
          else await this.finalize(id);
        } catch (err) {
          if (!(err instanceof InputGoneError)) throw err;
          await this.inputGone(id, err);
        }
      } else if (batch.status === 'finalizing') {
        await this.finalize(id);
      }
      if (FINAL_BATCH_STATUSES.includes(batch.status)) {
        // It ended (a failed validation, or a run stopped between its end and settling it).
        await this.settle(batch);
      }
    } finally {
      clearInterval(renew);
      clearTimeout(expiry);
    }
  }

  /**
   * Expires the batch at its `expires_at` (at once when that has passed: a batch resumed late):
   * no more lines are queued and the lines in flight stop waiting and cancel their jobs. A run
   * already stopped (shutdown, lease lost) leaves that to whoever resumes the batch.
   */
  private expireAt(batch: BatchObject, running: RunningBatch): NodeJS.Timeout | undefined {
    const expire = () => {
      if (running.stop.signal.aborted) return;
      running.expired = true;
      running.stop.abort(new BatchExpired(batch.id));
    };
    const delayMs = batch.expires_at * 1000 - Date.now();
    if (delayMs > 0) return setTimeout(expire, delayMs);
    expire();
    return undefined;
  }

  /**
   * Counts the input's lines within the limits, each custom_id once: in_progress with its total,
   * or failed.
   */
  private async validate(batch: BatchObject): Promise<void> {
    const { maxLines, maxBytes } = this.config.batches;
    const fail = (
      error: Omit<BatchError, 'line' | 'param'>,
      param: string | null = null,
      line: number | null = null,
    ) =>
      this.moved(
        this.store.transition(batch.id, ['validating'], {
          status: 'failed',
          failed_at: nowSeconds(),
          errors: { object: 'list', data: [{ ...error, line, param }] },
        }),
      );
    const customIds = new CustomIdSet();
    let total = 0;
    try {
      const { file } = await this.files.get(batch.input_file_id);
      if (file.bytes > maxBytes) {
        await fail({
          code: 'too_large',
          message: `the input file is over ${maxBytes} bytes (BATCH_MAX_BYTES)`,
        });
        return;
      }
      for await (const { text, lineNo } of this.inputLines(batch)) {
        if (text.trim() === '') continue;
        total++;
        if (total > maxLines) {
          await fail({
            code: 'too_many_lines',
            message: `the input file has more than ${maxLines} lines (BATCH_MAX_LINES)`,
          });
          return;
        }
        const customId = customIdOfLine(text);
        const first = customId === null ? undefined : customIds.add(customId, lineNo);
        if (customId !== null && first !== undefined) {
          const shown = customId.length > 100 ? `${customId.slice(0, 100)}…` : customId;
          await fail(
            {
              code: 'duplicate_custom_id',
              message: `line ${lineNo} repeats the custom_id ${JSON.stringify(shown)} of line ${first}; each line needs its own custom_id`,
            },
            'custom_id',
            lineNo,
          );
          return;
        }
      }
    } catch (err) {
      await fail({ code: 'invalid_file', message: (err as Error).message }, 'input_file_id');
      return;
    }
    if (total === 0) {
      await fail({ code: 'empty_file', message: 'the input file has no lines' }, 'input_file_id');
      return;
    }
    await this.moved(
      this.store.transition(batch.id, ['validating'], {
        status: 'in_progress',
        in_progress_at: nowSeconds(),
        request_counts: { total, completed: 0, failed: 0 },
      }),
    );
  }

  /** Runs the lines not yet answered, `concurrency` at a time, until the end, a cancel or a stop. */
  private async execute(batch: BatchObject, running: RunningBatch): Promise<void> {
    const signal = running.stop.signal;
    const inFlight = new Set<Promise<void>>();
    // Read once: only this run answers the batch's lines from here on.
    const answered = await this.store.answeredLines(batch.id);
    for await (const { text, lineNo } of this.inputLines(batch)) {
      if (running.cancelled || signal.aborted) break;
      if (text.trim() === '' || answered.has(lineNo)) continue;
      while (inFlight.size >= this.config.batches.concurrency) await Promise.race(inFlight);
      if (running.cancelled || signal.aborted) break;
      const line = this.answer(batch, text, lineNo, running).finally(() => inFlight.delete(line));
      inFlight.add(line);
    }
    await Promise.all(inFlight);
  }

  private async answer(
    batch: BatchObject,
    text: string,
    lineNo: number,
    running: RunningBatch,
  ): Promise<void> {
    try {
      const result = await this.lines.run(text, lineNo, batch, running.stop.signal, running.trace);
      if (result && (await this.store.recordLine(batch.id, lineNo, result))) {
        this.changes.counted(batch.id);
        this.observer?.lineEnded(result.failed ? 'failed' : 'completed');
      }
    } catch (err) {
      // Not recorded (Redis is away, say): the line runs again when the batch resumes, so this
      // run stops here rather than go on to end the batch without it; a sweep resumes it.
      this.logger.warn(
        { err, batchId: batch.id, lineNo },
        'batch line could not be recorded; stopping the run',
      );
      running.stop.abort(err);
    }
  }

  /** Writes the output and error files and ends the batch completed (or cancelled). */
  private async finalize(id: string): Promise<void> {
    const finalizing = await this.moved(
      this.store.transition(id, ['in_progress'], {
        status: 'finalizing',
        finalizing_at: nowSeconds(),
      }),
    );
    const batch = finalizing ?? (await this.store.get(id));
    if (batch?.status === 'finalizing') {
      await this.end(batch, ['finalizing'], { status: 'completed', completed_at: nowSeconds() });
    } else if (batch?.status === 'cancelling') {
      await this.end(batch, ['cancelling'], { status: 'cancelled', cancelled_at: nowSeconds() });
    }
  }

  /**
   * Ends the batch: the output and error files from the recorded answers, then the final status
   * (`patch`) if it is still in one of `from`, then its webhook.
   */
  private async end(batch: BatchObject, from: readonly BatchStatus[], patch: BatchPatch): Promise<void> {
    const output = await this.writeFile(batch, false);
    const errors = await this.writeFile(batch, true);
    const ended = await this.moved(
      this.store.transition(batch.id, from, { ...patch, output_file_id: output, error_file_id: errors }),
    );
    if (ended) await this.settle(ended);
    const log = { batchId: batch.id, status: ended?.status, counts: ended?.request_counts };
    if (ended?.status === 'failed') this.logger.warn({ ...log, errors: ended.errors }, 'batch failed');
    else this.logger.info(log, 'batch ended');
  }

  /**
   * Ends a batch whose completion window ended (OpenAI's `expired`): every line not answered
   * becomes a `batch_expired` error line, then the output and error files are written as at any
   * end. Each step can run again (the answers are recorded once each, the files have fixed ids),
   * so a process that stops midway leaves the rest to the next one.
   */
  private async expire(id: string): Promise<void> {
    const batch = await this.store.get(id);
    if (!batch || !EXPIRABLE.includes(batch.status) || batch.status === 'validating') return;
    // A batch cancelled before its lines were counted has none to answer.
    const counted = batch.in_progress_at !== null;
    // Recorded a window at a time (answered lines stay as they are): a long batch takes a few
    // round trips per thousand lines, not one per line.
    const recording: Promise<void>[] = [];
    const record = (lineNo: number, text: string) =>
      this.store.recordLine(id, lineNo, expiredLine(text, lineNo)).then((added) => {
        if (!added) return;
        this.changes.counted(id);
        this.observer?.lineEnded('expired');
      });
    const answered = counted ? await this.store.answeredLines(id) : new Set<number>();
    for await (const { text, lineNo } of counted ? this.inputLines(batch) : []) {
      if (this.closed) break;
      if (text.trim() === '' || answered.has(lineNo)) continue;
      recording.push(record(lineNo, text));
      if (recording.length >= EXPIRE_WINDOW) await Promise.all(recording.splice(0));
    }
    await Promise.all(recording);
    // Stopping: whoever resumes the batch records the rest.
    if (this.closed) return;
    await this.end((await this.store.get(id)) ?? batch, ['in_progress', 'cancelling'], {
      status: 'expired',
      expired_at: nowSeconds(),
    });
  }

  /**
   * Ends a batch whose input file can no longer be read (it expired or its bytes were swept
   * while the batch ran): `failed`, with what was answered in the output and error files. Without
   * this, every sweep would resume it and fail again.
   */
  private async inputGone(id: string, err: InputGoneError): Promise<void> {
    const batch = await this.store.get(id);
    if (!batch) return;
    const error = { code: 'input_file_gone', message: err.message, line: null, param: 'input_file_id' };
    await this.end(batch, ['in_progress', 'cancelling', 'finalizing'], {
      status: 'failed',
      failed_at: nowSeconds(),
      errors: { object: 'list', data: [error] },
    });
  }

  /**
   * A status change that applied is announced to the batch's event streams (and an end to the
   * observer: a change applies once, whichever process makes it).
   */
  private async moved(transition: Promise<BatchObject | undefined>): Promise<BatchObject | undefined> {
    const batch = await transition;
    if (batch) {
      if (FINAL_BATCH_STATUSES.includes(batch.status)) this.observer?.batchEnded(batch.status);
      await this.changes.changed(batch.id).catch((err: unknown) => {
        this.logger.warn({ err, batchId: batch.id }, 'could not announce a batch status change');
      });
    }
    return batch;
  }

  /**
   * A batch in a final status: its webhook is queued (once per batch, however often this runs),
   * then no process runs it any more. Should queuing fail, the batch stays active and the next
   * sweep comes back here.
   */
  private async settle(batch: BatchObject): Promise<void> {
    if (await this.store.webhook(batch.id)) {
      await this.webhooks.announce({ id: batch.id, event: `batch.${batch.status}`, body: batch });
    }
    await this.store.settle(batch.id);
  }

  /** One of the batch's result files, streamed from the recorded answers; null when it would be empty. */
  private async writeFile(batch: BatchObject, failed: boolean): Promise<string | null> {
    const count = failed ? batch.request_counts.failed : batch.request_counts.completed;
    if (count === 0) return null;
    const answers = this.store.answers(batch.id);
    async function* lines(): AsyncGenerator<Buffer> {
      for await (const answer of answers as AsyncIterable<BatchResultLine>) {
        if (answer.failed === failed) yield Buffer.from(`${answer.line}\n`);
      }
    }
    // A fixed id per batch and kind: a finalize that runs again after a crash replaces the file.
    const suffix = failed ? '1' : '0';
    const file = await this.files.create(lines(), {
      id: `file-${batch.id.slice('batch_'.length, 'batch_'.length + 31)}${suffix}`,
      filename: `${batch.id}_${failed ? 'error' : 'output'}.jsonl`,
      purpose: 'batch_output',
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
    return file.id;
  }

  /** The input file's lines, numbered from 1, read as a stream. */
  private async *inputLines(batch: BatchObject): AsyncGenerator<{ text: string; lineNo: number }> {
    const gone = (err: unknown) =>
      (err instanceof GatewayError && err.code === 'not_found') || err instanceof BlobNotFoundError
        ? new InputGoneError(`the input file ${batch.input_file_id} is gone (expired or deleted)`, {
            cause: err,
          })
        : err;
    const { stream } = await this.files.content(batch.input_file_id).catch((err: unknown) => {
      throw gone(err);
    });
    const reader = createInterface({ input: stream, crlfDelay: Infinity });
    let lineNo = 0;
    try {
      for await (const text of reader) yield { text, lineNo: ++lineNo };
    } catch (err) {
      throw gone(err);
    } finally {
      reader.close();
      stream.destroy();
    }
  }
}

/**
 * The custom_ids seen while validating, each with the line that had it first. Long ids are kept
 * as a truncated SHA-256 (96 bits: no collision to fear within BATCH_MAX_LINES), so memory stays
 * small whatever the ids' length.
 */
class CustomIdSet {
  private readonly seen = new Map<string, number>();

  /** Adds the id; the line that had it first when it was already there, else undefined. */
  add(customId: string, lineNo: number): number | undefined {
    const key =
      customId.length <= 16
        ? `=${customId}`
        : `#${createHash('sha256').update(customId).digest('base64').slice(0, 16)}`;
    const first = this.seen.get(key);
    if (first === undefined) this.seen.set(key, lineNo);
    return first;
  }
}

/** The batch's input file cannot be read any more. */
class InputGoneError extends Error {
  override readonly name = 'InputGoneError';
}
