import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../../../test/redis-server';
import { BullMqHopQueue } from './bullmq-hop-queue';
import type { HopJob } from '../jobs/job-record';
import {
  FailFastConnections,
  RedisUnavailableError,
  waitingRedis,
  type RedisClient,
  type RedisTarget,
} from './redis-connections';

const TIMEOUT_MS = 500;
const single = (url: string): RedisTarget => ({ url, topology: { kind: 'single' } });
const logger = pino({ level: 'silent' });

/** The rejection of `promise` and how long it took to come. */
async function failure(promise: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const started = Date.now();
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, ms: Date.now() - started };
}

const hop = (adapter: string): HopJob =>
  ({
    jobId: randomUUID(),
    generation: 0,
    hop: 0,
    adapter,
    task: 'echo',
    inputs: [],
    output: {},
  }) as unknown as HopJob;

describe('connections to a Redis that goes away', () => {
  let redis: RedisServer;
  const opened: RedisClient[] = [];
  const open = <T extends RedisClient>(connection: T): T => {
    opened.push(connection);
    connection.on('error', () => {});
    return connection;
  };
  /** A fail-fast connection of `connections`, connected (before, its commands fail). */
  const connected = async (connections: FailFastConnections): Promise<RedisClient> => {
    const connection = open(connections.open({ lazyConnect: true }));
    await connection.connect();
    return connection;
  };
  beforeEach(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    for (const connection of opened.splice(0)) connection.disconnect();
    await redis.stop();
  });

  it('fail fast, as RedisUnavailableError, when Redis is gone; an error Redis answers stays itself', async () => {
    const connections = new FailFastConnections(single(redis.url), TIMEOUT_MS);
    const fast = await connected(connections);
    await fast.set('k', 'v');
    const { err: wrongType } = await failure(fast.hget('k', 'f'));
    expect(wrongType).not.toBeInstanceOf(RedisUnavailableError);
    expect(String(wrongType)).toMatch(/WRONGTYPE/);

    await redis.kill();
    const { err, ms } = await failure(fast.get('k'));
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect(ms).toBeLessThan(TIMEOUT_MS);
    // A MULTI too.
    expect((await failure(fast.multi().incr('n').exec())).err).toBeInstanceOf(RedisUnavailableError);
  });

  it('give up on a Redis that does not answer after the timeout, and the peers at once after that', async () => {
    const connections = new FailFastConnections(single(redis.url), TIMEOUT_MS);
    const [one, other] = await Promise.all([connected(connections), connected(connections)]);

    redis.pause();
    const first = await failure(one.get('k'));
    expect(first.err).toBeInstanceOf(RedisUnavailableError);
    expect(first.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(first.ms).toBeLessThan(TIMEOUT_MS + 1500);
    // The other connection is as stuck: it does not wait for its own timeout.
    const second = await failure(other.get('k'));
    expect(second.err).toBeInstanceOf(RedisUnavailableError);
    expect(second.ms).toBeLessThan(TIMEOUT_MS / 2);

    redis.resume();
    await expect
      .poll(
        () =>
          other.get('k').then(
            () => 'answered',
            () => 'failed',
          ),
        { timeout: 5000 },
      )
      .toBe('answered');
  });

  it('add hops to a queue first used during the outage at once, and again once Redis is back', async () => {
    const connections = new FailFastConnections(single(redis.url), TIMEOUT_MS);
    const producer = await connected(connections);
    const consumer = open(waitingRedis(single(redis.url)));
    const hops = new BullMqHopQueue(
      producer,
      consumer,
      `test-${randomUUID()}`,
      {
        attempts: 1,
        backoffMs: 10,
        lockMs: 30_000,
        stalledIntervalMs: 30_000,
      },
      logger,
    );
    try {
      await redis.kill();
      const { err, ms } = await failure(hops.add(hop('never-used'), { priority: 5 }));
      expect(err).toBeInstanceOf(RedisUnavailableError);
      expect(ms).toBeLessThan(TIMEOUT_MS);

      await redis.start();
      // The queue that could not start is made again, not left broken.
      await expect
        .poll(
          () =>
            hops.add(hop('never-used'), { priority: 5 }).then(
              () => 'added',
              () => 'failed',
            ),
          {
            timeout: 5000,
          },
        )
        .toBe('added');
    } finally {
      await hops.close(0);
    }
  });

  it('that wait carry their commands out once Redis is back', async () => {
    const waiting = open(waitingRedis(single(redis.url)));
    await waiting.ping();
    await redis.kill();
    const pending = waiting.set('k', 'kept');
    await new Promise((r) => setTimeout(r, 300));
    await redis.start();
    await expect(pending).resolves.toBe('OK');
    expect(await waiting.get('k')).toBe('kept');
  });
});
