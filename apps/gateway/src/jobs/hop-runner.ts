import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AdapterError,
  type AdapterContext,
  type AdapterInput,
  type AdapterOutput,
  type BlobReader,
} from '@omnigate/adapters';
import { isTerminalStatus, type ErrorCode, type JobError, type OutputPart } from '@omnigate/contracts';
import type { Logger } from 'pino';
import type { AdapterHealth } from '../adapters/adapter-health';
import type { AdapterRegistry } from '../adapters/adapter-registry';
import type { BlobStore } from '../blobs/blob-store';
import { FinalHopError, RetryableHopError, type HopQueue, type HopRun, type JobStore } from './job-ports';
import { nextRoute } from '../routing/route-plan';
import type { JobEndings } from './job-endings';
import type { HopJob, JobRecord, PlannedRoute } from './job-record';

/** Text outputs up to this size travel inside the next hop's queue entry instead of as blobs. */
const MAX_CARRIED_TEXT_BYTES = 64 * 1024;

/** Runs one hop on a worker: invokes the adapter, stores its outputs, records the outcome. */
export class HopRunner {
  /** The hops this process is running, by job id, to abort them on cancellation. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly adapters: AdapterRegistry,
    private readonly blobs: BlobStore,
    private readonly store: JobStore,
    private readonly hops: HopQueue,
    private readonly health: AdapterHealth,
    private readonly endings: JobEndings,
    private readonly logger: Logger,
  ) {}

  readonly handle = async (hop: HopJob, run: HopRun): Promise<void> => {
    // One round trip: the two commands share a pipeline.
    const [stored] = await Promise.all([
      this.store.get(hop.jobId),
      this.store.markActive(hop.jobId, run.attempt.number),
    ]);
    const record = stored && hop.carried ? { ...stored, ...hop.carried } : stored;
    if (!record) {
      this.logger.warn({ jobId: hop.jobId }, 'job record expired before it ran; dropping the hop');
      return;
    }
    if (isTerminalStatus(record.status)) return;
    if ((record.fallbacks?.length ?? 0) !== hop.generation) {
      this.logger.debug({ jobId: hop.jobId, hop: hop.hop }, 'hop of an abandoned route; dropping it');
      return;
    }
    const startedAt = Date.now();
    const log = this.logger.child({ jobId: hop.jobId, adapter: hop.adapter, attempt: run.attempt.number });
    const next = record.plan[hop.hop + 1];
    const cancel = new AbortController();
    this.running.set(hop.jobId, cancel);
    // Once text has gone out to a streaming caller, the hop cannot be run again from the start.
    let streamed = false;
    // Deltas go out one after another, and all before the record that ends the job.
    let deltas = Promise.resolve();
    const streamsText = record.streaming === true && !next && hop.output.modality === 'text';
    try {
      const adapter = this.adapters.get(hop.adapter);
      const context: AdapterContext = {
        signal: AbortSignal.any([run.signal, cancel.signal]),
        // Progress is news for waiting callers, not state: the adapter does not wait for it.
        progress: async (fraction) => {
          const progress = Math.max(0, Math.min(1, fraction));
          this.store
            .publish({ id: record.id, status: 'active', progress })
            .catch((err: unknown) => log.warn({ err }, 'could not publish progress'));
        },
        blobs: hop.texts ? withTexts(this.blobs, hop.texts) : this.blobs,
        logger: log,
        ...(streamsText
          ? {
              onTextDelta: (delta: string) => {
                streamed = true;
                deltas = deltas
                  .then(() => this.store.publish({ id: record.id, status: 'active', delta }))
                  .catch((err: unknown) => log.warn({ err }, 'could not publish a text delta'));
              },
            }
          : {}),
      };
      const result = await adapter.invoke(
        { task: hop.task, inputs: hop.inputs, output: hop.output, options: hop.options },
        context,
      );
      await deltas;
      if (cancel.signal.aborted) throw new FinalHopError('the job was cancelled');
      // An intermediate output lives only as long as the job, beside its record when small.
      this.health.success(hop.adapter);
      const outputs = await Promise.all(
        result.outputs.map((o) => this.storeOutput(hop, o, next !== undefined)),
      );
      const finishedAt = Date.now();
      const route = record.route.map((step, i) =>
        i === hop.hop
          ? { ...step, ms: finishedAt - startedAt, ...(result.meta ? { meta: result.meta } : {}) }
          : step,
      );
      const warnings = [...record.warnings, ...(result.warnings ?? [])];
      const timings = this.timings(record, hop, startedAt, finishedAt);
      if (next) {
        // An intermediate hop: its outputs are the next hop's inputs, on the next adapter's queue;
        // what it changed travels with that hop rather than through a rewrite of the record.
        const texts: Record<string, string> = {};
        const inputs = await Promise.all(outputs.map((o) => this.asInput(o, texts)));
        await Promise.all([
          this.store.publish({
            id: record.id,
            status: 'active',
            progress: (hop.hop + 1) / record.plan.length,
          }),
          this.hops.add(
            {
              jobId: record.id,
              generation: hop.generation,
              hop: hop.hop + 1,
              inputs,
              ...next,
              carried: { route, warnings, timings },
              ...(Object.keys(texts).length > 0 ? { texts } : {}),
            },
            { priority: record.priority },
          ),
        ]);
        log.debug({ ms: finishedAt - startedAt, next: next.adapter }, 'hop completed, next queued');
        return;
      }
      const done: JobRecord = {
        ...record,
        status: 'completed',
        attempts: run.attempt.number,
        outputs,
        route,
        warnings,
        timings: { ...timings, totalMs: finishedAt - Date.parse(record.createdAt) },
        finishedAt: new Date(finishedAt).toISOString(),
      };
      await this.store.save(done, { id: done.id, status: 'completed', record: done });
      await this.endings.ended(done);
      log.debug({ ms: finishedAt - startedAt }, 'hop completed');
    } catch (err) {
      if (cancel.signal.aborted) {
        log.info('hop cancelled');
        throw err instanceof FinalHopError ? err : new FinalHopError('the job was cancelled', { cause: err });
      }
      await deltas;
      const { code, message, retryable, retryAfterMs, details } = classify(err);
      if (retryable) this.health.failure(hop.adapter);
      // An adapter whose breaker just opened is not tried again: the job falls back at once.
      const last =
        !retryable || streamed || run.attempt.number >= run.attempt.max || this.health.isOpen(hop.adapter);
      log.warn({ err, code, retryable, last }, 'hop failed');
      if (!last) throw new RetryableHopError(message, { cause: err }, retryAfterMs);
      const finishedAt = Date.now();
      const error = {
        code,
        message:
          record.plan.length > 1
            ? `hop ${hop.hop + 1} of ${record.plan.length} (${hop.adapter}): ${message}`
            : message,
        details: { ...details, hop: hop.hop, adapter: hop.adapter },
      };
      const timings = this.timings(record, hop, startedAt, finishedAt);
      const fallback = retryable && !streamed ? nextRoute(record, hop.adapter) : undefined;
      if (fallback) {
        await this.fallBack(record, hop, error, timings, fallback);
        log.warn({ next: fallback.route.route.map((s) => s.adapter) }, 'route failed; falling back');
        throw new FinalHopError(`${message} (fell back to the next route)`, { cause: err });
      }
      const failed: JobRecord = {
        ...record,
        status: 'failed',
        attempts: run.attempt.number,
        error,
        timings: { ...timings, totalMs: finishedAt - Date.parse(record.createdAt) },
        finishedAt: new Date(finishedAt).toISOString(),
      };
      await this.store.save(failed, { id: failed.id, status: 'failed', record: failed });
      await this.endings.ended(failed);
      throw new FinalHopError(message, { cause: err });
    } finally {
      this.running.delete(hop.jobId);
    }
  };

  /** Aborts the hop of `jobId` if this process is running it (the job was cancelled). */
  cancel(jobId: string): void {
    this.running.get(jobId)?.abort(new Error('the job was cancelled'));
  }

