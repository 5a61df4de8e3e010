import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';
import { hopQueueKey } from '../../apps/gateway/src/queue/bullmq-hop-queue';
import { jobKey } from '../../apps/gateway/src/queue/redis-job-store';

const MODULES = './test/adapters/stream-adapters.mjs';
/** test.metered: at most 3 calls started per 1.5 s, by every process together. */
const METERED = './test/adapters/metered-adapters.mjs';
const METERED_LIMIT = { max: 3, durationMs: 1500 };
const metered = () => (globalThis as { __omnigateMetered?: { starts: number[] } }).__omnigateMetered!;
/** What the typist adapter saw, in this process (the gateways run in it). */
const typist = () =>
  (globalThis as { __omnigateTypist?: { started: number; aborted: number } }).__omnigateTypist!;

interface Job {
  id: string;
  status: string;
  outputs: { text?: string }[];
  timings: { queuedMs?: number };
}

/** `words` words typed back by test.typist, `delayMs` between them. */
const typed = (words: number, delayMs: number, extra: Record<string, unknown> = {}) => ({
  inputs: [{ text: Array.from({ length: words }, (_, i) => `w${i}`).join(' ') }],
  output: 'text',
  adapter: 'test.typist',
  task: 'type',
  options: { delayMs },
  ...extra,
});

