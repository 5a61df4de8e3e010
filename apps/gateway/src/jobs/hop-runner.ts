import type { AdapterContext, AdapterResult } from '@omnigate/adapters';
import { isTerminalStatus, type JobError, type OutputPart } from '@omnigate/contracts';
import type { Logger } from 'pino';
import type { AdapterHealth } from '../adapters/adapter-health';
import type { AdapterRegistry } from '../adapters/adapter-registry';
import type { BlobStore } from '../blobs/blob-store';
import { FinalHopError, RetryableHopError, type HopQueue, type HopRun, type JobStore } from './job-ports';
import { nextRoute } from '../routing/route-plan';
import type { Release, Slot } from './direct-lane';
import { DirectRuns, type DirectLaneSettings } from './direct-runs';
import { asNextInput, classifyFailure, storeOutput, withTexts } from './hop-data';
import type { JobEndings } from './job-endings';
import { laneOf } from './work-lanes';
import type { HopJob, HopPlan, JobRecord, PlannedRoute } from './job-record';
import type { ModelAdapter } from '../adapters/model-adapters';
import { HopSpans } from '../tracing/hop-spans';
import { extended } from '../common/extended';

/** How one run of a hop ended: `retried` when it failed and its attempt is to be made again. */
export type HopOutcome = 'completed' | 'retried' | 'failed' | 'cancelled';

/** Told of every hop run of this process once it has ended (metrics). Must not throw. */
export interface HopObserver {
  /** `task`: the hop's own (a capability's task, so one of a bounded set). */
  hopRan(adapter: string, outcome: HopOutcome, ms: number, task: string): void;
  /**
   * Told of every answer an adapter gave, as soon as it gave it, with the `meta` it reported
   * (a model's usage and timings), even if the hop goes on to fail or be cancelled.
   */
  hopAnswered?(adapter: string, meta: Record<string, unknown> | undefined): void;
  /** A job left a failed route for its next one: `from` the adapter that failed, `to` the next route's first. */
  fellBack?(from: string, to: string): void;
}

/** A hop this process runs: what aborts its adapter's call, and whether the job was cancelled. */
interface RunningHop {
  stop: AbortController;
  cancelled: boolean;
}

/** Runs one hop on a worker: invokes the adapter, stores its outputs, records the outcome. */
export class HopRunner {
  /** The hops this process is running, by job id, to abort them on cancellation. */
  private readonly running = new Map<string, RunningHop>();

  constructor(
    private readonly adapters: AdapterRegistry,
    private readonly blobs: BlobStore,
    private readonly store: JobStore,
    hops: HopQueue,
    private readonly health: AdapterHealth,
    private readonly endings: JobEndings,
    private readonly logger: Logger,
    /**
     * Runs hops of sync jobs here when a slot is free (DISPATCH=auto); without it every hop is
     * queued. `leases`: what keeps a job that runs here from staying `active` if this process
     * dies (shared queues only).
     */
    lane?: DirectLaneSettings,
    /** Told how every hop run ends (how long it took, by adapter), if given. */
    private readonly observer?: HopObserver,
    /** The adapters of model backends, by id: their calls' spans are GenAI spans. */
    private readonly models: ReadonlyMap<string, ModelAdapter> = new Map(),
  ) {
    this.direct = new DirectRuns(lane, hops, (hop, run, known) => this.execute(hop, run, known), logger);
  }

  /** The direct lane: the hops of sync jobs this process runs itself. */
  private readonly direct: DirectRuns;

  /** A slot of the direct lane for a hop of `adapterId`, or undefined: the hop takes the queue (DirectRuns.reserve). */
  reserve(adapterId: string): Slot {
    return this.direct.reserve(adapterId);
  }

  /** How long the lease lasts that a job whose first hop runs here is created with, if leases are kept. */
  get leaseMs(): number | undefined {
    return this.direct.leaseMs;
  }

  /** Keeps the lease of job `jobId` renewed until the returned function is called (DirectRuns.holdLease). */
  holdLease(jobId: string): () => void {
    return this.direct.holdLease(jobId);
  }

