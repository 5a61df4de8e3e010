import { isTerminalStatus } from '@omnigate/contracts';
import type { Logger } from 'pino';
import type { JobEndings } from './job-endings';
import type { DirectLeaseStore, JobStore } from './job-ports';
import type { JobRecord } from './job-record';

/** Expired leases one sweep looks at; more wait for the next sweep. */
const SWEEP_BATCH = 100;

/** What a job whose process died in the direct lane says, as its error. */
export const LOST_MESSAGE =
  'the process running this job in the direct lane stopped before the job ended (its lease expired)';

export interface LeaseTiming {
  /** How long a lease lasts unless renewed (QUEUE_LOCK_MS); renewed every half of it. */
  ttlMs: number;
  /** How often one of all the processes sweeps the leases that ran out (QUEUE_STALLED_INTERVAL_MS). */
  sweepEveryMs: number;
}

/** The job as failed by a sweep: its process stopped while it ran in the direct lane. */
export function lostJob(record: JobRecord, now: number): JobRecord {
  return {
    ...record,
    status: 'failed',
    error: { code: 'unavailable', message: LOST_MESSAGE, details: { reason: 'worker_lost' } },
    timings: { ...record.timings, totalMs: now - Date.parse(record.createdAt) },
    finishedAt: new Date(now).toISOString(),
  };
}

/**
 * The direct lane's leases as one process keeps them. A job whose first hop runs here is created
 * with a lease (JobStore.create); while any hop of it runs here (`hold` to `release`, retries'
 * waits included) this process renews it, every `ttlMs / 2`, all its jobs in one command. The
 * save that ends the job drops it, and so does a hop leaving for the queue (`handOff`): the
 * queue's stalled-job checks cover it from there. Every process also sweeps, at most one of them
 * per `sweepEveryMs`: a job whose lease ran out while its record is not terminal lost its process
 * mid-call, and is failed (`unavailable`, reason `worker_lost`), announced like any end, so
 * waiters, event streams and "job ended" listeners see it. A lease that lapses in a process that
 * is alive (its event loop blocked for longer than `ttlMs`) is skipped by its own sweeps, not by
 * the others'.
 */
export class DirectLeases {
  /** Jobs with hops in this process's direct lane, and how many (a next hop starts before the last ends). */
  private readonly held = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private renewing = false;
  private sweeping = false;

  constructor(
    private readonly leases: DirectLeaseStore,
    private readonly store: JobStore,
    private readonly endings: JobEndings,
    private readonly timing: LeaseTiming,
    private readonly logger: Logger,
  ) {}

  /** How long the lease a job is created with lasts. */
  get ttlMs(): number {
    return this.timing.ttlMs;
  }

  /** Starts renewing and sweeping (timers that do not hold the process open). */
  start(): void {
    this.timers.push(
      setInterval(() => void this.renew(), this.timing.ttlMs / 2).unref(),
      setInterval(() => void this.sweep(), this.timing.sweepEveryMs).unref(),
    );
  }

  /** Stops renewing and sweeping: what is still held runs out, and another process sweeps it. */
  close(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  /** A hop of `jobId` started here: its lease is renewed until `release`. */
  hold(jobId: string): void {
    this.held.set(jobId, (this.held.get(jobId) ?? 0) + 1);
  }

  /** A hop of `jobId` that `hold` announced is over here. */
  release(jobId: string): void {
    const left = (this.held.get(jobId) ?? 1) - 1;
    if (left > 0) this.held.set(jobId, left);
    else this.held.delete(jobId);
  }

  /** The job's next hop took the queue: the lease goes (its hop is the queue's to recover now). */
  handOff(jobId: string): void {
    this.held.delete(jobId);
    this.leases
      .drop(jobId)
      .catch((err: unknown) => this.logger.warn({ err, jobId }, 'could not drop a direct-lane lease'));
  }

  /** Extends the leases of every job held here, in one command. */
  async renew(): Promise<void> {
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    try {
      await this.leases.renew([...this.held.keys()], this.timing.ttlMs);
    } catch (err) {
      this.logger.warn({ err, jobs: this.held.size }, 'could not renew the direct lane’s leases');
    } finally {
      this.renewing = false;
    }
  }

  /**
   * Fails the jobs whose lease ran out, when this process is the one to sweep now; returns
   * them. A job that ended meanwhile only loses its lease.
   */
  async sweep(): Promise<JobRecord[]> {
    if (this.sweeping) return [];
    this.sweeping = true;
    const failed: JobRecord[] = [];
    try {
      const ids = await this.leases.expired(this.timing.sweepEveryMs, SWEEP_BATCH);
      let late = false;
      for (const id of ids) {
        if (this.held.has(id)) {
          late = true;
          continue;
        }
        const record = await this.store.get(id);
        if (!record || isTerminalStatus(record.status)) {
          await this.leases.expire(id);
          continue;
        }
        const lost = lostJob(record, Date.now());
        // Not if the lease was renewed or the job ended since it was read.
        if (!(await this.leases.expire(id, lost))) continue;
        this.logger.warn(
          { jobId: id, attempts: record.attempts },
          'direct-lane job lost its process: failed',
        );
        await this.endings.ended(lost, { dispatch: 'direct' });
        failed.push(lost);
      }
      // This process's own lease ran out: its renewal came late (a blocked event loop).
      if (late) await this.renew();
    } catch (err) {
      this.logger.warn({ err }, 'could not sweep the direct lane’s leases');
    } finally {
      this.sweeping = false;
    }
    return failed;
  }
}
