import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { JobEvent, JobRecord } from '../jobs/job-record';
import { testRecord } from '../jobs/job-record.testing';
import { RedisDirectLeaseStore } from './redis-direct-leases';
import { directLeasesKey, RedisJobStore } from './redis-job-store';

const record = testRecord;

describe('RedisDirectLeaseStore: the direct lane’s leases beside the job records', () => {
  let redis: Redis;
  let subscriber: Redis;
  let store: RedisJobStore;
  let leases: RedisDirectLeaseStore;
  let key: string;

  beforeEach(async () => {
    const prefix = `test-${randomUUID()}`;
    redis = new Redis(inject('redisUrl'));
    subscriber = new Redis(inject('redisUrl'));
    store = new RedisJobStore(redis, subscriber, prefix, 60, pino({ level: 'silent' }));
    await store.start();
    leases = new RedisDirectLeaseStore(redis, prefix, 60);
    key = directLeasesKey(prefix);
  });

  afterEach(() => {
    redis.disconnect();
    subscriber.disconnect();
  });

  /** When the lease of `id` runs out, against Redis's clock (ms from now), or undefined. */
  async function leftMs(id: string): Promise<number | undefined> {
    const [score, [seconds, micros]] = await Promise.all([redis.zscore(key, id), redis.time()]);
    return score === null
      ? undefined
      : Number(score) - (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000));
  }

  it('takes a lease with the record, on Redis’s clock, and never with a record that exists', async () => {
    const id = randomUUID();
    await store.create(record(id, 'queued'), 5000);
    expect(await leftMs(id)).toBeGreaterThan(4000);
    expect(await leftMs(id)).toBeLessThanOrEqual(5000);
    const other = randomUUID();
    await store.save(record(other, 'failed'), { id: other, status: 'failed' });
    await store.create(record(other, 'queued'), 5000);
    expect(await leftMs(other)).toBeUndefined();
    // Without a lease, as before.
    const plain = randomUUID();
    await store.create(record(plain, 'queued'));
    expect(await leftMs(plain)).toBeUndefined();
    expect((await store.get(plain))?.status).toBe('queued');
  });

  it('drops the lease with the save that ends the job, not with one that does not', async () => {
    const id = randomUUID();
    await store.create(record(id, 'queued'), 5000);
    await store.markActive(id, 1);
    await store.save(record(id, 'active'), { id, status: 'active' });
    expect(await leftMs(id)).toBeDefined();
    const cancelled = record(id, 'cancelled');
    await store.save(cancelled, { id, status: 'cancelled', record: cancelled });
    expect(await leftMs(id)).toBeUndefined();
  });

  it('renews held leases only: one dropped meanwhile is not taken again', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await store.create(record(a, 'queued'), 1000);
    await store.create(record(b, 'queued'), 1000);
    await leases.drop(b);
    await leases.renew([a, b], 9000);
    expect(await leftMs(a)).toBeGreaterThan(8000);
    expect(await leftMs(b)).toBeUndefined();
    await leases.renew([], 9000);
  });

  it('lists the leases that ran out to one sweeper per interval, and fails the job only while its lease has still run out', async () => {
    const [lost, alive, ended] = [randomUUID(), randomUUID(), randomUUID()];
    await store.create(record(lost, 'queued'), 1);
    await store.create(record(alive, 'queued'), 60_000);
    await store.create(record(ended, 'queued'), 1);
    await store.markActive(lost, 1);
    await new Promise((r) => setTimeout(r, 10));

    const expired = await leases.expired(1000, 10);
    expect(expired.sort()).toEqual([lost, ended].sort());
    // Another process, in the same interval: nothing.
    expect(await leases.expired(1000, 10)).toEqual([]);

    const events: JobEvent[] = [];
    store.subscribe(lost, (e) => events.push(e));
    const failed: JobRecord = {
      ...record(lost, 'failed'),
      error: { code: 'unavailable', message: 'lost' },
    };
    expect(await leases.expire(lost, failed)).toBe(true);
    expect(await store.get(lost)).toMatchObject({ status: 'failed', error: { message: 'lost' } });
    await expect
      .poll(() => events.map((e) => [e.status, e.record?.error?.message]))
      .toEqual([['failed', 'lost']]);
    // Twice: the lease is gone, nothing is written.
    expect(await leases.expire(lost, failed)).toBe(false);

    // A lease that has not run out (renewed since it was listed) is left alone, and so is its job.
    expect(await leases.expire(alive, { ...record(alive, 'failed') })).toBe(false);
    expect((await store.get(alive))?.status).toBe('queued');
    expect(await leftMs(alive)).toBeDefined();

    // No record given: only the lease goes.
    expect(await leases.expire(ended)).toBe(true);
    expect(await leftMs(ended)).toBeUndefined();
    expect((await store.get(ended))?.status).toBe('queued');
  });
});
