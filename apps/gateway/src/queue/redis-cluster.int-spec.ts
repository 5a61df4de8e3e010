import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisCluster } from '../../../../test/redis-cluster';
import { RedisBatchStore } from '../batches/batch-store';
import type { BatchObject } from '../batches/batch-object';
import { RedisFileStore } from '../batches/file-store';
import type { StoredFile } from '../batches/file-object';
import { loadConfig } from '../config/app-config';
import { testRecord } from '../jobs/job-record.testing';
import { RedisAudioAnswerStore } from '../openai/audio-answer-store';
import { RedisConversationStore } from '../openai/conversation-store';
import { RedisResponseStore, type StoredResponse } from '../openai/response-store';
import { createJobBackend } from './job-backend.factory';
import type { JobBackend } from './job-backend';
import { directLeasesKey, jobKey } from './redis-job-store';
import { RedisDirectLeaseStore } from './redis-direct-leases';
import type { RedisClient } from './redis-connections';

// Every store's scripts, MULTIs and multi-key reads on a three-master Redis Cluster: each fails
// with CROSSSLOT there if its keys are not in one slot, which a single server never checks.

const logger = pino({ level: 'silent' });

const record = testRecord;

describe('the Redis stores on a Redis Cluster (three masters)', () => {
  let cluster: RedisCluster;
  let backend: JobBackend;
  let redis: RedisClient;
  let prefix: string;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    prefix = `test-${randomUUID()}`;
    const config = loadConfig({
      REDIS_CLUSTER_NODES: cluster.nodes,
      QUEUE_DRIVER: 'bullmq',
      QUEUE_PREFIX: prefix,
      REDIS_COMMAND_TIMEOUT_MS: '10000',
    });
    backend = await createJobBackend(config, logger);
    if (backend.state.kind !== 'redis') throw new Error('expected the Redis driver');
    redis = backend.state.redis;
  });

  afterAll(async () => {
    await backend?.close(1000);
    await cluster?.stop();
  });

  it('connects as a cluster client', async () => {
    expect(redis).toBeInstanceOf(Cluster);
    await backend.ping();
  });

  it('creates, marks, saves and lists jobs, and hears their events from another node', async () => {
    const id = randomUUID();
    const heard: string[] = [];
    const unsubscribe = backend.store.subscribe(id, (event) => heard.push(event.status));
    await backend.store.create(record(id), 5000);
    await backend.forWorkers.store.markActive(id, 1);
    expect((await backend.store.get(id))?.status).toBe('active');
    const done = record(id, 'completed');
    await backend.forWorkers.store.save(done, { id, status: 'completed', record: done });
    await expect.poll(() => heard).toEqual(['active', 'completed']);
    unsubscribe();
    const recent = await backend.store.recent!(10);
    expect(recent?.entries.map((e) => e.id)).toContain(id);
    // The end dropped the lease, in the same script as the save.
    expect(await redis.zscore(directLeasesKey(prefix), id)).toBeNull();
  });

  it('expires a direct-lane lease and fails its job in one script', async () => {
    const leases = new RedisDirectLeaseStore(redis, prefix, 60);
    const id = randomUUID();
    await backend.store.create(record(id), 1);
    await new Promise((r) => setTimeout(r, 20));
    await leases.renew([id], 1);
    // The lease runs out a millisecond later, and the sweep's 1 ms lock may be another's: asked again.
    await expect.poll(() => leases.expired(1, 10)).toContain(id);
    expect(await leases.expire(id, record(id, 'failed'))).toBe(true);
    expect(JSON.parse((await redis.get(jobKey(prefix, id)))!)).toMatchObject({ status: 'failed' });
  });

  it('counts rate windows, admits hops and reads queue counts of queues on different slots', async () => {
    expect((await backend.counter.hit('k', 60_000)).count).toBe(1);
    expect((await backend.counter.hit('k', 60_000)).count).toBe(2);
    await backend.hops.add(
      { jobId: randomUUID(), generation: 0, hop: 0, adapter: 'test.a', task: 'echo' } as never,
      { priority: 5 },
    );
    expect(await backend.hops.admit!('test.a', { max: 1, durationMs: 60_000 })).toBe(true);
    expect(await backend.hops.admit!('test.a', { max: 1, durationMs: 60_000 })).toBe(false);
    const counts = await backend.hops.counts!([
      { adapter: 'test.a', lane: 'interactive' },
      { adapter: 'test.b', lane: 'batch' },
    ]);
    expect(counts.map((c) => c.waiting)).toEqual([1, 0]);
  });

  it('keeps batches: create, record lines, transition, list, settle, claim', async () => {
    const store = new RedisBatchStore(redis, prefix);
    const id = `batch_${randomUUID().replaceAll('-', '')}`;
    const batch = { id, status: 'validating', request_counts: { total: 2, completed: 0, failed: 0 } };
    await store.create(batch as unknown as BatchObject, { url: 'https://example.com/hook' } as never, {});
    expect(await store.recordLine(id, 0, { failed: false, line: '{"a":1}' })).toBe(true);
    expect(await store.recordLine(id, 0, { failed: false, line: '{"a":1}' })).toBe(false);
    expect(await store.recordLine(id, 1, { failed: true, line: '{"b":2}' })).toBe(true);
    const moved = await store.transition(id, ['validating'], { status: 'in_progress' });
    expect(moved?.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    expect((await store.list(10)).data.map((b) => b.id)).toEqual([id]);
    expect(await store.active()).toEqual([id]);
    expect(await store.claim(id, 'me', 10_000)).toBe(true);
    expect(await store.claim(id, 'other', 10_000)).toBe(false);
    await store.release(id, 'me');
    await store.settle(id);
    expect(await store.active()).toEqual([]);
  });

  it('keeps files: put, list (forgetting the expired), delete', async () => {
    const store = new RedisFileStore(redis, prefix);
    const file = (id: string, expiresAt: number): StoredFile =>
      ({
        file: { id, purpose: 'batch', expires_at: expiresAt },
        blobId: 'b'.repeat(64),
      }) as unknown as StoredFile;
    const later = Math.floor(Date.now() / 1000) + 3600;
    await store.put(file('file-a', later));
    await store.put(file('file-old', 1));
    expect((await store.list({ limit: 10, order: 'asc' })).data.map((f) => f.file.id)).toEqual(['file-a']);
    expect(await store.delete('file-a')).toBe(true);
  });

  it('keeps conversations: create, append, page, delete an item, delete', async () => {
    const store = new RedisConversationStore(redis, prefix, 60);
    const id = `conv_${randomUUID().replaceAll('-', '')}`;
    const item = (itemId: string) => ({ id: itemId, type: 'message' }) as never;
    expect(await store.create({ id, object: 'conversation', created_at: 1, metadata: {} }, [item('a')])).toBe(
      'ok',
    );
    expect(await store.append(id, [item('b'), item('c')])).toBe('ok');
    expect(await store.update(id, { k: 'v' })).toMatchObject({ metadata: { k: 'v' } });
    expect(await store.deleteItem(id, 'b')).toBe('ok');
    expect((await store.page(id, { limit: 10, order: 'asc' }))?.data.map((i) => i.id)).toEqual(['a', 'c']);
    expect(await store.delete(id)).toBe(true);
    expect(await store.get(id)).toBeUndefined();
  });

  it('keeps responses and spoken answers, the latter read many at once across slots', async () => {
    const responses = new RedisResponseStore(redis, prefix, 60);
    const stored = { response: { id: 'resp_1' }, inputItems: [], conversation: [] } as StoredResponse;
    await responses.put({ ...stored, background: { jobId: 'j', pending: {} as never } });
    expect(await responses.settle(stored)).toEqual(stored);
    const answers = new RedisAudioAnswerStore(redis, prefix, 60);
    const ids = Array.from({ length: 12 }, (_, i) => `audio_${i}`);
    for (const id of ids) await answers.put({ id, transcript: id, blobId: 'b', expiresAt: 1 });
    expect((await answers.getMany([...ids, 'audio_none'])).map((a) => a?.transcript)).toEqual([
      ...ids,
      undefined,
    ]);
  });

  it('spreads the keys of one prefix over several slots', async () => {
    const nodes = (redis as Cluster).nodes('master');
    const keys = (await Promise.all(nodes.map((n) => n.keys(`*${prefix}*`)))).flat();
    const slots = new Set(await Promise.all(keys.map((k) => nodes[0]!.cluster('KEYSLOT', k))));
    // Jobs, two hop queues, files, batches, rate windows, responses, each spoken answer...
    expect(slots.size).toBeGreaterThan(10);
  });
});
