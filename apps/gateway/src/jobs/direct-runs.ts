import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { extended } from '../common/extended';
import { sharedAbortController } from '../common/shared-abort';
import type { DirectLane, Release, Slot } from './direct-lane';
import type { DirectLeases } from './direct-leases';
import { FinalHopError, RetryableHopError, type HopQueue, type HopRun } from './job-ports';
import type { HopJob, JobRecord } from './job-record';
import { retryDelayMs, type RetryPolicy } from './retry-policy';

/** What the direct lane runs with: its slots, the retries of its hops, the leases of its jobs (shared queues only). */
export interface DirectLaneSettings {
  slots: DirectLane;
  retry: RetryPolicy;
  leases?: DirectLeases;
}

/** Runs one try of a hop (HopRunner's): `known` is the record as its caller just saved it. */
export type HopExecution = (hop: HopJob, run: HopRun, known?: JobRecord) => Promise<void>;

/**
 * The direct lane as one process runs it (DISPATCH=auto): the hops of sync jobs it starts itself
 * in a free slot instead of queueing them, retried here as their queue would, their jobs' leases
 * held meanwhile, and the grace of a shutdown. Without a lane (`lane` undefined) every hop takes
 * the queue. HopRunner runs each try (`execute`) and hands it the job's next hops (`dispatch`).
 */
export class DirectRuns {
  constructor(
    private readonly lane: DirectLaneSettings | undefined,
    private readonly hops: HopQueue,
    private readonly execute: HopExecution,
    private readonly logger: Logger,
  ) {}

  /** The hops this process runs in the direct lane, until they end. */
  private readonly running = new Set<Promise<void>>();
  /** Direct-lane jobs whose record (and carried inputs) are still being written, by id. */
  private readonly saving = new Map<string, Promise<unknown>>();
  /** Aborted when the grace period of a shutdown runs out: every hop of the direct lane follows it. */
  private readonly shutdown = sharedAbortController();
  /** Set when the shutdown starts: no new hop starts in the direct lane. */
  private closing = false;

  /**
   * A slot of the direct lane for a hop of `adapterId`: at once, or for an adapter with a
   * `rateLimit` once its count, shared by every process, has answered; undefined (without a
   * lane too) when the hop must take the queue.
   */
  reserve(adapterId: string): Slot {
    // Shutting down: what would start here goes to the queue, for another process to run.
    if (this.closing) return undefined;
    return this.lane?.slots.acquire(adapterId);
  }

  /** How long the lease lasts that a job whose first hop runs here is created with, if leases are kept. */
  get leaseMs(): number | undefined {
    return this.lane?.leases?.ttlMs;
  }

  /**
   * Keeps the lease of job `jobId` (created with `leaseMs`) renewed until the returned function is
   * called: for a job this process runs without hops of its own (the LLM planner's, whose tasks
   * are jobs of their own), so that it is failed, not left `active`, should this process die.
   */
  holdLease(jobId: string): () => void {
    const leases = this.lane?.leases;
    if (!leases) return () => {};
    leases.hold(jobId);
    return () => leases.release(jobId);
  }

  /**
   * Runs the first hop of a sync job in this process, without the queue, in a slot `reserve`
   * gave: its outcome reaches waiters as a queued hop's would. `saved`: the writes of the job's
   * record (with its lease, `leaseMs`) and of the inputs the hop carries, still under way.
   */
  startHere(hop: HopJob, record: JobRecord, release: Release, saved: Promise<unknown>): void {
    this.saving.set(record.id, saved);
    // Settled either way: a write that fails is the caller's to answer (503).
    void saved.then(
      () => this.saving.delete(record.id),
      () => this.saving.delete(record.id),
    );
    this.start(extended(hop, { direct: true }), release, record);
  }

  /**
   * Until its record and carried inputs are stored: nothing but the first hop's call may read
   * them (a retry reads the record; another hop, fallback or next, reads its inputs).
   */
  async stored(jobId: string): Promise<void> {
    await this.saving.get(jobId)?.catch(() => {});
  }

  /**
   * Waits for the direct lane's hops to end, at most `graceMs`, then aborts the rest; their
   * leases are renewed until then.
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    const timer = setTimeout(() => this.shutdown.abort(new Error('the process is shutting down')), graceMs);
    // A hop that ends may start the job's next one here, and a slot given before the close (a
    // rate limit's count answering) may still start one: wait for those too.
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    clearTimeout(timer);
    this.lane?.leases?.close();
  }

  /** Runs `hop` here if the direct lane has a slot for its adapter: true if it started. */
  private runHere(hop: HopJob): boolean | Promise<boolean> {
    const slot = this.reserve(hop.adapter);
    if (!(slot instanceof Promise)) return slot ? this.start(hop, slot) : false;
    return slot.then((release) => (release ? this.start(hop, release) : false));
  }

  /** Runs `hop` here, in the slot `release` gives back, with retries as its queue would. */
  private start(hop: HopJob, release: Release, known?: JobRecord): boolean {
    if (!this.lane) {
      release();
      return false;
    }
    const { retry, leases } = this.lane;
    leases?.hold(hop.jobId);
    const running = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const run = { attempt: { number: attempt, max: retry.attempts }, signal: this.shutdown.signal };
          // Only the first try knows the record as saved: a retry reads what the failure left.
          await this.execute(hop, run, attempt === 1 ? known : undefined);
          return;
        } catch (err) {
          if (err instanceof FinalHopError) return;
          // A retryable failure, or the store failing (Redis away): tried again, as the queue would.
          if (attempt >= retry.attempts || this.shutdown.signal.aborted) {
            this.logger.error(
              { err, jobId: hop.jobId },
              'a hop of the direct lane failed and was not recorded',
            );
            return;
          }
          const retryAfterMs = err instanceof RetryableHopError ? err.retryAfterMs : undefined;
          // A shutdown ends the wait early (the rejection is its abort): the next try sees it.
          await delay(retryDelayMs(retry, attempt, retryAfterMs), undefined, {
            signal: this.shutdown.signal,
          }).catch(() => undefined);
        }
      }
    })().finally(() => {
      release();
      leases?.release(hop.jobId);
      this.running.delete(running);
    });
    this.running.add(running);
    return true;
  }

  /** The next hop of a job: here when it is in the direct lane and a slot is free, else on its adapter's queue. */
  async dispatch(hop: HopJob, priority: number): Promise<void> {
    await this.stored(hop.jobId);
    if (hop.direct) {
      const here = this.runHere(hop);
      if (here === true || (here !== false && (await here))) return;
    }
    const { direct, ...queued } = hop;
    await this.hops.add(queued, { priority });
    // Queued, the hop is the queue's to recover should a worker die: the job's lease goes.
    if (direct) this.lane?.leases?.handOff(hop.jobId);
  }
}
