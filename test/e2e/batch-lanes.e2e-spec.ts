// Issue 13 (the batch lane): an API process that works only the interactive lane
// (WORKER_LANES=interactive) and a worker of the batch lane (ROLE=worker WORKER_LANES=batch,
// WORKER_NICE) on one Redis prefix. The API accepts batches and serves interactive requests (its
// own hops too); the worker runs the batches: their runner and their lines' hops, which take the
// adapters' batch-lane queues. A batch worker killed mid-batch is replaced without a line lost or
// doubled.
import { getPriority } from 'node:os';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hopQueueName } from '../../apps/gateway/src/jobs/work-lanes';
import { sharedQueue, spawnGatewayProcess, startGateway, type GatewayProcess } from '../gateway-harness';
import { hopQueuePrefix } from '../../apps/gateway/src/queue/bullmq-hop-queue';

/** test.typist (stream-adapters.mjs) types its input back a word at a time, `delayMs` per word. */
const ADAPTER = 'test.typist';
const lineText = (i: number) => `lane line ${i} comes back`;
const line = (prefix: string, i: number, delayMs: number) => ({
  custom_id: `${prefix}-${i}`,
  method: 'POST',
  url: '/v1/infer',
  body: {
    inputs: [{ text: lineText(i) }],
    output: { modality: 'text' },
    adapter: ADAPTER,
    task: 'type',
    options: { delayMs },
  },
});

type ResultLine = {
  custom_id: string;
  response: { status_code: number; body: { outputs: { text: string }[] } } | null;
};

const ended = (b: OpenAI.Batches.Batch) => ['completed', 'failed', 'cancelled', 'expired'].includes(b.status);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createBatch(client: OpenAI, lines: unknown[]): Promise<OpenAI.Batches.Batch> {
  const file = await client.files.create({
    file: await toFile(Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')), 'lanes.jsonl'),
    purpose: 'batch',
  });
  return client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/infer' as '/v1/chat/completions',
    completion_window: '24h',
  });
}

async function pollBatch(
  client: OpenAI,
  id: string,
  until: (b: OpenAI.Batches.Batch) => boolean,
  timeoutMs = 30_000,
  logs = () => '',
): Promise<OpenAI.Batches.Batch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.batches.retrieve(id);
    if (until(batch)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id}: ${JSON.stringify(batch)}\n${logs()}`);
    await sleep(50);
  }
}

/** The output file's lines, each checked to be its own line's answer; their custom_ids. */
async function answeredIds(client: OpenAI, batch: OpenAI.Batches.Batch): Promise<string[]> {
  const outputs = (await (await client.files.content(batch.output_file_id!)).text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ResultLine);
  for (const out of outputs) {
    expect(out.response?.status_code).toBe(200);
    const i = Number(out.custom_id.slice(out.custom_id.lastIndexOf('-') + 1));
    expect(out.response!.body.outputs.map((o) => o.text)).toEqual([lineText(i)]);
  }
  return outputs.map((o) => o.custom_id).sort();
}

async function inferEcho(url: string, text: string): Promise<{ status: number; text?: string }> {
  const res = await fetch(`${url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ text }], output: 'text', task: 'echo' }),
  });
  const body = (await res.json()) as { outputs?: { text: string }[] };
  return { status: res.status, text: body.outputs?.[0]?.text };
}

