// Issue 7 (batches): kill the worker process mid-batch and start a new one: the batch completes
// with no line missing or doubled. The gateway runs split in two processes on one Redis prefix:
// ROLE=api (HTTP and, working the batch lane by default, the batch runner) and ROLE=worker (the
// adapter queues; batch lines' hops take the adapter's batch-lane queue). The hops the dead
// worker held come back through BullMQ's stalled-job recovery, here on a short lock and check
// interval (QUEUE_LOCK_MS, QUEUE_STALLED_INTERVAL_MS; 30 s each by default).
import { Queue } from 'bullmq';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hopQueueName } from '../../apps/gateway/src/jobs/work-lanes';
import { sharedQueue, spawnGatewayProcess, type GatewayProcess } from '../gateway-harness';
import { readEvents, type SseEvent } from '../sse';
import { hopQueuePrefix } from '../../apps/gateway/src/queue/bullmq-hop-queue';
import type { RedisClient } from '../../apps/gateway/src/queue/redis-connections';
import { redisEnv, testRedis } from '../test-redis';

type ResultLine = {
  id: string;
  custom_id: string | null;
  response: { status_code: number; request_id: string | null; body: Record<string, unknown> } | null;
  error: { code: string; message: string; line: number } | null;
};

const LINES = 300;
/** test.typist (stream-adapters.mjs) types its input back a word at a time, `delayMs` per word. */
const ADAPTER = 'test.typist';

const lineText = (i: number) => `line-${i} types back ${i * 7}`;
const line = (i: number) => ({
  custom_id: `kill-${i}`,
  method: 'POST',
  url: '/v1/infer',
  body: {
    inputs: [{ text: lineText(i) }],
    output: { modality: 'text' },
    adapter: ADAPTER,
    task: 'type',
    options: { delayMs: 10 },
  },
});

const ended = (b: OpenAI.Batches.Batch) => ['completed', 'failed', 'cancelled', 'expired'].includes(b.status);

