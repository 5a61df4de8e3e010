// Issue 17: a gateway that finds its Redis through a Sentinel (REDIS_SENTINELS +
// REDIS_SENTINEL_NAME; it is never told the master's address): jobs, a registration and a
// batch's files work, and the keys are on the master the Sentinel names. Failover itself is
// ioredis's (it asks the Sentinels again when the master goes); it is not exercised here.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobKey } from '../../apps/gateway/src/queue/redis-job-store';
import { startGateway, type TestGateway } from '../gateway-harness';
import { startRedisSentinel, type RedisSentinel } from '../redis-cluster';
import { useRedis } from '../test-redis';

describe('a gateway behind a Redis Sentinel', () => {
  let sentinel: RedisSentinel;
  let gw: TestGateway;

  beforeAll(async () => {
    sentinel = await startRedisSentinel();
    useRedis({ REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_NAME: sentinel.name });
    gw = await startGateway({ DISPATCH: 'queue' });
  });

  afterAll(async () => {
    await gw?.close();
    await sentinel?.stop();
  });

  it('runs a job through the queue on the master the Sentinel names', async () => {
    expect(gw.config.queue.redisTopology).toMatchObject({ kind: 'sentinel', name: sentinel.name });
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ text: 'hello' }], output: { modality: 'text' }, task: 'echo' }),
    });
    expect(res.status).toBe(200);
    const job = (await res.json()) as { id: string; status: string };
    expect(job.status).toBe('completed');
    const master = new Redis(sentinel.masterPort, '127.0.0.1');
    try {
      expect(await master.exists(jobKey(gw.config.queue.prefix, job.id))).toBe(1);
    } finally {
      master.disconnect();
    }
  });
});
