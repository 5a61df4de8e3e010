/**
 * The ports of the jobs core: what the lifecycle needs from a job store, a hop queue and a rate
 * counter. `queue/` implements them, for BullMQ on Redis and in-process.
 */
import type { HopJob, JobEvent, JobRecord } from './job-record';
import type { WorkLane } from './work-lanes';

/** Where job records live, and how their changes reach waiting requests in every process. */
export interface JobStore {
  /**
   * Saves a new record, unless one with its id exists. A hop queued once `create` has been
   * called (before it settles) never reaches a worker ahead of the record, so the two may be
   * sent together.
   */
  create(record: JobRecord): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  /** Records that a worker started the job (attempt `attempt`) and announces it, without a rewrite. */
  markActive(id: string, attempt: number): Promise<void>;
  /** Saves the record and announces the change in one step. */
  save(record: JobRecord, event: JobEvent): Promise<void>;
  publish(event: JobEvent): Promise<void>;
  /** Listens for events of one job; returns the function that stops listening. */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void;
  /**
   * True when the job's end, whenever it comes, is sure to reach a listener subscribed now (this
   * process created it and has not seen it end): a watch then needs no first read.
   */
  endIsAhead?(id: string): boolean;
}

export interface HopAttempt {
  /** 1 for the first try. */
  number: number;
  max: number;
}

export interface HopRun {
  attempt: HopAttempt;
  /** Aborted when the worker is shutting down and the grace period ran out. */
  signal: AbortSignal;
}

/** Runs one hop; throws RetryableHopError to be tried again, FinalHopError once the failure is recorded. */
export type HopHandler = (hop: HopJob, run: HopRun) => Promise<void>;

/** How much of one adapter's queue a worker process takes on. */
export interface QueueLimits {
  /** Hops run at once. */
  concurrency: number;
  /** At most `max` hops started per `durationMs`, per process. */
  rateLimit?: { max: number; durationMs: number };
}

/**
 * One queue per adapter and lane (jobs/work-lanes.ts), consumed by the workers this process runs.
 * The lanes' workers of one adapter each take `concurrency` hops at once, and share its
 * `rateLimit`: one window for both lanes.
 */
export interface HopQueue {
  /** Queues the hop on its adapter's queue in its lane (`hop.lane`). */
  add(hop: HopJob, options: { priority: number }): Promise<void>;
  /** Starts consuming one adapter's queue in `lane` (by default the interactive one). */
  work(adapterId: string, limits: QueueLimits, handler: HopHandler, lane?: WorkLane): Promise<void>;
  /** Stops consuming one adapter's queue in `lane`, letting its running hops finish. */
  stop(adapterId: string, lane?: WorkLane): Promise<void>;
  /** Stops taking jobs and lets active ones finish (or hands them back) within the grace period. */
  close(graceMs: number): Promise<void>;
}

/** Fixed-window counters shared by every process on the same queue (per-key rate limits). */
export interface RateCounter {
  /** Counts one hit on `key`; the window starts with its first hit and lasts `windowMs`. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>;
}

/** The hop failed in a way that may pass on another try. */
export class RetryableHopError extends Error {
  override readonly name = 'RetryableHopError';

  constructor(
    message: string,
    options: { cause?: unknown },
    /** The upstream asked to wait this long (`Retry-After`). */
    readonly retryAfterMs?: number,
  ) {
    super(message, options);
  }
}

/** The hop failed for good and the job record already says so. */
export class FinalHopError extends Error {
  override readonly name = 'FinalHopError';
}