async function infer(gw: TestGateway, body: unknown): Promise<{ status: number; job: Job }> {
  const res = await fetch(`${gw.url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, job: (await res.json()) as Job };
}

/** Whether anything was ever added to the adapter's BullMQ queue under `prefix` (its id counter). */
async function queueUsed(prefix: string, adapter = 'test.typist'): Promise<boolean> {
  const redis = new Redis(inject('redisUrl'));
  try {
    return (await redis.exists(hopQueueKey(prefix, adapter, 'id'))) === 1;
  } finally {
    redis.disconnect();
  }
}

/** How many hops the adapter's BullMQ queue under `prefix` has completed. */
async function queueCompleted(prefix: string, adapter: string): Promise<number> {
  const redis = new Redis(inject('redisUrl'));
  try {
    return await redis.zcard(hopQueueKey(prefix, adapter, 'completed'));
  } finally {
    redis.disconnect();
  }
}

describe('the direct lane (DISPATCH=auto): sync jobs run in the process that took them', () => {
  const gateways: TestGateway[] = [];
  let blobDir: string;
  const start = async (env: Record<string, string>) => {
    const gw = await startGateway({ ADAPTER_MODULES: MODULES, BLOB_DIR: blobDir, ...env });
    gateways.push(gw);
    return gw;
  };

  beforeAll(() => {
    blobDir = mkdtempSync(join(tmpdir(), 'omnigate-lane-'));
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.close()));
  });
  afterAll(() => rmSync(blobDir, { recursive: true, force: true }));

  it('answers without the queue, and another process finds the job by id at once', async () => {
    const prefix = `test-${randomUUID()}`;
    const [first, second] = [await start({ QUEUE_PREFIX: prefix }), await start({ QUEUE_PREFIX: prefix })];
    const { status, job } = await infer(first, typed(3, 1));
    expect(status).toBe(200);
    expect(job).toMatchObject({ status: 'completed', outputs: [{ text: 'w0 w1 w2' }] });
    const seen = (await (await fetch(`${second.url}/v1/jobs/${job.id}`)).json()) as Job;
    expect(seen).toMatchObject({ id: job.id, status: 'completed' });
    expect(await queueUsed(prefix)).toBe(false);
  });

  it('DISPATCH=queue queues every hop, as before', async () => {
    const prefix = `test-${randomUUID()}`;
    const gw = await start({ QUEUE_PREFIX: prefix, DISPATCH: 'queue' });
    expect((await infer(gw, typed(2, 1))).job.status).toBe('completed');
    expect(await queueUsed(prefix)).toBe(true);
  });

  it('queues async jobs', async () => {
    const prefix = `test-${randomUUID()}`;
    const gw = await start({ QUEUE_PREFIX: prefix });
    const { status } = await infer(gw, typed(1, 1, { mode: 'async' }));
    expect(status).toBe(202);
    await expect.poll(() => queueUsed(prefix)).toBe(true);
  });

  it('sends what is beyond the adapter’s concurrency (4) to the queue, and answers every one', async () => {
    const prefix = `test-${randomUUID()}`;
    const gw = await start({ QUEUE_PREFIX: prefix });
    const answers = await Promise.all(Array.from({ length: 7 }, () => infer(gw, typed(4, 50))));
    expect(answers.map((a) => a.job.status)).toEqual(Array(7).fill('completed'));
    expect(await queueUsed(prefix)).toBe(true);
  });

  it('never runs an adapter in a ROLE=api process: its job waits in the queue', async () => {
    const prefix = `test-${randomUUID()}`;
    const api = await start({ QUEUE_PREFIX: prefix, ROLE: 'api' });
    const { status, job } = await infer(api, typed(1, 1, { timeoutMs: 300 }));
    expect(status).toBe(202);
    expect(job.status).toBe('queued');
    expect(await queueUsed(prefix)).toBe(true);
  });

  it('is cancelled from another process: the running call is aborted and the waiting caller told', async () => {
    const prefix = `test-${randomUUID()}`;
    const [first, second] = [await start({ QUEUE_PREFIX: prefix }), await start({ QUEUE_PREFIX: prefix })];
    const before = typist()?.started ?? 0;
    const abortedBefore = typist()?.aborted ?? 0;
    const pending = infer(first, typed(50, 200));
    await expect.poll(() => typist()?.started ?? 0).toBeGreaterThan(before);
    // The job id: the only active job under this prefix, read from its record in Redis.
    const redis = new Redis(inject('redisUrl'));
    let id: string | undefined;
    try {
      const keys = await redis.keys(jobKey(prefix, '*'));
      id = keys.map((k) => k.slice(jobKey(prefix, '').length)).find((k) => !k.includes(':'));
    } finally {
      redis.disconnect();
    }
    expect(id).toBeDefined();
    const cancelled = await fetch(`${second.url}/v1/jobs/${id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    const { job } = await pending;
    expect(job).toMatchObject({ id, status: 'cancelled' });
    await expect.poll(() => typist().aborted).toBeGreaterThan(abortedBefore);
    expect(await queueUsed(prefix)).toBe(false);
  });

  it('counts direct hops of a rate-limited adapter in the window its queue keeps, shared by both processes', async () => {
    const prefix = `test-${randomUUID()}`;
    const env = { QUEUE_PREFIX: prefix, ADAPTER_MODULES: `${MODULES},${METERED}` };
    const [first, second] = [await start(env), await start(env)];
    const before = metered()?.starts.length ?? 0;
    const body = (i: number) => ({
      inputs: [{ text: `call ${i}` }],
      output: 'text',
      adapter: 'test.metered',
      task: 'meter',
    });
    const calls = 8;
    const answers = await Promise.all(
      Array.from({ length: calls }, (_, i) => infer(i % 2 === 0 ? first : second, body(i))),
    );
    expect(answers.map((a) => [a.status, a.job.status])).toEqual(Array(calls).fill([200, 'completed']));
    const starts = metered()
      .starts.slice(before)
      .sort((a, b) => a - b);
    expect(starts).toHaveLength(calls);
    // Never more than `max` calls started within one window, wherever they ran. The times are
    // the adapter's, taken when a call starts, a little after its count: a queued hop is counted
    // when BullMQ moves it to active and reaches the adapter later (up to a few hundred ms on a
    // busy machine), a direct one at once. Counted apart, by process, the two processes would
    // start 2 × max calls within a few milliseconds.
    const { max, durationMs } = METERED_LIMIT;
    const countToStartLagMs = 300;
    for (let i = 0; i + max < starts.length; i++) {
      expect(starts[i + max] - starts[i]).toBeGreaterThanOrEqual(durationMs - countToStartLagMs);
    }
    // Some ran in the direct lane (without the queue), the rest waited in the queue for the window.
    const queued = await queueCompleted(prefix, 'test.metered');
    expect(queued).toBeLessThan(calls);
    expect(queued).toBeGreaterThanOrEqual(calls - max);
    const direct = answers.filter((a) => (a.job.timings.queuedMs ?? 0) < durationMs / 2);
    expect(direct.length).toBe(calls - queued);
  });
});
