import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdapterError, type Adapter, type AdapterInput, type AdapterRequest } from '@omnigate/adapters';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { AdapterHealth } from '../adapters/adapter-health';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { FsBlobStore } from '../blobs/fs-blob-store';
import { loadConfig, type AppConfig } from '../config/app-config';
import type { JobBackend } from './job-backend';
import { createJobBackend } from './job-backend.factory';
import { jobKey } from './redis-job-store';
import type { HopJob, JobRecord, PlannedRoute } from '../jobs/job-record';
import { HopRunner } from '../jobs/hop-runner';
import { JobEndings } from '../jobs/job-endings';
import { waitForJob } from '../jobs/job-waiter';
import type { HopHandler } from '../jobs/job-ports';
import { laneField, type WorkLane } from '../jobs/work-lanes';

const logger = pino({ level: 'silent' });

/** A text adapter whose behaviour the input text chooses: upper-case it, fail, or take its time. */
class ScriptedAdapter implements Adapter {
  readonly descriptor;
  calls = 0;
  /** When each call started (ms since the epoch). */
  readonly startedAt: number[] = [];

  constructor(id = 'test.scripted') {
    this.descriptor = {
      id,
      version: '1.0.0',
      concurrency: 4,
      capabilities: [{ task: 'upper', inputs: ['text'], output: 'text' }],
    };
  }
  private readonly failures = new Map<string, number>();

  async invoke(request: AdapterRequest, context: Parameters<Adapter['invoke']>[1]) {
    this.calls++;
    this.startedAt.push(Date.now());
    const text = (await context.blobs.read(request.inputs[0].blobId)).toString('utf8');
    const wait = /^wait:(\d+)$/.exec(text);
    if (wait && this.calls === 1) {
      throw new AdapterError('rate_limited', 'upstream 429', {
        retryable: true,
        retryAfterMs: Number(wait[1]),
      });
    }
    if (text === 'bad' || text.endsWith(':bad'))
      throw AdapterError.unprocessable('this input can never work');
    const flaky = /^flaky:(\d+)$/.exec(text);
    if (flaky) {
      const seen = (this.failures.get(text) ?? 0) + 1;
      this.failures.set(text, seen);
      if (seen <= Number(flaky[1]))
        throw new AdapterError('adapter_failed', 'upstream 503', { retryable: true });
    }
    const slow = /^slow:(\d+)$/.exec(text);
    if (slow) await new Promise((r) => setTimeout(r, Number(slow[1])));
    return { outputs: [{ modality: 'text', mediaType: 'text/plain', text: text.toUpperCase() }] };
  }
}

/** A second adapter for the same task, for fallback: marks what it did. */
class BackupAdapter implements Adapter {
  readonly descriptor = {
    id: 'test.backup',
    version: '1.0.0',
    capabilities: [{ task: 'upper', inputs: ['text'], output: 'text' }],
  };
  calls = 0;

  async invoke(request: AdapterRequest, context: Parameters<Adapter['invoke']>[1]) {
    this.calls++;
    const text = (await context.blobs.read(request.inputs[0].blobId)).toString('utf8');
    return { outputs: [{ modality: 'text', mediaType: 'text/plain', text: `backup:${text}` }] };
  }
}

const routeThrough = (adapter: string): PlannedRoute => ({
  plan: [{ adapter, task: 'upper', output: { modality: 'text' }, options: {} }],
  route: [{ adapter, task: 'upper', from: ['text'], to: 'text' }],
});

function queuedRecord(id: string, inputs: AdapterInput[], alternatives: PlannedRoute[] = []): JobRecord {
  return {
    id,
    status: 'queued',
    outputs: [],
    ...routeThrough('test.scripted'),
    detected: [],
    warnings: [],
    timings: {},
    createdAt: new Date().toISOString(),
    outputSpec: { modality: 'text' },
    priority: 5,
    inputs,
    alternatives,
  };
}

const textInput = (blob: { id: string; bytes: number }): AdapterInput => ({
  modality: 'text',
  mediaType: 'text/plain',
  blobId: blob.id,
  bytes: blob.bytes,
});

function upperHop(id: string, inputs: AdapterInput[], adapter = 'test.scripted'): HopJob {
  return {
    jobId: id,
    generation: 0,
    hop: 0,
    adapter,
    task: 'upper',
    inputs,
    output: { modality: 'text' },
    options: {},
  };
}

