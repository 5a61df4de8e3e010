// Issue 13 (the interactive lane): a direct-lane job whose process dies mid-call fails like a lost
// sync request: the client sees its connection drop, and the record ends `failed` with a clear
// reason once any process notices, not `active` for ever. The process that ran the job is the
// built gateway (a child process, SIGKILLed: no shutdown hook runs); the one that notices runs
// in the test. Leases last QUEUE_LOCK_MS and are swept every QUEUE_STALLED_INTERVAL_MS, here
// 2 s and 1 s (30 s each by default).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sharedQueue,
  spawnGatewayProcess,
  startGateway,
  type GatewayProcess,
  type TestGateway,
} from '../gateway-harness';
import { hopQueueKey } from '../../apps/gateway/src/queue/bullmq-hop-queue';
import { directLeasesKey } from '../../apps/gateway/src/queue/redis-job-store';

interface Job {
  id: string;
  status: string;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

const LEASE_MS = 2000;
const SWEEP_MS = 1000;

describe('the direct lane: the process running a job killed mid-call', () => {
  const shared = sharedQueue();
  const prefix = shared.env.QUEUE_PREFIX;
  const env = {
    ...shared.env,
    ADAPTER_MODULES: './test/adapters/stream-adapters.mjs',
    QUEUE_LOCK_MS: String(LEASE_MS),
    QUEUE_STALLED_INTERVAL_MS: String(SWEEP_MS),
  };
  let doomed: GatewayProcess | undefined;
  let observer: TestGateway;
  let redis: Redis;

  beforeAll(async () => {
    observer = await startGateway(env);
    redis = new Redis(env.REDIS_URL);
  });

  afterAll(async () => {
    await doomed?.kill();
    await observer?.close();
    redis?.disconnect();
    shared.remove();
  });

  const seen = async (id: string): Promise<Job> =>
    (await (await fetch(`${observer.url}/v1/jobs/${id}`)).json()) as Job;

  it('leaves its job failed, saying why, as another process finds it', { timeout: 60_000 }, async () => {
    doomed = await spawnGatewayProcess(env);
    // test.typist types 50 words back, 200 ms apart: 10 s in the call, in the direct lane.
    const answer = fetch(`${doomed.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ text: Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ') }],
        output: 'text',
        adapter: 'test.typist',
        task: 'type',
        options: { delayMs: 200 },
      }),
    }).then(
      (res) => `answered ${res.status}`,
      (err: unknown) => err,
    );

    // The job's id: the one lease under this prefix, taken with its record.
    let id = '';
    await expect
      .poll(async () => (id = (await redis.zrange(directLeasesKey(prefix), '0', '-1'))[0] ?? ''))
      .not.toBe('');
    await expect.poll(async () => (await seen(id)).status).toBe('active');

    await doomed.kill('SIGKILL');
    const killedAt = Date.now();
    // The caller sees its connection drop.
    expect(await answer).toBeInstanceOf(Error);

    await expect
      .poll(() => seen(id), { timeout: 15_000, interval: 100 })
      .toMatchObject({
        id,
        status: 'failed',
        error: {
          code: 'unavailable',
          message: expect.stringContaining('the process running this job in the direct lane stopped'),
          details: { reason: 'worker_lost' },
        },
      });
    // Noticed within a lease and a sweep (and some slack for a loaded machine).
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + SWEEP_MS + 3000);
    expect(await redis.zcard(directLeasesKey(prefix))).toBe(0);
    // It never went through the queue.
    expect(await redis.exists(hopQueueKey(prefix, 'test.typist', 'id'))).toBe(0);
  });
});
