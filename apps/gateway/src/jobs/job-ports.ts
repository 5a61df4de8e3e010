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
   * sent together. With `leaseMs` (a job whose first hop runs in the direct lane), the job also
   * takes a lease for that long in the same step (DirectLeaseStore).
   */
  create(record: JobRecord, leaseMs?: number): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  /** Records that a worker started the job (attempt `attempt`) and announces it, without a rewrite. */
  markActive(id: string, attempt: number): Promise<void>;
  /**
   * Saves the record and announces the change in one step; a terminal event's save also drops
   * the job's direct-lane lease.
   */
  save(record: JobRecord, event: JobEvent): Promise<void>;
  publish(event: JobEvent): Promise<void>;
  /** Listens for events of one job; returns the function that stops listening. */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void;
  /**
   * True when the job's end, whenever it comes, is sure to reach a listener subscribed now (this
   * process created it and has not seen it end): a watch then needs no first read.
   */
  endIsAhead?(id: string): boolean;
  /**
   * Up to `count` entries of the list of recent jobs (those created within the records' TTL,
   * newest first) that come after `after` (from the newest without it), in a few round trips
   * whatever the list's length; undefined when `after` names a job that is not in the list. An
   * entry whose record is gone comes without it, and leaves the list. `create` enters a job in
   * the list in the same step as its record.
   */
  recent(count: number, after?: JobListStart): Promise<RecentJobs | undefined>;
}

/**
 * Where a job stands in the list of recent jobs: when it was created, in microseconds on the
 * store's clock, made unique (one more than the job before when they tie), so that it alone
 * says where a page starts.
 */
export type JobListPosition = number;

/** Where a page of the list starts: after a position, or after a job (by id). */
export type JobListStart = { at: JobListPosition } | { id: string };

/** A stretch of the list of recent jobs, newest first. */
export interface RecentJobs {
  /** `record` is absent for a job whose record is gone (it expired): it also leaves the list. */
  entries: { at: JobListPosition; id: string; record?: JobRecord }[];
  /** More entries follow the last one. */
  more: boolean;
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

/** At most `max` hops of one adapter started per `durationMs` (a fixed window from its first start). */
export interface RateLimit {
  max: number;
  durationMs: number;
}

/** How much of one adapter's queue a worker process takes on. */
export interface QueueLimits {
  /** Hops this process runs at once. */
  concurrency: number;
  /**
   * Hops started per window by every process serving the queue together: BullMQ counts them
   * in Redis, once per queue (the in-process queue has one process).
   */
  rateLimit?: RateLimit;
}

/** One queue: an adapter's, in one lane (jobs/work-lanes.ts). */
export interface QueueRef {
  adapter: string;
  lane: WorkLane;
}

/** The hops one queue holds now, by state (metrics). */
export interface QueueCounts extends QueueRef {
  /** Waiting for a worker (BullMQ's `waiting` and `prioritized`). */
  waiting: number;
  /** Being run by a worker. */
  active: number;
  /** Waiting for a retry's backoff. */
  delayed: number;
  /** Failed for good and still kept (BullMQ keeps them a day); always 0 in-process. */
  failed: number;
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
  /**
   * Counts one hop of `adapterId` started outside the queue (the direct lane) against the rate
   * limit the queue's workers keep, when the window has room: true if counted (the hop may
   * start), false if the window is full (the hop takes the queue, which waits for the next).
   * Direct and queued hops of the adapter, in both lanes, then share one count, in every
   * process. Without it, hops of rate-limited adapters always take the queue.
   */
  admit?(adapterId: string, limit: RateLimit): Promise<boolean>;
  /**
   * What each of `queues` holds now, in their order, read afresh (the caller caches): one
   * round trip for them all. Without it, no queue gauges.
   */
  counts?(queues: readonly QueueRef[]): Promise<QueueCounts[]>;
  /** Stops consuming one adapter's queue in `lane`, letting its running hops finish. */
  stop(adapterId: string, lane?: WorkLane): Promise<void>;
  /** Stops taking jobs and lets active ones finish (or hands them back) within the grace period. */
  close(graceMs: number): Promise<void>;
}

/**
 * Leases of the jobs whose hops run in the direct lane, so that a job whose process dies
 * mid-call does not stay `active`: a lease is taken with the job's record (`JobStore.create`),
 * renewed by its process while the job runs there, and dropped when the job ends (the save that
 * ends it) or its hops take the queue (whose workers' stalled-job checks then cover it). Times
 * are the store's own clock, the same for every process. One process needs none: the in-process
 * driver has no such store.
 */
export interface DirectLeaseStore {
  /** Extends the leases of `ids` to `leaseMs` from now; a lease dropped meanwhile is not taken again. */
  renew(ids: readonly string[], leaseMs: number): Promise<void>;
  /** Drops the lease of job `id` (its hops took the queue). */
  drop(id: string): Promise<void>;
  /**
   * The jobs whose lease has run out, at most `limit`, when this process is the one to sweep
   * now: one process among all in every `everyMs`; the others get none.
   */
  expired(everyMs: number, limit: number): Promise<string[]>;
  /**
   * Drops the lease of job `id` if it has still run out (not renewed or dropped since), and in
   * the same step saves and announces `failed`, its record (as `JobStore.save` with a terminal
   * event); without `failed` (the job ended or expired) only the lease goes. True if it did.
   */
  expire(id: string, failed?: JobRecord): Promise<boolean>;
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
