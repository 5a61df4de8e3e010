import { Queue, QueueKeys, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  FinalHopError,
  RetryableHopError,
  type HopHandler,
  type HopQueue,
  type QueueLimits,
  type RateLimit,
} from '../jobs/job-ports';
import type { HopJob } from '../jobs/job-record';
import { retryDelayMs, type RetryPolicy } from '../jobs/retry-policy';

/** The backoff type of hop jobs: the workers' `backoffStrategy` computes it (jitter, Retry-After). */
const BACKOFF_TYPE = 'omnigate';

/**
 * One start counted on a queue's rate limiter as BullMQ's workers count theirs (moveToActive,
 * prepareJobForProcessing): refused while the window is full, else INCR, the first hit starting
 * the window (PEXPIRE); a count left without an expiry gets one rather than limiting for ever.
 */
const ADMIT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) and redis.call('PTTL', KEYS[1]) > 0 then return 0 end
if redis.call('INCR', KEYS[1]) == 1 or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`;

interface AdmitCommand {
  omnigateAdmit(limiterKey: string, max: number, durationMs: number): Promise<number>;
}

/** One BullMQ queue per adapter; the queue name is the adapter id. */
export class BullMqHopQueue implements HopQueue {
  private readonly queues = new Map<string, Queue<HopJob>>();
  private readonly workers = new Map<string, Worker<HopJob>>();
  private readonly keys: QueueKeys;
  private readonly scripts: Redis & AdmitCommand;

  constructor(
    /** Where hops are added: a connection that fails fast for requests, one that waits for workers. */
    private readonly producer: Redis,
    /** What the workers' own connections are made from: one that waits for Redis (BullMQ requires it). */
    private readonly consumer: Redis,
    private readonly prefix: string,
    private readonly retry: RetryPolicy & { lockMs: number; stalledIntervalMs: number },
    private readonly logger: Logger,
  ) {
    this.keys = new QueueKeys(prefix);
    if (!('omnigateAdmit' in producer)) {
      producer.defineCommand('omnigateAdmit', { numberOfKeys: 1, lua: ADMIT });
    }
    this.scripts = producer as Redis & AdmitCommand;
  }

  private queue(adapterId: string): Queue<HopJob> {
    let queue = this.queues.get(adapterId);
    if (!queue) {
      // Made while Redis may be away: its start-up fails rather than waits for Redis (on a
      // connection that fails fast), and a queue that failed to start is made again next time.
      const made = new Queue<HopJob>(adapterId, {
        connection: this.producer,
        prefix: this.prefix,
        skipWaitingForReady: true,
      });
      // Mostly the connection's errors, which its own listener logs already.
      made.on('error', (err) => this.logger.debug({ err, adapter: adapterId }, 'hop queue error'));
      made.waitUntilReady().catch(() => {
        if (this.queues.get(adapterId) === made) this.queues.delete(adapterId);
        void made.close().catch(() => {});
      });
      this.queues.set(adapterId, (queue = made));
    }
    return queue;
  }

  async add(hop: HopJob, options: { priority: number }): Promise<void> {
    await this.queue(hop.adapter).add('hop', hop, {
      jobId: `${hop.jobId}-${hop.generation}-${hop.hop}`,
      priority: options.priority,
      attempts: this.retry.attempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600 },
    });
  }

  /**
   * The count is the one the adapter's workers keep (`limiter` in `work`), under the queue's own
   * key, so it is shared with every worker of the queue, in any process.
   */
  async admit(adapterId: string, limit: RateLimit): Promise<boolean> {
    const key = this.keys.toKey(adapterId, 'limiter');
    return (await this.scripts.omnigateAdmit(key, limit.max, Math.floor(limit.durationMs))) === 1;
  }

  async work(adapterId: string, limits: QueueLimits, handler: HopHandler): Promise<void> {
    const worker = new Worker<HopJob>(
      adapterId,
      async (job: Job<HopJob>, _token?: string, signal?: AbortSignal) => {
        try {
          await handler(job.data, {
            attempt: { number: job.attemptsMade + 1, max: job.opts.attempts ?? 1 },
            signal: signal ?? new AbortController().signal,
          });
        } catch (err) {
          if (err instanceof RetryableHopError) throw err;
          if (err instanceof FinalHopError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        connection: this.consumer,
        prefix: this.prefix,
        concurrency: limits.concurrency,
        // A hop whose worker died is found by the other workers' stalled checks and run again.
        lockDuration: this.retry.lockMs,
        stalledInterval: this.retry.stalledIntervalMs,
        ...(limits.rateLimit
          ? { limiter: { max: limits.rateLimit.max, duration: limits.rateLimit.durationMs } }
          : {}),
        settings: {
          backoffStrategy: (attemptsMade, _type, err) =>
            retryDelayMs(
              this.retry,
              attemptsMade,
              err instanceof RetryableHopError ? err.retryAfterMs : undefined,
            ),
        },
      },
    );
    worker.on('error', (err) => this.logger.error({ err, adapter: adapterId }, 'worker error'));
    await worker.waitUntilReady();
    this.workers.set(adapterId, worker);
  }

  async stop(adapterId: string): Promise<void> {
    const worker = this.workers.get(adapterId);
    this.workers.delete(adapterId);
    await worker?.close();
  }

  async close(graceMs: number): Promise<void> {
    await Promise.all(
      [...this.workers.values()].map(async (worker) => {
        const timer = setTimeout(() => worker.cancelAllJobs('worker shutting down'), graceMs);
        try {
          await worker.close();
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
