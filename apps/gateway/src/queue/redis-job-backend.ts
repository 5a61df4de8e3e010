import type { RedisClient } from './redis-connections';
import type { Logger } from 'pino';
import { RedisJobBlobTier } from '../blobs/job-blob-tier';
import type { AppConfig } from '../config/app-config';
import { BullMqHopQueue } from './bullmq-hop-queue';
import { coalesceWrites } from './coalesced-writes';
import { RedisClusterBus } from './cluster-bus';
import type { JobBackend, SharedState } from './job-backend';
import type { RateCounter } from '../jobs/job-ports';
import { FailFastConnections, waitingRedis, type RedisTarget } from './redis-connections';
import { RedisDirectLeaseStore } from './redis-direct-leases';
import { RedisJobStore } from './redis-job-store';

/** Fixed windows in Redis: INCR, PEXPIRE NX (the first hit starts the window) and PTTL in one MULTI. */
class RedisRateCounter implements RateCounter {
  constructor(
    private readonly redis: RedisClient,
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

/**
 * The production driver: records and events in Redis, hops on BullMQ. What requests await runs on
 * connections that fail fast when Redis is away (`store`, `hops`, `blobTier`, `bus`, `counter`,
 * `redis`); workers and what records their hops' outcomes (`forWorkers`) wait for it instead.
 */
export class RedisJobBackend implements JobBackend {
  readonly kind = 'bullmq' as const;
  readonly blobTier: RedisJobBlobTier;
  readonly bus: RedisClusterBus;
  readonly counter: RedisRateCounter;
  readonly forWorkers: JobBackend['forWorkers'];
  readonly state: SharedState;

  private constructor(
    private readonly redis: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly bullConnection: RedisClient,
    private readonly workerConnection: RedisClient,
    readonly store: RedisJobStore,
    workerStore: RedisJobStore,
    readonly hops: BullMqHopQueue,
    private readonly config: AppConfig['queue'],
    private readonly logger: Logger,
  ) {
    this.blobTier = new RedisJobBlobTier(bullConnection, config.prefix, config.jobTtlS);
    this.bus = new RedisClusterBus(redis, subscriber, config.prefix, logger);
    this.counter = new RedisRateCounter(redis, config.prefix);
    this.state = { kind: 'redis', redis, prefix: config.prefix, waitingConnection: () => this.workerRedis() };
    this.forWorkers = {
      store: workerStore,
      hops: new BullMqHopQueue(workerConnection, workerConnection, config.prefix, config, logger),
      blobTier: new RedisJobBlobTier(workerConnection, config.prefix, config.jobTtlS),
      leases: new RedisDirectLeaseStore(workerConnection, config.prefix, config.jobTtlS),
    };
  }

  static async connect(
    config: AppConfig['queue'] & { connectTimeoutMs?: number },
    logger: Logger,
  ): Promise<RedisJobBackend> {
    const options = { lazyConnect: true, connectTimeout: config.connectTimeoutMs ?? 10_000 };
    const target = redisTarget(config);
    const requests = new FailFastConnections(target, config.commandTimeoutMs);
    const redis = requests.open({
      ...options,
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
    const subscriber = waitingRedis(target, options);
    subscriber.on('error', (err) => logger.warn({ err }, 'redis subscriber error'));
    // The queue's connections, without auto-pipelining (BullMQ does not support it): one for
    // requests, one for workers. The job store (and the job blob tier) use them too, with
    // scripts rather than MULTIs (a MULTI would copy every BullMQ script defined on it): a new
    // record goes out ahead of its first hop (JobStore.create), and a turn's commands of a job's
    // store, blobs and queue share one socket write. They are open before the first request.
    const bullConnection = requests.open(options);
    bullConnection.on('error', (err) => logger.warn({ err }, 'redis (bullmq) connection error'));
    coalesceWrites(bullConnection);
    const workerConnection = waitingRedis(target, options);
    workerConnection.on('error', (err) => logger.warn({ err }, 'redis (workers) connection error'));
    coalesceWrites(workerConnection);
    const store = new RedisJobStore(bullConnection, subscriber, config.prefix, config.jobTtlS, logger);
    const workerStore = store.on(workerConnection);
    try {
      await Promise.all([bullConnection.connect(), workerConnection.connect()]);
      // Started on the side that waits: the jobs waited on are read once the subscription is
      // back after an outage, when the fast side may not be yet.
      await workerStore.start();
    } catch (err) {
      for (const connection of [redis, subscriber, bullConnection, workerConnection]) connection.disconnect();
      throw err;
    }
    const hops = new BullMqHopQueue(bullConnection, workerConnection, config.prefix, config, logger);
    return new RedisJobBackend(
      redis,
      subscriber,
      bullConnection,
      workerConnection,
      store,
      workerStore,
      hops,
      config,
      logger,
    );
  }

  /** A new connection for a queue of work that outlives requests (webhook deliveries). */
  private workerRedis(): RedisClient {
    const connection = waitingRedis(redisTarget(this.config), { lazyConnect: true });
    connection.on('error', (err) => this.logger.warn({ err }, 'redis (workers) connection error'));
    return connection;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(graceMs: number): Promise<void> {
    await Promise.all([this.hops.close(graceMs), this.forWorkers.hops.close(graceMs)]);
    this.subscriber.disconnect();
    await Promise.all([this.bullConnection.quit(), this.workerConnection.quit(), this.redis.quit()]);
  }
}

function redisTarget(config: AppConfig['queue']): RedisTarget {
  return { url: config.redisUrl, topology: config.redisTopology };
}
