import { setTimeout as delay } from 'node:timers/promises';
import { Queue, QueueKeys, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisClient } from './redis-connections';
import { slotTag } from './slot-tag';
import type { Logger } from 'pino';
import {
  FinalHopError,
  RetryableHopError,
  type HopHandler,
  type HopQueue,
  type QueueCounts,
  type QueueLimits,
  type QueueRef,
  type RateLimit,
} from '../jobs/job-ports';
import type { HopJob } from '../jobs/job-record';
import { retryDelayMs, type RetryPolicy } from '../jobs/retry-policy';
import { hopQueueName, laneOf, type WorkLane } from '../jobs/work-lanes';

/** The replies `counts` reads per queue: wait, prioritized, active, delayed, failed. */
const COUNTS_PER_QUEUE = 5;

/** The backoff type of hop jobs: the workers' `backoffStrategy` computes it (jitter, Retry-After). */
const BACKOFF_TYPE = 'omnigate';

/**
 * Takes one hop of the window an adapter's rate limit allows, counted on the key BullMQ's own
 * limiter counts the adapter's interactive queue on, as its workers count theirs (moveToActive,
 * prepareJobForProcessing: the first hit starts the window with `PEXPIRE`, the count refuses
 * while it is full): 0 when taken, else how long (ms) until the window ends. A count left
 * without an expiry gets one rather than limiting for ever.
 */
const TAKE_FROM_WINDOW = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then return ttl end
  redis.call('DEL', KEYS[1])
end
if redis.call('INCR', KEYS[1]) == 1 or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

interface WindowCommand {
  omnigateTakeFromWindow(limiterKey: string, max: number, durationMs: number): Promise<number>;
}

/**
 * The BullMQ prefix of hop queue `name`: a hash tag of its own (`{<prefix>:hop:<name>}`), so that
 * each queue's keys, which BullMQ's scripts use together, share a Redis Cluster slot, and
 * different queues spread over the cluster's nodes.
 */
export function hopQueuePrefix(prefix: string, name: string): string {
  return slotTag(prefix, `hop:${name}`);
}

/** The key of BullMQ's `type` (`wait`, `limiter` ...) of hop queue `name`. */
export function hopQueueKey(prefix: string, name: string, type: string): string {
  return new QueueKeys(hopQueuePrefix(prefix, name)).toKey(name, type);
}

/** The connection with the window's script defined on it (once per connection). */
function withWindow(redis: RedisClient): RedisClient & WindowCommand {
  if (!('omnigateTakeFromWindow' in redis)) {
    redis.defineCommand('omnigateTakeFromWindow', { numberOfKeys: 1, lua: TAKE_FROM_WINDOW });
  }
  return redis as RedisClient & WindowCommand;
}

/**
 * One BullMQ queue per adapter and lane (jobs/work-lanes.ts): the adapter id for the interactive
 * lane, `<id>@batch` for the batch lane.
 */
export class BullMqHopQueue implements HopQueue {
  /** By queue name. */
  private readonly queues = new Map<string, Queue<HopJob>>();
  /** By queue name. */
  private readonly workers = new Map<string, Worker<HopJob>>();

  constructor(
    /** Where hops are added: a connection that fails fast for requests, one that waits for workers. */
    private readonly producer: RedisClient,
    /** What the workers' own connections are made from: one that waits for Redis (BullMQ requires it). */
    private readonly consumer: RedisClient,
    private readonly prefix: string,
    private readonly retry: RetryPolicy & { lockMs: number; stalledIntervalMs: number },
    private readonly logger: Logger,
  ) {}

  private queue(name: string): Queue<HopJob> {
    let queue = this.queues.get(name);
    if (!queue) {
      // Made while Redis may be away: its start-up fails rather than waits for Redis (on a
      // connection that fails fast), and a queue that failed to start is made again next time.
      const made = new Queue<HopJob>(name, {
        connection: this.producer,
        prefix: hopQueuePrefix(this.prefix, name),
        skipWaitingForReady: true,
      });
      // Mostly the connection's errors, which its own listener logs already.
      made.on('error', (err) => this.logger.debug({ err, queue: name }, 'hop queue error'));
      made.waitUntilReady().catch(() => {
        if (this.queues.get(name) === made) this.queues.delete(name);
        void made.close().catch(() => {});
      });
      this.queues.set(name, (queue = made));
    }
    return queue;
  }

  /**
   * The queue of an adapter's hops in `lane`, the very one hops are added to (on the connection
   * that fails fast, closed with the others): what the queue dashboard shows.
   */
  queueOf(adapterId: string, lane: WorkLane): Queue<HopJob> {
    return this.queue(hopQueueName(adapterId, lane));
  }