  /** Runs the first hop of a sync job in this process, in a slot `reserve` gave (DirectRuns.startHere). */
  startHere(hop: HopJob, record: JobRecord, release: Release, saved: Promise<unknown>): void {
    this.direct.startHere(hop, record, release, saved);
  }

  /** Waits for the direct lane's hops to end, at most `graceMs`, then aborts the rest. */
  close(graceMs: number): Promise<void> {
    return this.direct.close(graceMs);
  }

  /** Runs one hop of a job: the adapter's call, then the job's next step (advance, end, retry, fall back, fail). */
  readonly handle = (hop: HopJob, run: HopRun): Promise<void> => this.execute(hop, run);

  /** `known`: the record as the caller just saved it (the first try of a direct hop): not read again. */
  private async execute(hop: HopJob, run: HopRun, known?: JobRecord): Promise<void> {
    const record = known ? this.markActive(known, run) : await this.load(hop, run);
    if (!record) return;
    const startedAt = Date.now();
    const spans = HopSpans.start(hop, run.attempt.number, this.models.get(hop.adapter));
    let failure: unknown;
    const log = this.logger.child({ jobId: hop.jobId, adapter: hop.adapter, attempt: run.attempt.number });
    // The adapter's signal: aborted when the job is cancelled (cancel()) or the run's signal is
    // (a shutdown). One controller following the run's signal, where AbortSignal.any would make a
    // signal more and track it through weak references, on every hop.
    const current: RunningHop = { stop: new AbortController(), cancelled: false };
    const follow = () => current.stop.abort(run.signal.reason);
    if (run.signal.aborted) follow();
    else run.signal.addEventListener('abort', follow, { once: true });
    this.running.set(hop.jobId, current);
    const call = this.call(record, hop, current.stop.signal, log, spans);
    let outcome: HopOutcome = 'failed';
    try {
      const result = await call.result;
      this.answered(hop.adapter, result, log);
      if (current.cancelled) throw new FinalHopError('the job was cancelled');
      this.health.success(hop.adapter);
      await this.succeeded(record, hop, run, result, startedAt, log);
      outcome = 'completed';
    } catch (err) {
      failure = err;
      if (current.cancelled) {
        outcome = 'cancelled';
        log.info('hop cancelled');
        throw err instanceof FinalHopError ? err : new FinalHopError('the job was cancelled', { cause: err });
      }
      try {
        await this.failed(record, hop, run, err, call.streamed(), startedAt, log);
      } catch (recorded) {
        if (recorded instanceof RetryableHopError) outcome = 'retried';
        throw recorded;
      }
    } finally {
      run.signal.removeEventListener('abort', follow);
      this.running.delete(hop.jobId);
      this.observer?.hopRan(hop.adapter, outcome, Date.now() - startedAt, hop.task);
      spans?.end(outcome, failure);
    }
  }

  /** Tells the observer what the adapter reported; an observer that throws costs the hop nothing. */
  private answered(adapter: string, result: AdapterResult, log: Logger): void {
    try {
      this.observer?.hopAnswered?.(adapter, result.meta);
    } catch (err) {
      log.warn({ err }, 'the hop observer failed on an answer');
    }
  }

  /**
   * The record the caller just saved, marked active without waiting: the mark goes out beside
   * the adapter's call (on the connection the hop's outcome is saved on, so it lands first).
   */
  private markActive(record: JobRecord, run: HopRun): JobRecord {
    this.store
      .markActive(record.id, run.attempt.number)
      .catch((err: unknown) => this.logger.warn({ err, jobId: record.id }, 'could not mark a job active'));
    return record;
  }

  /**
   * The job's record as this hop sees it (with what earlier hops carried), marked active; none
   * when the hop is not to run: the record expired, the job ended, or the route was abandoned.
   */
  private async load(hop: HopJob, run: HopRun): Promise<JobRecord | undefined> {
    await this.direct.stored(hop.jobId);
    // One round trip: the two commands share a pipeline.
    const [stored] = await Promise.all([
      this.store.get(hop.jobId),
      this.store.markActive(hop.jobId, run.attempt.number),
    ]);
    const record = stored && hop.carried ? { ...stored, ...hop.carried } : stored;
    if (!record) {
      this.logger.warn({ jobId: hop.jobId }, 'job record expired before it ran; dropping the hop');
      return undefined;
    }
    if (isTerminalStatus(record.status)) return undefined;
    if ((record.fallbacks?.length ?? 0) !== hop.generation) {
      this.logger.debug({ jobId: hop.jobId, hop: hop.hop }, 'hop of an abandoned route; dropping it');
      return undefined;
    }
    return record;
  }