describe('the batch lane in a worker of its own (WORKER_LANES)', () => {
  const shared = sharedQueue();
  const env = {
    ...shared.env,
    ADAPTER_MODULES: './test/adapters/stream-adapters.mjs',
    // Long: a batch that starts promptly was told of, not found by a sweep.
    BATCH_LEASE_MS: '60000',
    BATCH_CONCURRENCY: '8',
  };
  const children: GatewayProcess[] = [];
  let api: GatewayProcess;
  let client: OpenAI;
  let redis: Redis;
  let batchQueue: Queue;
  let interactiveQueue: Queue;
  let first: OpenAI.Batches.Batch;

  beforeAll(async () => {
    api = await spawnGatewayProcess({ ...env, ROLE: 'all', WORKER_LANES: 'interactive' });
    children.push(api);
    client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
    batchQueue = new Queue(hopQueueName(ADAPTER, 'batch'), {
      connection: redis,
      prefix: hopQueuePrefix(env.QUEUE_PREFIX, hopQueueName(ADAPTER, 'batch')),
    });
    interactiveQueue = new Queue(hopQueueName(ADAPTER, 'interactive'), {
      connection: redis,
      prefix: hopQueuePrefix(env.QUEUE_PREFIX, hopQueueName(ADAPTER, 'interactive')),
    });
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill('SIGTERM')));
    await Promise.all([batchQueue?.close(), interactiveQueue?.close()]);
    redis?.disconnect();
    shared.remove();
  });

  it('accepts a batch on an API without the batch lane, runs none of it there, and serves interactive requests', async () => {
    first = await createBatch(
      client,
      Array.from({ length: 24 }, (_, i) => line('first', i, 2)),
    );
    expect(first.status).toBe('validating');
    // Interactive requests are served meanwhile, by the API process itself.
    for (let i = 0; i < 5; i++)
      expect(await inferEcho(api.url, `sync ${i}`)).toEqual({ status: 200, text: `sync ${i}` });
    const typed = await fetch(`${api.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ text: 'typed here' }],
        output: 'text',
        adapter: ADAPTER,
        task: 'type',
        options: { delayMs: 1 },
        mode: 'async',
      }),
    });
    expect(typed.status).toBe(202);
    const { id } = (await typed.json()) as { id: string };
    for (let i = 0; i < 100; i++) {
      const job = (await (await fetch(`${api.url}/v1/jobs/${id}`)).json()) as { status: string };
      if (job.status === 'completed') break;
      await sleep(50);
    }
    // Nobody runs the batch: not even validated.
    const waiting = await client.batches.retrieve(first.id);
    expect(waiting.status).toBe('validating');
    expect(await batchQueue.getJobCounts('waiting', 'prioritized', 'active', 'completed')).toEqual({
      waiting: 0,
      prioritized: 0,
      active: 0,
      completed: 0,
    });
    // The async typist job ran on the interactive lane's queue.
    expect(await interactiveQueue.getJobCountByTypes('completed')).toBe(1);
  });

  it('runs it in a worker of the batch lane, runner and hops, at the lowered priority', async () => {
    const worker = await spawnGatewayProcess({
      ...env,
      ROLE: 'worker',
      WORKER_LANES: 'batch',
      WORKER_NICE: '10',
    });
    children.push(worker);
    expect(getPriority(worker.child.pid!)).toBe(10);
    // The worker's start-up sweep finds the batch nobody holds.
    const done = await pollBatch(client, first.id, ended, 30_000, worker.output);
    expect(done).toMatchObject({
      status: 'completed',
      request_counts: { total: 24, completed: 24, failed: 0 },
    });
    expect(await answeredIds(client, done)).toEqual(
      Array.from({ length: 24 }, (_, i) => `first-${i}`).sort(),
    );
    // Every line's hop took the batch lane's queue; the interactive one saw only the async job.
    expect(await batchQueue.getJobCountByTypes('completed')).toBe(24);
    expect(await interactiveQueue.getJobCountByTypes('completed')).toBe(1);

    // A batch created now starts at once: the API tells the batch lane (the next sweep is a
    // minute away). Interactive requests on the API are answered while it runs.
    const t0 = Date.now();
    const second = await createBatch(
      client,
      Array.from({ length: 16 }, (_, i) => line('second', i, 2)),
    );
    const running = await pollBatch(client, second.id, (b) => b.status !== 'validating', 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(['in_progress', 'finalizing', 'completed']).toContain(running.status);
    expect(await inferEcho(api.url, 'during')).toEqual({ status: 200, text: 'during' });
    const secondDone = await pollBatch(client, second.id, ended);
    expect(secondDone.request_counts).toEqual({ total: 16, completed: 16, failed: 0 });
    expect(await batchQueue.getJobCountByTypes('completed')).toBe(40);
  });
});

describe('the batch lane: its worker killed mid-batch', () => {
  it(
    'is resumed by a new worker of the batch lane once its lease runs out: every line answered once',
    { timeout: 60_000 },
    async () => {
      const shared = sharedQueue();
      const env = {
        ...shared.env,
        ADAPTER_MODULES: './test/adapters/stream-adapters.mjs',
        BATCH_LEASE_MS: '1000',
        BATCH_CONCURRENCY: '4',
        QUEUE_LOCK_MS: '2000',
        QUEUE_STALLED_INTERVAL_MS: '1000',
      };
      const worker = { ...env, ROLE: 'worker', WORKER_LANES: 'batch' };
      const children: GatewayProcess[] = [];
      try {
        const api = await spawnGatewayProcess({ ...env, ROLE: 'api', WORKER_LANES: 'interactive' });
        children.push(api);
        const doomed = await spawnGatewayProcess(worker);
        children.push(doomed);
        const client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: 'unused', maxRetries: 0 });
        const batch = await createBatch(
          client,
          Array.from({ length: 40 }, (_, i) => line('kill', i, 10)),
        );
        const midway = await pollBatch(client, batch.id, (b) => (b.request_counts?.completed ?? 0) >= 8);
        await doomed.kill('SIGKILL');
        expect(midway.request_counts!.completed).toBeLessThan(40);
        children.push(await spawnGatewayProcess(worker));
        const done = await pollBatch(client, batch.id, ended, 40_000, api.output);
        expect(done).toMatchObject({
          status: 'completed',
          request_counts: { total: 40, completed: 40, failed: 0 },
        });
        expect(await answeredIds(client, done)).toEqual(
          Array.from({ length: 40 }, (_, i) => `kill-${i}`).sort(),
        );
      } finally {
        await Promise.all(children.map((c) => c.kill('SIGTERM')));
        shared.remove();
      }
    },
  );
});

describe('both lanes in one process (the default)', () => {
  it('runs batch lines on the batch queues, never in the direct lane, and sync requests in the direct lane', async () => {
    const gw = await startGateway({ BATCH_CONCURRENCY: '4' });
    const redis = new Redis(gw.config.queue.redisUrl, { maxRetriesPerRequest: null });
    const queue = (lane: 'interactive' | 'batch') => {
      const name = hopQueueName('builtin.echo', lane);
      return new Queue(name, { connection: redis, prefix: hopQueuePrefix(gw.config.queue.prefix, name) });
    };
    const [interactive, batch] = [queue('interactive'), queue('batch')];
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const lines = Array.from({ length: 6 }, (_, i) => ({
        custom_id: `both-${i}`,
        method: 'POST',
        url: '/v1/infer',
        body: { inputs: [{ text: `both ${i}` }], output: 'text', task: 'echo' },
      }));
      const done = await pollBatch(client, (await createBatch(client, lines)).id, ended);
      expect(done.request_counts).toEqual({ total: 6, completed: 6, failed: 0 });
      expect(await inferEcho(gw.url, 'direct')).toEqual({ status: 200, text: 'direct' });
      // Each line's hop went through the batch queue; the sync request took no queue at all.
      expect(await batch.getJobCountByTypes('completed')).toBe(6);
      expect(await interactive.getJobCountByTypes('completed', 'waiting', 'active')).toBe(0);
    } finally {
      await Promise.all([interactive.close(), batch.close()]);
      redis.disconnect();
      (gw.app.getHttpServer() as { closeAllConnections?: () => void }).closeAllConnections?.();
      await gw.close();
    }
  });
});