describe('batches: the worker process killed mid-batch (ROLE=api + ROLE=worker on BullMQ)', () => {
  const shared = sharedQueue();
  const prefix = shared.env.QUEUE_PREFIX;
  const env = {
    ...shared.env,
    ADAPTER_MODULES: './test/adapters/stream-adapters.mjs',
    JOB_BACKOFF_MS: '50',
    QUEUE_LOCK_MS: '2000',
    QUEUE_STALLED_INTERVAL_MS: '1000',
  };
  const children: GatewayProcess[] = [];
  let api: GatewayProcess;
  let client: OpenAI;
  let redis: RedisClient;
  let queue: Queue;

  const spawnWorker = async () => {
    const worker = await spawnGatewayProcess({ ...env, ROLE: 'worker', WORKER_ADAPTERS: ADAPTER });
    children.push(worker);
    return worker;
  };

  beforeAll(async () => {
    api = await spawnGatewayProcess({ ...env, ROLE: 'api', BATCH_CONCURRENCY: '16' });
    children.push(api);
    client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    redis = testRedis(redisEnv(), { maxRetriesPerRequest: null });
    // The adapter's BullMQ queue of the batch lane, read from the test to see which hops the
    // dead worker held.
    const name = hopQueueName(ADAPTER, 'batch');
    queue = new Queue(name, { connection: redis, prefix: hopQueuePrefix(prefix, name) });
  });

  /** The batch's counts once they have not changed for 300 ms (within 5 s). */
  const settledCounts = async (id: string) => {
    let last = (await client.batches.retrieve(id)).request_counts!;
    for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 300));
      const now = (await client.batches.retrieve(id)).request_counts!;
      if (now.completed === last.completed && now.failed === last.failed) return now;
      last = now;
    }
    throw new Error(`batch counts still moving 5 s after the kill: ${JSON.stringify(last)}`);
  };

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill('SIGTERM')));
    await queue?.close();
    redis?.disconnect();
    shared.remove();
  });

  it(
    'completes the batch after a new worker starts: every line answered once, with its own answer',
    { timeout: 60_000 },
    async () => {
      const doomed = await spawnWorker();
      const lines = Array.from({ length: LINES }, (_, i) => line(i));
      const file = await client.files.create({
        file: await toFile(Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')), 'kill.jsonl'),
        purpose: 'batch',
      });
      const batch = await client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/infer' as '/v1/chat/completions',
        completion_window: '24h',
      });

      // Roughly a third answered: the worker dies with hops in hand (SIGKILL: no shutdown hook).
      let midway = batch;
      for (const deadline = Date.now() + 30_000; (midway.request_counts?.completed ?? 0) < LINES / 3;) {
        if (Date.now() > deadline)
          throw new Error(`no progress: ${JSON.stringify(midway)}\n${doomed.output()}`);
        await new Promise((r) => setTimeout(r, 25));
        midway = await client.batches.retrieve(batch.id);
      }
      await doomed.kill('SIGKILL');
      const orphans = await queue.getActive();
      // A hop the worker ended just before it died may still be on its way to the api's batch
      // runner: the count may rise once more. Take it when it has held for 300 ms.
      const atKill = await settledCounts(batch.id);
      expect(midway.status).toBe('in_progress');
      expect(atKill.completed).toBeLessThan(LINES);
      // Hops the dead worker was running: only stalled-job recovery can bring them back.
      expect(orphans.length).toBeGreaterThan(0);

      // Without a worker nothing more is answered; the api process goes on serving.
      await new Promise((r) => setTimeout(r, 500));
      const idle = await client.batches.retrieve(batch.id);
      expect(idle.status).toBe('in_progress');
      expect(idle.request_counts!.completed).toBe(atKill.completed);

      await spawnWorker();
      const events = readEvents(await fetch(`${api.url}/v1/batches/${batch.id}/events`));
      // Awaited below; should an assertion fail first, the stream breaks when the api stops.
      events.catch(() => {});

      let done = idle;
      for (const deadline = Date.now() + 40_000; !ended(done);) {
        if (Date.now() > deadline) {
          throw new Error(`batch stuck: ${JSON.stringify(done.request_counts)}\n${api.output()}`);
        }
        await new Promise((r) => setTimeout(r, 250));
        done = await client.batches.retrieve(batch.id);
      }
      expect(done.status).toBe('completed');
      expect(done.request_counts).toEqual({ total: LINES, completed: LINES, failed: 0 });
      expect(done.error_file_id).toBeNull();

      const outputs = (await (await client.files.content(done.output_file_id!)).text())
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as ResultLine);
      // No line missing or doubled, and each answer is its own line's.
      expect(outputs).toHaveLength(LINES);
      expect(outputs.map((o) => o.custom_id).sort()).toEqual(lines.map((l) => l.custom_id).sort());
      const requestIds = new Map<string, string>();
      for (const out of outputs) {
        const i = Number(out.custom_id!.slice('kill-'.length));
        expect(out.error).toBeNull();
        expect(out.response?.status_code).toBe(200);
        const body = out.response!.body as { status: string; outputs: { text: string }[] };
        expect(body.status).toBe('completed');
        expect(body.outputs.map((o) => o.text)).toEqual([lineText(i)]);
        requestIds.set(out.response!.request_id!, out.custom_id!);
      }
      expect(requestIds.size).toBe(LINES);

      // The hops the dead worker held were taken back as stalled and run to the end by the new
      // worker; their lines' answers are those jobs' results.
      for (const orphan of orphans) {
        const hop = await queue.getJob(orphan.id!);
        expect(hop?.stalledCounter, orphan.id).toBe(1);
        expect(await hop?.getState()).toBe('completed');
        expect(requestIds.get(orphan.data.jobId as string), orphan.id).toBeDefined();
      }

      // The api process lived through it, and the batch's event stream (opened once the new
      // worker started) showed lines being answered and then the completed batch.
      const seen: SseEvent[] = await events;
      expect(seen[0]).toMatchObject({ event: 'in_progress', data: { id: batch.id } });
      const progress = seen.filter((e) => e.event === 'progress');
      expect(progress.length).toBeGreaterThan(0);
      const counts = progress.map((e) => (e.data.request_counts as { completed: number }).completed);
      expect(Math.max(...counts)).toBeGreaterThan(atKill.completed);
      expect(counts.every((c, i) => i === 0 || c >= counts[i - 1]!)).toBe(true);
      expect(seen.at(-1)).toMatchObject({
        event: 'completed',
        data: { id: batch.id, request_counts: { total: LINES, completed: LINES, failed: 0 } },
      });
      expect(api.child.exitCode).toBeNull();
      expect((await fetch(`${api.url}/health/ready`)).ok).toBe(true);
    },
  );
});