  /**
   * Invokes the adapter, publishing its progress and (on a streaming job's last text hop) its
   * text deltas; the result waits for every delta to be out. `streamed()`: whether text has gone
   * out to the caller, after which the hop cannot be run again from the start.
   */
  private call(
    record: JobRecord,
    hop: HopJob,
    signal: AbortSignal,
    log: Logger,
    spans: HopSpans | undefined,
  ): { result: Promise<AdapterResult>; streamed(): boolean } {
    let streamed = false;
    // Deltas go out one after another, and all before the record that ends the job.
    let deltas = Promise.resolve();
    const last = hop.hop === record.plan.length - 1;
    const streamsText = record.streaming === true && last && hop.output.modality === 'text';
    const context: AdapterContext = {
      signal,
      // Progress is news for waiting callers, not state: the adapter does not wait for it.
      progress: async (fraction) => {
        const progress = Math.max(0, Math.min(1, fraction));
        this.store
          .publish({ id: record.id, status: 'active', progress })
          .catch((err: unknown) => log.warn({ err }, 'could not publish progress'));
      },
      blobs: hop.texts ? withTexts(this.blobs, hop.texts) : this.blobs,
      logger: log,
      ...(spans ? { traceHeaders: spans.headers } : {}),
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
    const request = { task: hop.task, inputs: hop.inputs, output: hop.output, options: hop.options };
    // The adapter call's span ends as the adapter answers or fails (not after the deltas).
    const invoked = (async () => {
      if (!spans) return this.adapters.get(hop.adapter).invoke(request, context);
      try {
        const result = await this.adapters.get(hop.adapter).invoke(request, context);
        spans.answered(result.meta);
        return result;
      } catch (err) {
        spans.failed(err);
        throw err;
      }
    })();
    // A failed call also waits for its deltas: they go out before the record that ends the job.
    const result = invoked.finally(() => deltas);
    return { result, streamed: () => streamed };
  }

  /** The hop's outputs stored; then the next hop queued, or the job completed and its end announced. */
  private async succeeded(
    record: JobRecord,
    hop: HopJob,
    run: HopRun,
    result: AdapterResult,
    startedAt: number,
    log: Logger,
  ): Promise<void> {
    const next = record.plan[hop.hop + 1];
    // An intermediate output lives only as long as the job, beside its record when small.
    const outputs = await Promise.all(
      result.outputs.map((o) => storeOutput(this.blobs, hop, o, next !== undefined)),
    );
    const finishedAt = Date.now();
    const route = record.route.map((step, i) =>
      i === hop.hop
        ? extended(step, { ms: finishedAt - startedAt, ...(result.meta ? { meta: result.meta } : {}) })
        : step,
    );
    const warnings = [...record.warnings, ...(result.warnings ?? [])];
    const timings = this.timings(record, hop, startedAt, finishedAt);
    if (next) {
      await this.advance(record, hop, next, outputs, { route, warnings, timings });
      log.debug({ ms: finishedAt - startedAt, next: next.adapter }, 'hop completed, next queued');
      return;
    }
    const done: JobRecord = extended(record, {
      status: 'completed' as const,
      attempts: run.attempt.number,
      outputs,
      route,
      warnings,
      timings: extended(timings, { totalMs: finishedAt - Date.parse(record.createdAt) }),
      finishedAt: new Date(finishedAt).toISOString(),
    });
    await this.end(done, hop);
    log.debug({ ms: finishedAt - startedAt }, 'hop completed');
  }

  /**
   * An intermediate hop's outputs become the next hop's inputs, on the next adapter's queue;
   * what this hop changed travels with that hop rather than through a rewrite of the record.
   */
  private async advance(
    record: JobRecord,
    hop: HopJob,
    next: HopPlan,
    outputs: OutputPart[],
    carried: NonNullable<HopJob['carried']>,
  ): Promise<void> {
    const texts: Record<string, string> = {};
    const inputs = await Promise.all(outputs.map((o) => asNextInput(this.blobs, o, texts)));
    await Promise.all([
      this.store.publish({ id: record.id, status: 'active', progress: (hop.hop + 1) / record.plan.length }),
      this.direct.dispatch(
        {
          jobId: record.id,
          generation: hop.generation,
          hop: hop.hop + 1,
          inputs,
          ...next,
          carried,
          ...(Object.keys(texts).length > 0 ? { texts } : {}),
          ...(hop.direct ? { direct: true } : {}),
          // A job's every hop stays in its lane (a batch line's on the batch queues).
          ...(hop.lane ? { lane: hop.lane } : {}),
          ...(hop.trace ? { trace: hop.trace } : {}),
        },
        record.priority,
      ),
    ]);
  }

  /**
   * A failed call: tried again while attempts remain (retryable failures only, and only before
   * text has gone out), else the next route, else the job fails. Always throws.
   */
  private async failed(
    record: JobRecord,
    hop: HopJob,
    run: HopRun,
    err: unknown,
    streamed: boolean,
    startedAt: number,
    log: Logger,
  ): Promise<never> {
    const { code, message, retryable, retryAfterMs, details } = classifyFailure(err);
    if (retryable) this.health.failure(hop.adapter);
    // An adapter whose breaker just opened is not tried again: the job falls back at once.
    const last =
      !retryable || streamed || run.attempt.number >= run.attempt.max || this.health.isOpen(hop.adapter);
    const fallback = last && retryable && !streamed ? nextRoute(record, hop.adapter) : undefined;
    // One line an attempt, saying what comes of it.
    log.warn(
      {
        err,
        code,
        hop: hop.hop,
        next: !last ? 'retry' : fallback ? 'fallback' : 'fail',
        ...(fallback ? { fallbackRoute: fallback.route.route.map((s) => s.adapter) } : {}),
      },
      'hop failed',
    );
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
    if (fallback) {
      await this.fallBack(record, hop, error, timings, fallback);
      this.observer?.fellBack?.(hop.adapter, fallback.route.plan[0].adapter);
      throw new FinalHopError(`${message} (fell back to the next route)`, { cause: err });
    }
    await this.end(
      extended(record, {
        status: 'failed' as const,
        attempts: run.attempt.number,
        error,
        timings: extended(timings, { totalMs: finishedAt - Date.parse(record.createdAt) }),
        finishedAt: new Date(finishedAt).toISOString(),
      }),
      hop,
    );
    throw new FinalHopError(message, { cause: err });
  }

  /**
   * Saves the record that ends the job (it carries the whole record to waiters), then announces
   * the end, saying how `hop`, the last, ran.
   */
  private async end(record: JobRecord, hop: HopJob): Promise<void> {
    await this.store.save(record, { id: record.id, status: record.status, record });
    await this.endings.ended(record, { dispatch: hop.direct ? 'direct' : 'queued', lane: laneOf(hop) });
  }

  /** Aborts the hop of `jobId` if this process is running it (the job was cancelled). */
  cancel(jobId: string): void {
    const running = this.running.get(jobId);
    if (!running) return;
    running.cancelled = true;
    running.stop.abort(new Error('the job was cancelled'));
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
    const switched: JobRecord = extended(record, {
      status: 'active' as const,
      plan: next.route.plan,
      route: next.route.route,
      alternatives: next.rest,
      fallbacks,
      timings,
    });
    await this.store.save(switched, { id: record.id, status: 'active', progress: 0 });
    await this.direct.dispatch(
      {
        jobId: record.id,
        generation: fallbacks.length,
        hop: 0,
        inputs: record.inputs,
        ...next.route.plan[0],
        ...(hop.direct ? { direct: true } : {}),
        ...(hop.lane ? { lane: hop.lane } : {}),
        ...(hop.trace ? { trace: hop.trace } : {}),
      },
      record.priority,
    );
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
}
