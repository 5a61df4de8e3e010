import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { AdapterHealth } from '../adapters/adapter-health';
import { loadConfig } from '../config/app-config';
import type { QueueRef } from '../jobs/job-ports';
import type { HopJob } from '../jobs/job-record';
import { hopQueueName } from '../jobs/work-lanes';
import { hopQueuePrefix } from '../queue/bullmq-hop-queue';
import type { JobBackend } from '../queue/job-backend';
import { createJobBackend } from '../queue/job-backend.factory';
import { GatewayMetrics, QUEUE_READ_EVERY_MS } from './gateway-metrics';
import { samples } from '../../../../test/metrics-samples';

const logger = pino({ level: 'silent' });

function hop(adapter: string, lane?: 'batch'): HopJob {
  return {
    jobId: randomUUID(),
    generation: 0,
    hop: 0,
    inputs: [],
    adapter,
    task: 'upper',
    output: { modality: 'text' },
    options: {},
    ...(lane ? { lane } : {}),
  };
}

describe('queue gauges (BullMQ, real Redis)', () => {
  let backend: JobBackend;
  let metrics: GatewayMetrics;
  let prefix: string;
  beforeEach(async () => {
    prefix = `test-${randomUUID()}`;
    const config = loadConfig({
      REDIS_URL: inject('redisUrl'),
      QUEUE_DRIVER: 'bullmq',
      QUEUE_PREFIX: prefix,
    });
    backend = await createJobBackend(config, logger);
    metrics = new GatewayMetrics();
    metrics.watch({
      adapters: () => ['test.a', 'test.b'],
      health: new AdapterHealth({ failures: 2, cooldownMs: 60_000 }, backend.bus, logger),
      queues: backend.hops,
    });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await backend?.close(0);
  });

  it('shows the hops waiting in each queue that no worker consumes, by adapter, lane and state', async () => {
    await backend.hops.add(hop('test.a'), { priority: 5 });
    await backend.hops.add(hop('test.a'), { priority: 5 });
    await backend.hops.add(hop('test.a', 'batch'), { priority: 5 });
    const s = samples(await metrics.scrape());
    expect(s.get('omnigate_queue_hops{adapter="test.a",lane="interactive",state="waiting"}')).toBe(2);
    expect(s.get('omnigate_queue_hops{adapter="test.a",lane="batch",state="waiting"}')).toBe(1);
    expect(s.get('omnigate_queue_hops{adapter="test.a",lane="interactive",state="active"}')).toBe(0);
    expect(s.get('omnigate_queue_hops{adapter="test.b",lane="interactive",state="waiting"}')).toBe(0);
    expect(s.get('omnigate_queue_hops{adapter="test.b",lane="batch",state="delayed"}')).toBe(0);
    expect(s.get('omnigate_queue_hops{adapter="test.b",lane="batch",state="failed"}')).toBe(0);
  });

  it('reads Redis at most once a second, concurrent scrapes sharing one reading', async () => {
    const reads = vi.spyOn(backend.hops, 'counts');
    const [first, second] = await Promise.all([metrics.scrape(), metrics.scrape()]);
    // One reading, of 2 adapters x 2 lanes.
    expect(reads).toHaveBeenCalledTimes(1);
    expect(reads.mock.calls[0]![0]).toHaveLength(4);
    const queueLines = (text: string) => text.split('\n').filter((l) => l.startsWith('omnigate_queue_hops{'));
    expect(queueLines(first)).toHaveLength(16);
    expect(queueLines(first)).toEqual(queueLines(second));
    await backend.hops.add(hop('test.b'), { priority: 5 });
    const cached = samples(await metrics.scrape());
    expect(reads).toHaveBeenCalledTimes(1);
    expect(cached.get('omnigate_queue_hops{adapter="test.b",lane="interactive",state="waiting"}')).toBe(0);

    await new Promise((r) => setTimeout(r, QUEUE_READ_EVERY_MS + 50));
    const fresh = samples(await metrics.scrape());
    expect(reads).toHaveBeenCalledTimes(2);
    expect(fresh.get('omnigate_queue_hops{adapter="test.b",lane="interactive",state="waiting"}')).toBe(1);
  });

  it("reads the numbers BullMQ's getJobCounts does, for every state a hop can be in, in one round trip", async () => {
    const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    const queues = new Map<string, Queue>();
    const queue = (ref: QueueRef) => {
      const name = hopQueueName(ref.adapter, ref.lane);
      if (!queues.has(name))
        queues.set(name, new Queue(name, { connection, prefix: hopQueuePrefix(prefix, name) }));
      return queues.get(name)!;
    };
    const worker = (ref: QueueRef) => {
      const name = hopQueueName(ref.adapter, ref.lane);
      return new Worker(name, null, { connection, prefix: hopQueuePrefix(prefix, name), autorun: false });
    };
    const a: QueueRef = { adapter: 'test.a', lane: 'interactive' };
    const aBatch: QueueRef = { adapter: 'test.a', lane: 'batch' };
    const b: QueueRef = { adapter: 'test.b', lane: 'interactive' };
    const none: QueueRef = { adapter: 'test.none', lane: 'batch' };
    try {
      // Active and failed: taken by hand (a worker without a processor), one of them failed.
      for (let i = 0; i < 3; i++) await queue(a).add('hop', hop('test.a'), { attempts: 1 });
      const taker = worker(a);
      const [first, second] = [await taker.getNextJob('t1'), await taker.getNextJob('t2')];
      await first!.moveToFailed(new Error('broken'), 't1', false);
      expect(second).toBeDefined();
      // Waiting (plain and prioritized) and delayed, in both lanes.
      await backend.hops.add(hop('test.a'), { priority: 5 });
      await backend.hops.add(hop('test.a', 'batch'), { priority: 5 });
      await queue(aBatch).add('hop', hop('test.a', 'batch'));
      await queue(aBatch).add('hop', hop('test.a', 'batch'), { delay: 60_000 });
      await queue(b).add('hop', hop('test.b'), { delay: 60_000, priority: 3 });
      // A paused queue keeps its waiting hops where they were.
      await queue(b).add('hop', hop('test.b'));
      await queue(b).pause();

      const refs = [a, aBatch, b, none];
      const pipelines = vi.spyOn(Redis.prototype, 'pipeline');
      const counts = await backend.hops.counts!(refs);
      // A pipeline of 5 reads per queue (each queue has a Redis Cluster slot of its own), all sent
      // in one turn: no script, no Queue object.
      expect(pipelines).toHaveBeenCalledTimes(refs.length);
      for (const made of pipelines.mock.results) expect(made.value).toHaveProperty('length', 5);
      pipelines.mockRestore();

      const expected = await Promise.all(
        refs.map(async (ref) => {
          const c = await queue(ref).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
          return {
            ...ref,
            waiting: c.waiting! + c.prioritized!,
            active: c.active!,
            delayed: c.delayed!,
            failed: c.failed!,
          };
        }),
      );
      expect(counts).toEqual(expected);
      expect(counts).toEqual([
        { ...a, waiting: 2, active: 1, delayed: 0, failed: 1 },
        { ...aBatch, waiting: 2, active: 0, delayed: 1, failed: 0 },
        { ...b, waiting: 1, active: 0, delayed: 1, failed: 0 },
        { ...none, waiting: 0, active: 0, delayed: 0, failed: 0 },
      ]);
      await taker.close();
    } finally {
      await Promise.all([...queues.values()].map((q) => q.close()));
      await connection.quit();
    }
  });
});