  /** Records the failed route and queues the first hop of the next one, from the job's own inputs. */
  private async fallBack(
    record: JobRecord,
    hop: HopJob,
    error: JobError,
    timings: JobRecord['timings'],
    next: { route: PlannedRoute; rest: PlannedRoute[] },
  ): Promise<void> {
    const fallbacks = [...(record.fallbacks ?? []), { adapter: hop.adapter, route: record.route, error }];
    const switched: JobRecord = {
      ...record,
      status: 'active',
      plan: next.route.plan,
      route: next.route.route,
      alternatives: next.rest,
      fallbacks,
      timings,
    };
    await this.store.save(switched, { id: record.id, status: 'active', progress: 0 });
    await this.hops.add(
      {
        jobId: record.id,
        generation: fallbacks.length,
        hop: 0,
        inputs: record.inputs,
        ...next.route.plan[0],
      },
      { priority: record.priority },
    );
  }

  private async storeOutput(hop: HopJob, output: AdapterOutput, intermediate: boolean): Promise<OutputPart> {
    if (output.modality !== hop.output.modality) {
      throw new AdapterError(
        'adapter_failed',
        `adapter ${hop.adapter} returned ${output.modality}, not ${hop.output.modality}`,
      );
    }
    if ('text' in output)
      return { modality: output.modality, mediaType: output.mediaType, text: output.text };
    const blob = await this.blobs.put(output.data, {
      mediaType: output.mediaType,
      ...(intermediate ? { scope: 'job' as const } : {}),
    });
    return {
      modality: output.modality,
      mediaType: blob.mediaType,
      blobId: blob.id,
      url: `/v1/blobs/${blob.id}`,
      bytes: blob.bytes,
    };
  }

