import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { testRecord } from '../jobs/job-record.testing';
import { watchJob } from '../jobs/job-waiter';
import { RedisJobStore } from './redis-job-store';

const record = testRecord;

describe('RedisJobStore', () => {
  const connections: Redis[] = [];
  afterEach(() => {
    for (const c of connections.splice(0)) c.disconnect();
  });

  it('reads the jobs it waits on once its subscription is back: an end published meanwhile is not lost', async () => {
    const redis = new Redis(inject('redisUrl'));
    const subscriber = new Redis(inject('redisUrl'));
    connections.push(redis, subscriber);
    const store = new RedisJobStore(redis, subscriber, `test-${randomUUID()}`, 60, pino({ level: 'silent' }));
    await store.start();
    const id = randomUUID();
    await store.create(record(id, 'queued'));
    expect(store.endIsAhead(id)).toBe(true);
    const started = Date.now();
    const watch = watchJob(store, id, 20_000, { notQueuedYet: true });

    // The subscription drops; the job ends while it is down, so its event reaches nobody here.
    const down = new Promise((resolve) => subscriber.once('reconnecting', resolve));
    const back = new Promise((resolve) => subscriber.once('ready', resolve));
    subscriber.disconnect(true);
    await down;
    const done = record(id, 'completed');
    await store.save(done, { id, status: 'completed', record: done });
    await back;

    expect((await watch.result)?.status).toBe('completed');
    expect(Date.now() - started).toBeLessThan(5_000);
    // And a later watch reads the record rather than waiting for an event that went by.
    expect(store.endIsAhead(id)).toBe(false);
  });

  it("parses only the events of jobs it waits on or created: other processes' jobs cost no parse", async () => {
    const redis = new Redis(inject('redisUrl'));
    const subscriber = new Redis(inject('redisUrl'));
    const other = new Redis(inject('redisUrl'));
    const otherSubscriber = new Redis(inject('redisUrl'));
    connections.push(redis, subscriber, other, otherSubscriber);
    const prefix = `test-${randomUUID()}`;
    const logger = pino({ level: 'silent' });
    const store = new RedisJobStore(redis, subscriber, prefix, 60, logger);
    await store.start();
    // Another process's store on the same queue: its jobs' events reach this one too.
    const elsewhere = new RedisJobStore(other, otherSubscriber, prefix, 60, logger);
    const watched = randomUUID();
    await elsewhere.create(record(watched, 'queued'));
    const watch = watchJob(store, watched, 10_000);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (let i = 0; i < 20; i++) {
        const foreign = record(randomUUID(), 'completed');
        await elsewhere.save(foreign, { id: foreign.id, status: 'completed', record: foreign });
      }
      const done = record(watched, 'completed');
      await elsewhere.save(done, { id: watched, status: 'completed', record: done });
      expect((await watch.result)?.status).toBe('completed');
      // The watch's first read and the watched job's end are parsed; the foreign events are not.
      expect(parse.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      parse.mockRestore();
    }
  });

  it('never overwrites a record on create: one carried out late leaves the job failed as it was marked', async () => {
    const redis = new Redis(inject('redisUrl'));
    const subscriber = new Redis(inject('redisUrl'));
    connections.push(redis, subscriber);
    const store = new RedisJobStore(redis, subscriber, `test-${randomUUID()}`, 60, pino({ level: 'silent' }));
    const id = randomUUID();
    const failed = record(id, 'failed');
    await store.save(failed, { id, status: 'failed', record: failed });
    await store.create(record(id, 'queued'));
    expect((await store.get(id))?.status).toBe('failed');
  });
});
