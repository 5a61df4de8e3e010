import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { BullMqHopQueue } from './bullmq-hop-queue';
import type { JobBackend } from './job-backend';
import { RedisJobStore } from './redis-job-store';

/** The production driver: records and events in Redis, hops on BullMQ. */
export class RedisJobBackend implements JobBackend {
  readonly kind = 'bullmq' as const;

  private constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    readonly store: RedisJobStore,
    readonly hops: BullMqHopQueue,
  ) {}

  static async connect(
    config: AppConfig['queue'] & { connectTimeoutMs?: number },
    logger: Logger,
  ): Promise<RedisJobBackend> {
    const redis = new Redis(config.redisUrl, {
      maxRetriesPerRequest: null,
      lazyConnect: true,
      connectTimeout: config.connectTimeoutMs ?? 10_000,
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
    const subscriber = redis.duplicate();
    subscriber.on('error', (err) => logger.warn({ err }, 'redis subscriber error'));
    const store = new RedisJobStore(redis, subscriber, config.prefix, config.jobTtlS, logger);
    await store.start();
    const hops = new BullMqHopQueue(redis, config.prefix, config, logger);
    return new RedisJobBackend(redis, subscriber, store, hops);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(graceMs: number): Promise<void> {
    await this.hops.close(graceMs);
    this.subscriber.disconnect();
    await this.redis.quit();
  }
}