for (const driver of ['inline', 'bullmq'] as const) {
  describe(`queue contract: ${driver}`, () => {
    let dir: string;
    let config: AppConfig;
    let backend: JobBackend;
    let blobs: FsBlobStore;
    let adapter: ScriptedAdapter;
    let backup: BackupAdapter;
    let limited: ScriptedAdapter;
    let runner: HopRunner;
    const rateLimitWindowMs = 600;
    const rateLimit = { max: 2, durationMs: rateLimitWindowMs };

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'omnigate-queue-'));
      config = loadConfig({
        QUEUE_DRIVER: driver,
        REDIS_URL: inject('redisUrl'),
        QUEUE_PREFIX: `test-${randomUUID()}`,
        JOB_BACKOFF_MS: '20',
        JOB_ATTEMPTS: '3',
      });
      blobs = new FsBlobStore(dir);
      adapter = new ScriptedAdapter();
      backup = new BackupAdapter();
      limited = new ScriptedAdapter('test.limited');
      backend = await createJobBackend(config, logger);
      runner = new HopRunner(
        new AdapterRegistry([adapter, backup, limited]),
        blobs,
        backend.store,
        backend.hops,
        new AdapterHealth({ failures: 100, cooldownMs: 1000 }, backend.bus, logger),
        new JobEndings(logger),
        logger,
      );
      await backend.hops.work(adapter.descriptor.id, { concurrency: 4 }, runner.handle);
      await backend.hops.work(backup.descriptor.id, { concurrency: 4 }, runner.handle);
      await backend.hops.work(limited.descriptor.id, { concurrency: 4, rateLimit }, runner.handle);
    });

    afterEach(async () => {
      await backend.close(5000);
      rmSync(dir, { recursive: true, force: true });
    });

    /** Queues `text` for test.scripted; `alternatives` are the routes it may fall back to. */
    async function submit(
      text: string,
      alternatives: PlannedRoute[] = [],
      adapterId = 'test.scripted',
      lane: WorkLane = 'interactive',
    ): Promise<string> {
      const blob = await blobs.put(Buffer.from(text), { mediaType: 'text/plain' });
      const id = randomUUID();
      const inputs = [textInput(blob)];
      await backend.store.create(queuedRecord(id, inputs, alternatives));
      await backend.hops.add({ ...upperHop(id, inputs, adapterId), ...laneField(lane) }, { priority: 5 });
      return id;
    }

    it('runs a job and hands the result to the waiting request', async () => {
      const id = await submit('hello');
      const record = await waitForJob(backend.store, id, 10_000);
      expect(record?.status).toBe('completed');
      expect(record?.outputs).toEqual([{ modality: 'text', mediaType: 'text/plain', text: 'HELLO' }]);
      expect(record?.route[0].ms).toBeGreaterThanOrEqual(0);
      expect(record?.timings.totalMs).toBeGreaterThanOrEqual(0);
    });

    it('answers a waiter that arrives after the job ended', async () => {
      const id = await submit('late');
      await waitForJob(backend.store, id, 10_000);
      const again = await waitForJob(backend.store, id, 10_000);
      expect(again?.outputs[0].text).toBe('LATE');
    });

    it('returns the current state when the wait runs out', async () => {
      const id = await submit('slow:800');
      const early = await waitForJob(backend.store, id, 300);
      expect(early).toMatchObject({ status: 'active', attempts: 1 });
      const done = await waitForJob(backend.store, id, 10_000);
      expect(done?.status).toBe('completed');
    });

    it('retries a retryable failure with backoff, then succeeds', async () => {
      const id = await submit('flaky:2');
      const record = await waitForJob(backend.store, id, 10_000);
      expect(record?.status).toBe('completed');
      expect(record?.attempts).toBe(3);
      expect(adapter.calls).toBe(3);
    });

    it('gives up after the last attempt', async () => {
      const id = await submit('flaky:5');
      const record = await waitForJob(backend.store, id, 10_000);
      expect(record?.status).toBe('failed');
      expect(record?.error?.code).toBe('adapter_failed');
      expect(record?.attempts).toBe(3);
    });

    it("waits as long as the upstream's Retry-After asks before trying again", async () => {
      const id = await submit('wait:700');
      const record = await waitForJob(backend.store, id, 10_000);
      expect(record?.status).toBe('completed');
      const [first, second] = adapter.startedAt;
      expect(second - first).toBeGreaterThanOrEqual(680);
    });

    it("starts no more of an adapter's hops than its rate limit allows", async () => {
      const ids = await Promise.all(['a', 'b', 'c', 'd'].map((t) => submit(t, [], 'test.limited')));
      const records = await Promise.all(ids.map((id) => waitForJob(backend.store, id, 10_000)));
      expect(records.every((r) => r?.status === 'completed')).toBe(true);
      const starts = [...limited.startedAt].sort((a, b) => a - b);
      // Two in the first window, the other two only once it has passed.
      expect(starts[2] - starts[0]).toBeGreaterThanOrEqual(550);
      expect(starts[1] - starts[0]).toBeLessThan(rateLimitWindowMs);
    });

    it("shares an adapter's rate limit between its lanes", async () => {
      await backend.hops.work(limited.descriptor.id, { concurrency: 4, rateLimit }, runner.handle, 'batch');
      const ids = await Promise.all([
        ...['a', 'b'].map((t) => submit(t, [], 'test.limited', 'batch')),
        ...['c', 'd'].map((t) => submit(t, [], 'test.limited')),
      ]);
      const records = await Promise.all(ids.map((id) => waitForJob(backend.store, id, 10_000)));
      expect(records.every((r) => r?.status === 'completed')).toBe(true);
      const starts = [...limited.startedAt].sort((a, b) => a - b);
      // Two in the first window, whichever their lane; the other two once it has passed.
      expect(starts[2] - starts[0]).toBeGreaterThanOrEqual(550);
      expect(starts[1] - starts[0]).toBeLessThan(rateLimitWindowMs);
    });

    it('keeps a batch hop, and the next hops of its job, on the batch lane', async () => {
      const blob = await blobs.put(Buffer.from('lane'), { mediaType: 'text/plain' });
      const inputs = [textInput(blob)];
      const id = randomUUID();
      await backend.store.create({
        ...queuedRecord(id, inputs),
        plan: [routeThrough('test.backup').plan[0], routeThrough('test.scripted').plan[0]],
        route: [routeThrough('test.backup').route[0], routeThrough('test.scripted').route[0]],
      });
      const hop = { ...upperHop(id, inputs, 'test.backup'), lane: 'batch' as const };
      if (driver === 'inline') {
        // In-process, a lane nobody works has no queue: the job cannot be accepted.
        await expect(backend.hops.add(hop, { priority: 5 })).rejects.toMatchObject({ code: 'unavailable' });
      } else {
        // The interactive workers leave it alone; an interactive job is served meanwhile.
        await backend.hops.add(hop, { priority: 5 });
        const interactive = await waitForJob(backend.store, await submit('meanwhile'), 10_000);
        expect(interactive?.status).toBe('completed');
        await new Promise((r) => setTimeout(r, 200));
        expect((await backend.store.get(id))?.status).toBe('queued');
      }
      const onBatchLane: HopJob[] = [];
      const batchHandler: HopHandler = (job, run) => {
        onBatchLane.push(job);
        return runner.handle(job, run);
      };
      for (const worked of [adapter, backup]) {
        await backend.hops.work(worked.descriptor.id, { concurrency: 2 }, batchHandler, 'batch');
      }
      if (driver === 'inline') await backend.hops.add(hop, { priority: 5 });
      const record = await waitForJob(backend.store, id, 10_000);
      expect(record).toMatchObject({ status: 'completed', outputs: [{ text: 'BACKUP:LANE' }] });
      expect(onBatchLane.map((h) => [h.hop, h.adapter, h.lane])).toEqual([
        [0, 'test.backup', 'batch'],
        [1, 'test.scripted', 'batch'],
      ]);
    });

    it('counts hops started outside the queue (admit) in the window its workers count theirs in', async () => {
      const limit = { max: 2, durationMs: rateLimitWindowMs };
      const admittedAt = Date.now();
      const admitted = [
        await backend.hops.admit?.('test.limited', limit),
        await backend.hops.admit?.('test.limited', limit),
        await backend.hops.admit?.('test.limited', limit),
      ];
      expect(admitted).toEqual([true, true, false]);
      // The window is full: the queued hop waits for the next one.
      const id = await submit('queued', [], 'test.limited');
      expect((await waitForJob(backend.store, id, 10_000))?.status).toBe('completed');
      expect(limited.startedAt[0] - admittedAt).toBeGreaterThanOrEqual(rateLimitWindowMs - 50);
      // An adapter this process does not serve counts nothing here.
      if (driver === 'inline') expect(await backend.hops.admit?.('test.nobody', limit)).toBe(false);
    });

    it('runs a two-hop chain, each hop on its own queue, and names the hop that fails', async () => {
      const chain: PlannedRoute = {
        plan: [routeThrough('test.backup').plan[0], routeThrough('test.scripted').plan[0]],
        route: [routeThrough('test.backup').route[0], routeThrough('test.scripted').route[0]],
      };
      const start = async (text: string) => {
        const blob = await blobs.put(Buffer.from(text), { mediaType: 'text/plain' });
        const id = randomUUID();
        const inputs = [textInput(blob)];
        await backend.store.create({ ...queuedRecord(id, inputs), ...chain });
        await backend.hops.add({ ...upperHop(id, inputs, 'test.backup') }, { priority: 5 });
        return waitForJob(backend.store, id, 10_000);
      };
      const done = await start('chain');
      expect(done?.status).toBe('completed');
      expect(done?.outputs[0].text).toBe('BACKUP:CHAIN');
      expect(done?.route.every((step) => typeof step.ms === 'number')).toBe(true);
      const failed = await start('bad');
      expect(failed?.status).toBe('failed');
      expect(failed?.error?.message).toMatch(/^hop 2 of 2 \(test\.scripted\): /);
      expect(failed?.error?.details).toMatchObject({ hop: 1, adapter: 'test.scripted' });
      expect(failed?.route[0].ms).toBeGreaterThanOrEqual(0);
    });

    it('falls back to the next route once the first keeps failing retryably', async () => {
      const id = await submit('flaky:5', [routeThrough('test.backup')]);
      const record = await waitForJob(backend.store, id, 10_000);
      expect(record?.status).toBe('completed');
      expect(record?.outputs[0].text).toBe('backup:flaky:5');
      expect(record?.route.map((s) => s.adapter)).toEqual(['test.backup']);
      expect(record?.fallbacks).toEqual([
        {
          adapter: 'test.scripted',
          route: [expect.objectContaining({ adapter: 'test.scripted' })],
          error: expect.objectContaining({ code: 'adapter_failed', message: 'upstream 503' }),
        },
      ]);
      expect([adapter.calls, backup.calls]).toEqual([3, 1]);
    });

    it('skips alternatives that go through the adapter that failed', async () => {
      const id = await submit('flaky:5', [routeThrough('test.scripted'), routeThrough('test.backup')]);
      const record = await waitForJob(backend.store, id, 10_000);
      expect(record?.route.map((s) => s.adapter)).toEqual(['test.backup']);
      expect(adapter.calls).toBe(3);
    });

    it('does not fall back on bad input: another route would not make it good', async () => {
      const id = await submit('bad', [routeThrough('test.backup')]);
      const record = await waitForJob(backend.store, id, 10_000);
      expect(record?.status).toBe('failed');
      expect(record?.fallbacks).toBeUndefined();
      expect(backup.calls).toBe(0);
    });

    it('fails bad input at once, without retries', async () => {
      const id = await submit('bad');
      const record = await waitForJob(backend.store, id, 10_000);
      expect(record?.status).toBe('failed');
      expect(record?.error).toMatchObject({ code: 'unprocessable_input' });
      expect(adapter.calls).toBe(1);
    });

    it('waits for many jobs at once and delivers each result to its own request', async () => {
      const texts = Array.from({ length: 40 }, (_, i) => `job-${i}`);
      const ids = await Promise.all(texts.map((text) => submit(text)));
      const records = await Promise.all(ids.map((id) => waitForJob(backend.store, id, 15_000)));
      expect(records.map((r) => r?.outputs[0].text)).toEqual(texts.map((t) => t.toUpperCase()));
    });

    it('lets an active job finish on graceful shutdown', async () => {
      const id = await submit('slow:500');
      await new Promise((r) => setTimeout(r, 150));
      await backend.close(5000);
      const record = await backend.store.get(id).catch(() => undefined);
      if (driver === 'inline') {
        expect(record?.status).toBe('completed');
      } else {
        // The Redis connection is closed now: read the record with a fresh client.
        const redis = new Redis(config.queue.redisUrl);
        const raw = await redis.get(jobKey(config.queue.prefix, id));
        await redis.quit();
        expect((JSON.parse(raw!) as JobRecord).status).toBe('completed');
      }
      backend = { ...backend, close: async () => {} } as JobBackend;
    });
  });
}

