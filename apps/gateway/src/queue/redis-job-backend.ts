import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisJobBlobTier } from '../blobs/job-blob-tier';
import type { AppConfig } from '../config/app-config';
import { BullMqHopQueue } from './bullmq-hop-queue';
import { coalesceWrites } from './coalesced-writes';
import { RedisClusterBus } from './cluster-bus';
import type { JobBackend, RateCounter } from './job-backend';
import { RedisJobStore } from './redis-job-store';

/** Fixed windows in Redis: INCR, PEXPIRE NX (the first hit starts the window) and PTTL in one MULTI. */
class RedisRateCounter implements RateCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    const k = `${this.prefix}:ratelimit:${key}`;
    const replies = await this.redis.multi().incr(k).pexpire(k, windowMs, 'NX').pttl(k).exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw new Error('rate counter: MULTI failed', { cause: failed?.[0] });
    const count = Number(replies[0]?.[1]);
    const pttl = Number(replies[2]?.[1]);
    return { count, resetInMs: pttl > 0 ? pttl : windowMs };
  }
}

/** The production driver: records and events in Redis, hops on BullMQ. */
export class RedisJobBackend implements JobBackend {
  readonly kind = 'bullmq' as const;
  readonly blobTier: RedisJobBlobTier;
  readonly bus: RedisClusterBus;
  readonly counter: RedisRateCounter;

  private constructor(
    /** The store connection, for other small state kept in Redis (adapter registrations). */
    readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly bullConnection: Redis,
    readonly store: RedisJobStore,
    readonly hops: BullMqHopQueue,
    config: AppConfig['queue'],
    logger: Logger,
  ) {
    this.blobTier = new RedisJobBlobTier(bullConnection, config.prefix, config.jobTtlS);
    this.bus = new RedisClusterBus(redis, subscriber, config.prefix, logger);
    this.counter = new RedisRateCounter(redis, config.prefix);
  }

  static async connect(
    config: AppConfig['queue'] & { connectTimeoutMs?: number },
    logger: Logger,
  ): Promise<RedisJobBackend> {
    const redis = new Redis(config.redisUrl, {
      maxRetriesPerRequest: null,
      lazyConnect: true,
      connectTimeout: config.connectTimeoutMs ?? 10_000,
      // Commands issued in the same tick by concurrent requests share one round trip.
      enableAutoPipelining: true,
    });
    try {
      // Fail fast at start-up; once connected, ioredis reconnects on its own.
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw err;
    }
    redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
    coalesceWrites(redis);
    const subscriber = redis.duplicate();
    subscriber.on('error', (err) => logger.warn({ err }, 'redis subscriber error'));
    // The queue's connection, without auto-pipelining (BullMQ does not support it). The job
    // store (and the job blob tier) use it too, with scripts rather than MULTIs (a MULTI would
    // copy every BullMQ script defined on it): a new record goes out ahead of its first hop
    // (JobStore.create), and a turn's commands of a job's store, blobs and queue share one
    // socket write. It is open before the first request.
    const bullConnection = redis.duplicate({ enableAutoPipelining: false });
    bullConnection.on('error', (err) => logger.warn({ err }, 'redis (bullmq) connection error'));
    coalesceWrites(bullConnection);
    const store = new RedisJobStore(bullConnection, subscriber, config.prefix, config.jobTtlS, logger);
    try {
      await bullConnection.connect();
      await store.start();
    } catch (err) {
      for (const connection of [redis, subscriber, bullConnection]) connection.disconnect();
      throw err;
    }
    const hops = new BullMqHopQueue(bullConnection, config.prefix, config, logger);
    return new RedisJobBackend(redis, subscriber, bullConnection, store, hops, config, logger);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(graceMs: number): Promise<void> {
    await this.hops.close(graceMs);
    this.subscriber.disconnect();
    await Promise.all([this.bullConnection.quit(), this.redis.quit()]);
  }
}