  async add(hop: HopJob, options: { priority: number }): Promise<void> {
    await this.queue(hopQueueName(hop.adapter, laneOf(hop))).add('hop', hop, {
      jobId: `${hop.jobId}-${hop.generation}-${hop.hop}`,
      priority: options.priority,
      attempts: this.retry.attempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600 },
    });
  }

  /**
   * The window is the one the adapter's workers keep (`limiter` in `work`), under its
   * interactive queue's own key, so it is shared with every worker of the adapter, in any
   * process and lane.
   */
  async admit(adapterId: string, limit: RateLimit): Promise<boolean> {
    return (await this.takeFromWindow(this.producer, adapterId, limit)) === 0;
  }

  /** One turn from the adapter's window: 0 when taken, else how long (ms) until the window ends. */
  private async takeFromWindow(redis: RedisClient, adapterId: string, limit: RateLimit): Promise<number> {
    const key = hopQueueKey(this.prefix, hopQueueName(adapterId, 'interactive'), 'limiter');
    return withWindow(redis).omnigateTakeFromWindow(key, limit.max, Math.floor(limit.durationMs));
  }

  async work(
    adapterId: string,
    limits: QueueLimits,
    handler: HopHandler,
    lane: WorkLane = 'interactive',
  ): Promise<void> {
    const name = hopQueueName(adapterId, lane);
    // BullMQ's limiter counts one queue: the interactive one has it, the batch lane's hops take
    // their turns from the same window (sharedWindow) so that both lanes together keep to it.
    const limiter = lane === 'interactive' ? limits.rateLimit : undefined;
    const shared = lane === 'interactive' ? undefined : limits.rateLimit;
    const worker = new Worker<HopJob>(
      name,
      async (job: Job<HopJob>, _token?: string, signal?: AbortSignal) => {
        const aborted = signal ?? new AbortController().signal;
        try {
          if (shared) await this.sharedWindow(adapterId, shared, aborted);
          await handler(job.data, {
            attempt: { number: job.attemptsMade + 1, max: job.opts.attempts ?? 1 },
            signal: aborted,
          });
        } catch (err) {
          if (err instanceof RetryableHopError) throw err;
          if (err instanceof FinalHopError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        connection: this.consumer,
        prefix: hopQueuePrefix(this.prefix, name),
        concurrency: limits.concurrency,
        // A hop whose worker died is found by the other workers' stalled checks and run again.
        lockDuration: this.retry.lockMs,
        stalledInterval: this.retry.stalledIntervalMs,
        ...(limiter ? { limiter: { max: limiter.max, duration: limiter.durationMs } } : {}),
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
    worker.on('error', (err) => this.logger.error({ err, adapter: adapterId, lane }, 'worker error'));
    await worker.waitUntilReady();
    this.workers.set(name, worker);
  }

  /**
   * Waits for a turn in the window of the adapter's rate limit that its interactive queue's
   * limiter counts (in whichever process works it). Aborted (shutdown): the hop is handed back.
   */
  private async sharedWindow(adapterId: string, limit: RateLimit, signal: AbortSignal): Promise<void> {
    for (;;) {
      const waitMs = await this.takeFromWindow(this.consumer, adapterId, limit);
      if (waitMs <= 0) return;
      try {
        await delay(waitMs, undefined, { signal });
      } catch (err) {
        throw new RetryableHopError('the worker stopped while the hop waited for its rate limit', {
          cause: err,
        });
      }
    }
  }

  /**
   * Every queue's counts, a pipeline per queue sent together (one round trip; no Queue object
   * made to read them; one pipeline per queue because a Redis Cluster runs a pipeline on one
   * node and each queue has a slot of its own): the keys BullMQ's getJobCounts reads for these
   * states, as its getCounts script does (LLEN of the `wait` and `active` lists, ZCARD of the
   * `prioritized`, `delayed` and `failed` sorted sets). Waiting is `wait` and `prioritized` (a
   * hop with a priority waits in the latter). A paused queue keeps its jobs in `wait` (BullMQ
   * 5+); `waiting-children` is never read: hops have no children. What the script does besides,
   * skip a marker that BullMQ before 5 left at the end of `wait`, has nothing to skip in the
   * lists BullMQ 6 makes.
   */
  async counts(queues: readonly QueueRef[]): Promise<QueueCounts[]> {
    return Promise.all(
      queues.map(async ({ adapter, lane }) => {
        const name = hopQueueName(adapter, lane);
        const key = (type: string) => hopQueueKey(this.prefix, name, type);
        const replies =
          (await this.producer
            .pipeline()
            .llen(key('wait'))
            .zcard(key('prioritized'))
            .llen(key('active'))
            .zcard(key('delayed'))
            .zcard(key('failed'))
            .exec()) ?? [];
        const failed = replies.find(([err]) => err);
        if (failed || replies.length !== COUNTS_PER_QUEUE) {
          throw new Error(`could not read hop queue ${name}'s counts`, { cause: failed?.[0] });
        }
        const count = (i: number) => Number(replies[i]![1]);
        return {
          adapter,
          lane,
          waiting: count(0) + count(1),
          active: count(2),
          delayed: count(3),
          failed: count(4),
        };
      }),
    );
  }

  async stop(adapterId: string, lane: WorkLane = 'interactive'): Promise<void> {
    const name = hopQueueName(adapterId, lane);
    const worker = this.workers.get(name);
    this.workers.delete(name);
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