  /** Time in the queue before the first hop started, and time spent running hops so far. */
  private timings(
    record: JobRecord,
    hop: HopJob,
    startedAt: number,
    finishedAt: number,
  ): JobRecord['timings'] {
    const queuedMs =
      hop.hop === 0 && hop.generation === 0
        ? startedAt - Date.parse(record.createdAt)
        : (record.timings.queuedMs ?? 0);
    return { queuedMs, runMs: (record.timings.runMs ?? 0) + (finishedAt - startedAt) };
  }

  /**
   * An output of one hop as an input of the next. Small text rides in the next hop itself
   * (`texts`, under the id its content would have as a blob); larger text is stored beside the job.
   */
  private async asInput(output: OutputPart, texts: Record<string, string>): Promise<AdapterInput> {
    const { modality, mediaType } = output;
    if (output.blobId) return { modality, mediaType, blobId: output.blobId, bytes: output.bytes ?? 0 };
    const data = Buffer.from(output.text ?? '', 'utf8');
    if (data.length <= MAX_CARRIED_TEXT_BYTES) {
      const blobId = createHash('sha256').update(data).digest('hex');
      texts[blobId] = output.text ?? '';
      return { modality, mediaType, blobId, bytes: data.length };
    }
    const blob = await this.blobs.put(data, { mediaType, scope: 'job' });
    return { modality, mediaType, blobId: blob.id, bytes: blob.bytes };
  }
}

/** A blob reader that serves the hop's carried texts first. */
function withTexts(blobs: BlobReader, texts: Record<string, string>): BlobReader {
  const carried = (id: string) => (Object.hasOwn(texts, id) ? Buffer.from(texts[id], 'utf8') : undefined);
  return {
    read: async (id) => carried(id) ?? blobs.read(id),
    stream: (id) => {
      const data = carried(id);
      return data ? Readable.from([data]) : blobs.stream(id);
    },
  };
}

function classify(err: unknown): {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
} {
  if (AdapterError.is(err)) {
    return {
      code: err.code,
      message: err.message,
      retryable: err.retryable === true,
      retryAfterMs: err.retryAfterMs,
      details: err.details,
    };
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return { code: 'timeout', message: 'the job was interrupted', retryable: true };
  }
  // An unexpected exception is the adapter's fault, not the caller's; it may be transient.
  return { code: 'adapter_failed', message: 'the adapter failed unexpectedly', retryable: true };
}
