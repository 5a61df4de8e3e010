import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { AdapterHealth } from '../adapters/adapter-health';
import { loadConfig } from '../config/app-config';
import type { HopJob } from '../jobs/job-record';
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
  beforeEach(async () => {
    const config = loadConfig({
      REDIS_URL: inject('redisUrl'),
      QUEUE_DRIVER: 'bullmq',
      QUEUE_PREFIX: `test-${randomUUID()}`,
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
    const reads = vi.spyOn(Queue.prototype, 'getJobCounts');
    const [first, second] = await Promise.all([metrics.scrape(), metrics.scrape()]);
    // One reading: 2 adapters x 2 lanes.
    expect(reads).toHaveBeenCalledTimes(4);
    const queueLines = (text: string) => text.split('\n').filter((l) => l.startsWith('omnigate_queue_hops{'));
    expect(queueLines(first)).toHaveLength(16);
    expect(queueLines(first)).toEqual(queueLines(second));
    await backend.hops.add(hop('test.b'), { priority: 5 });
    const cached = samples(await metrics.scrape());
    expect(reads).toHaveBeenCalledTimes(4);
    expect(cached.get('omnigate_queue_hops{adapter="test.b",lane="interactive",state="waiting"}')).toBe(0);

    await new Promise((r) => setTimeout(r, QUEUE_READ_EVERY_MS + 50));
    const fresh = samples(await metrics.scrape());
    expect(reads).toHaveBeenCalledTimes(8);
    expect(fresh.get('omnigate_queue_hops{adapter="test.b",lane="interactive",state="waiting"}')).toBe(1);
  });
});