describe('queue contract: bullmq specifics', () => {
  it('uses the same Redis connections however many requests wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnigate-queue-'));
    const prefix = `test-${randomUUID()}`;
    const config = loadConfig({
      QUEUE_DRIVER: 'bullmq',
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
    });
    const backend = await createJobBackend(config, logger);
    const blobs = new FsBlobStore(dir);
    const adapter = new ScriptedAdapter();
    const health = new AdapterHealth({ failures: 100, cooldownMs: 1000 }, backend.bus, logger);
    const runner = new HopRunner(
      new AdapterRegistry([adapter]),
      blobs,
      backend.store,
      backend.hops,
      health,
      new JobEndings(logger),
      logger,
    );
    const admin = new Redis(config.queue.redisUrl);
    const clients = async () =>
      String(await admin.client('LIST'))
        .trim()
        .split('\n').length;
    try {
      const inputs = [textInput(await blobs.put(Buffer.from('slow:300')))];
      const before = await clients();
      const ids = Array.from({ length: 30 }, () => randomUUID());
      for (const id of ids) await backend.store.create(queuedRecord(id, inputs));
      const waits = ids.map((id) => waitForJob(backend.store, id, 10_000));
      expect(await clients()).toBe(before);
      await backend.hops.work(adapter.descriptor.id, { concurrency: 8 }, runner.handle);
      for (const id of ids) await backend.hops.add(upperHop(id, inputs), { priority: 5 });
      const done = await Promise.all(waits);
      expect(done.every((r) => r?.status === 'completed')).toBe(true);
    } finally {
      await admin.quit();
      await backend.close(5000);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
