import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdapterError, type Adapter, type AdapterInput, type AdapterRequest } from '@omnigate/adapters';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdapterHealth } from '../adapters/adapter-health';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { FsBlobStore } from '../blobs/fs-blob-store';
import { loadConfig } from '../config/app-config';
import { LocalClusterBus } from '../queue/cluster-bus';
import { InlineJobBackend } from '../queue/inline-job-backend';
import { DirectLane } from './direct-lane';
import { DirectLeases } from './direct-leases';
import { HopRunner, type HopOutcome } from './hop-runner';
import { JobEndings } from './job-endings';
import {
  FinalHopError,
  RetryableHopError,
  type DirectLeaseStore,
  type HopQueue,
  type JobStore,
} from './job-ports';
import type { HopJob, JobRecord, PlannedRoute } from './job-record';

const logger = pino({ level: 'silent' });

/** Answers what the input text says: `bad` is bad input, `flaky` fails retryably, `hang` waits for its abort. */
class TextAdapter implements Adapter {
  readonly descriptor;
  constructor(id: string, concurrency?: number) {
    this.descriptor = {
      id,
      version: '1.0.0',
      capabilities: [{ task: 'upper', inputs: ['text'], output: 'text' }],
      ...(concurrency && { concurrency }),
    };
  }

  async invoke(request: AdapterRequest, context: Parameters<Adapter['invoke']>[1]) {
    const text = (await context.blobs.read(request.inputs[0].blobId)).toString('utf8');
    if (text === 'bad') throw AdapterError.unprocessable('this input can never work');
    if (text === 'flaky') throw new AdapterError('adapter_failed', 'upstream 503', { retryable: true });
    if (text === 'hang') {
      await new Promise((_, reject) =>
        context.signal.addEventListener('abort', () => reject(context.signal.reason)),
      );
    }
    const answer = `${this.descriptor.id}:${text.toUpperCase()}`;
    const outputs = [{ modality: 'text' as const, mediaType: 'text/plain', text: answer }];
    // `usage` reports what a model backend would.
    if (text === 'usage') return { outputs, meta: { usage: { prompt_tokens: 3, completion_tokens: 2 } } };
    return { outputs };
  }
}

const route = (...adapters: string[]): PlannedRoute => ({
  plan: adapters.map((adapter) => ({ adapter, task: 'upper', output: { modality: 'text' }, options: {} })),
  route: adapters.map((adapter) => ({ adapter, task: 'upper', from: ['text'], to: 'text' })),
});

/** A hop queue that keeps what the runner queues, for the test to look at (or run next). */
class RecordingHopQueue implements HopQueue {
  readonly added: HopJob[] = [];
  async add(hop: HopJob): Promise<void> {
    this.added.push(hop);
  }
  async work(): Promise<void> {}
  async stop(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('HopRunner: the lifecycle of a job, one hop at a time', () => {
  let dir: string;
  let blobs: FsBlobStore;
  let store: JobStore;
  let backend: InlineJobBackend;
  let queue: RecordingHopQueue;
  let health: AdapterHealth;
  let ended: JobRecord[];
  let runner: HopRunner;
  let adapters: AdapterRegistry;
  let endings: JobEndings;
  const run = (attempt = 1, max = 3) => ({
    attempt: { number: attempt, max },
    signal: new AbortController().signal,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'omnigate-runner-'));
    blobs = new FsBlobStore(dir);
    backend = new InlineJobBackend(loadConfig({ QUEUE_DRIVER: 'inline', BLOB_DIR: dir }).queue, logger);
    store = backend.store;
    queue = new RecordingHopQueue();
    health = new AdapterHealth({ failures: 2, cooldownMs: 60_000 }, new LocalClusterBus(), logger);
    endings = new JobEndings(logger);
    ended = [];
    endings.onEnded(async (record) => void ended.push(record));
    adapters = new AdapterRegistry(['a', 'b', 'c'].map((id) => new TextAdapter(id)));
    runner = new HopRunner(adapters, blobs, store, queue, health, endings, logger);
  });

  afterEach(async () => {
    await backend.close(0);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A queued job over `text` on `primary`, with `alternatives`, and its first hop. */
  async function start(text: string, primary: PlannedRoute, alternatives: PlannedRoute[] = []) {
    const blob = await blobs.put(Buffer.from(text), { mediaType: 'text/plain' });
    const inputs: AdapterInput[] = [
      { modality: 'text', mediaType: 'text/plain', blobId: blob.id, bytes: blob.bytes },
    ];
    const id = `job-${text}-${primary.plan.map((h) => h.adapter).join('')}`;
    const record: JobRecord = {
      id,
      status: 'queued',
      outputs: [],
      ...primary,
      detected: [],
      warnings: [],
      timings: {},
      createdAt: new Date().toISOString(),
      outputSpec: { modality: 'text' },
      priority: 5,
      inputs,
      alternatives,
    };
    await store.create(record);
    const hop: HopJob = { jobId: id, generation: 0, hop: 0, inputs, ...primary.plan[0] };
    return { id, hop, record };
  }

  it('completes a one-hop job: outputs and timings saved, its end announced once', async () => {
    const { id, hop } = await start('hi', route('a'));
    await runner.handle(hop, run());
    const record = await store.get(id);
    expect(record).toMatchObject({ status: 'completed', attempts: 1, outputs: [{ text: 'a:HI' }] });
    expect(record?.timings.totalMs).toBeGreaterThanOrEqual(0);
    expect(ended.map((r) => [r.id, r.status])).toEqual([[id, 'completed']]);
    expect(queue.added).toEqual([]);
  });

  it('advances a chain: the next hop is queued with what the first changed, the record is not rewritten', async () => {
    const { id, hop } = await start('hi', route('a', 'b'));
    await runner.handle(hop, run());
    expect(queue.added).toHaveLength(1);
    const next = queue.added[0];
    expect(next).toMatchObject({ jobId: id, hop: 1, adapter: 'b', generation: 0 });
    expect(next.carried?.route[0].ms).toBeGreaterThanOrEqual(0);
    expect((await store.get(id))?.status).toBe('active');
    expect(ended).toEqual([]);
    // The first hop's small text output rides in the next hop.
    await runner.handle(next, run());
    expect(await store.get(id)).toMatchObject({ status: 'completed', outputs: [{ text: 'b:A:HI' }] });
    expect(ended).toHaveLength(1);
  });

  it('keeps a batch line in the batch lane: its next hop and its fallback route too', async () => {
    const chain = await start('hi', route('a', 'b'));
    await runner.handle({ ...chain.hop, lane: 'batch' }, run());
    expect(queue.added).toMatchObject([{ jobId: chain.id, hop: 1, adapter: 'b', lane: 'batch' }]);
    const failing = await start('flaky', route('a'), [route('c')]);
    await expect(runner.handle({ ...failing.hop, lane: 'batch' }, run(3, 3))).rejects.toBeInstanceOf(
      FinalHopError,
    );
    expect(queue.added[1]).toMatchObject({ jobId: failing.id, generation: 1, adapter: 'c', lane: 'batch' });
    // An interactive hop's next hop carries no lane (interactive).
    const plain = await start('ho', route('a', 'b'));
    await runner.handle(plain.hop, run());
    expect(queue.added[2]).toMatchObject({ jobId: plain.id, hop: 1 });
    expect(queue.added[2]).not.toHaveProperty('lane');
  });

  it('fails bad input at once: no retry, no fallback, not counted against the adapter', async () => {
    const { id, hop } = await start('bad', route('a'), [route('b')]);
    await expect(runner.handle(hop, run(1, 3))).rejects.toBeInstanceOf(FinalHopError);
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: { code: 'unprocessable_input' } });
    expect(queue.added).toEqual([]);
    expect(health.view('a').failures).toBe(0);
    expect(ended.map((r) => r.status)).toEqual(['failed']);
  });

  it('asks for a retry of a retryable failure before the last attempt, and records nothing', async () => {
    const { id, hop } = await start('flaky', route('a'));
    await expect(runner.handle(hop, run(1, 3))).rejects.toBeInstanceOf(RetryableHopError);
    expect((await store.get(id))?.status).toBe('active');
    expect(health.view('a').failures).toBe(1);
    expect(ended).toEqual([]);
  });

  it('falls back after the last attempt: the next route that avoids the failed adapter starts from the inputs', async () => {
    const { id, hop } = await start('flaky', route('a'), [route('a', 'b'), route('c')]);
    await expect(runner.handle(hop, run(3, 3))).rejects.toBeInstanceOf(FinalHopError);
    const record = await store.get(id);
    expect(record).toMatchObject({ status: 'active', fallbacks: [{ adapter: 'a' }], alternatives: [] });
    expect(record?.route.map((s) => s.adapter)).toEqual(['c']);
    expect(queue.added).toMatchObject([{ jobId: id, generation: 1, hop: 0, adapter: 'c' }]);
    expect(ended).toEqual([]);
    // A hop of the abandoned route that still arrives is dropped.
    await runner.handle({ ...hop, hop: 0 }, run());
    expect((await store.get(id))?.status).toBe('active');
  });

  it('fails for good when no route is left, naming the hop', async () => {
    const { id, hop } = await start('flaky', route('a'));
    await expect(runner.handle(hop, run(3, 3))).rejects.toBeInstanceOf(FinalHopError);
    expect(await store.get(id)).toMatchObject({
      status: 'failed',
      error: { code: 'adapter_failed', details: { hop: 0, adapter: 'a' } },
    });
    expect(ended).toHaveLength(1);
  });

  it('stops a running hop when its job is cancelled, and saves no outcome', async () => {
    const { id, hop } = await start('hang', route('a'));
    const handled = runner.handle(hop, run());
    await new Promise((r) => setTimeout(r, 20));
    runner.cancel(id);
    await expect(handled).rejects.toBeInstanceOf(FinalHopError);
    expect((await store.get(id))?.status).toBe('active');
    expect(ended).toEqual([]);
  });

  it("tells its observer of every adapter's answer with its meta; an observer that throws costs nothing", async () => {
    const answers: [string, unknown][] = [];
    const observed = new HopRunner(adapters, blobs, store, queue, health, endings, logger, undefined, {
      hopRan: () => undefined,
      hopAnswered: (adapter, meta) => void answers.push([adapter, meta]),
    });
    await observed.handle((await start('usage', route('a'))).hop, run());
    await observed.handle((await start('plain', route('b'))).hop, run());
    await expect(observed.handle((await start('bad', route('c'))).hop, run())).rejects.toThrow();
    expect(answers).toEqual([
      ['a', { usage: { prompt_tokens: 3, completion_tokens: 2 } }],
      ['b', undefined],
    ]);

    const throwing = new HopRunner(adapters, blobs, store, queue, health, endings, logger, undefined, {
      hopRan: () => undefined,
      hopAnswered: () => {
        throw new Error('observer bug');
      },
    });
    const { id, hop } = await start('usage', route('a'));
    await throwing.handle(hop, run());
    expect((await store.get(id))?.status).toBe('completed');
  });

  it('tells its observer how every run ended, by adapter: completed, retried, failed, cancelled', async () => {
    const runs: [string, HopOutcome, number][] = [];
    const observed = new HopRunner(adapters, blobs, store, queue, health, endings, logger, undefined, {
      hopRan: (adapter, outcome, ms) => void runs.push([adapter, outcome, ms]),
    });
    await observed.handle((await start('hi', route('a'))).hop, run());
    await expect(observed.handle((await start('flaky', route('b'))).hop, run(1, 3))).rejects.toThrow();
    await expect(observed.handle((await start('bad', route('c'))).hop, run())).rejects.toThrow();
    const hanging = await start('hang', route('a'));
    const handled = observed.handle(hanging.hop, run());
    await new Promise((r) => setTimeout(r, 20));
    observed.cancel(hanging.id);
    await expect(handled).rejects.toBeInstanceOf(FinalHopError);
    expect(runs.map(([adapter, outcome]) => [adapter, outcome])).toEqual([
      ['a', 'completed'],
      ['b', 'retried'],
      ['c', 'failed'],
      ['a', 'cancelled'],
    ]);
    expect(runs.every(([, , ms]) => ms >= 0)).toBe(true);
  });

  it('direct lane: a job whose record is still being written runs its first call, and nothing that reads the record', async () => {
    const config = loadConfig({ QUEUE_DRIVER: 'inline', BLOB_DIR: dir });
    const direct = new HopRunner(adapters, blobs, store, queue, health, endings, logger, {
      slots: new DirectLane(config, adapters),
      retry: { attempts: 2, backoffMs: 1 },
    });
    const { id, hop, record } = await start('hi', route('a', 'b'));
    // As if the create had not landed yet: the record is gone until `saved` settles.
    await store.save({ ...record, status: 'failed' }, { id, status: 'failed' });
    let write!: () => void;
    const saved = new Promise<void>((resolve) => (write = resolve)).then(() =>
      store.save(record, { id, status: 'queued' }),
    );
    direct.startHere(hop, record, direct.reserve('a') as () => void, saved);
    await new Promise((r) => setTimeout(r, 30));
    // The first hop ran; its next one (here, in the lane) waits for the record.
    expect(ended).toEqual([]);
    expect(queue.added).toEqual([]);
    write();
    await expect.poll(() => ended.map((r) => [r.id, r.status])).toEqual([[id, 'completed']]);
    await direct.close(1000);
    expect(await store.get(id)).toMatchObject({ status: 'completed', outputs: [{ text: 'b:A:HI' }] });
  });

  it('direct lane: the next hop of a job whose record is still being written is queued only once it is stored', async () => {
    // Adapter b has no worker here: its hop takes the queue.
    const config = loadConfig({ QUEUE_DRIVER: 'inline', BLOB_DIR: dir, WORKER_ADAPTERS: 'a' });
    const direct = new HopRunner(adapters, blobs, store, queue, health, endings, logger, {
      slots: new DirectLane(config, adapters),
      retry: { attempts: 2, backoffMs: 1 },
    });
    const { id, hop, record } = await start('hi', route('a', 'b'));
    let write!: () => void;
    const saved = new Promise<void>((resolve) => (write = resolve));
    direct.startHere(hop, record, direct.reserve('a') as () => void, saved);
    await new Promise((r) => setTimeout(r, 30));
    expect(queue.added).toEqual([]);
    write();
    await direct.close(1000);
    expect(queue.added).toMatchObject([{ jobId: id, hop: 1, adapter: 'b' }]);
  });

  describe('in the direct lane', () => {
    /** What the runner did with leases: renewed (ids per call) and dropped. */
    const leaseLog = () => {
      const log = { renewed: [] as string[][], dropped: [] as string[] };
      const store: DirectLeaseStore = {
        renew: async (ids) => void log.renewed.push([...ids]),
        drop: async (id) => void log.dropped.push(id),
        expired: async () => [],
        expire: async () => false,
      };
      return { log, store };
    };

    /** A runner whose direct lane serves `served` (WORKER_ADAPTERS), its leases recorded. */
    const directRunner = (served: string) => {
      const { log, store: leaseStore } = leaseLog();
      const endings = new JobEndings(logger);
      endings.onEnded(async (record) => void ended.push(record));
      const adapters = new AdapterRegistry(['a', 'b', 'c'].map((id) => new TextAdapter(id)));
      const config = loadConfig({ QUEUE_DRIVER: 'inline', WORKER_ADAPTERS: served });
      const leases = new DirectLeases(
        leaseStore,
        store,
        endings,
        { ttlMs: 60_000, sweepEveryMs: 60_000 },
        logger,
      );
      const direct = new HopRunner(adapters, blobs, store, queue, health, endings, logger, {
        slots: new DirectLane(config, adapters),
        retry: { attempts: 3, backoffMs: 1 },
        leases,
      });
      return { direct, leases, log };
    };

    it('holds the job’s lease while its hops run here, and lets it go with the end that drops it', async () => {
      const { direct, leases, log } = directRunner('a,b');
      const { id, hop } = await start('hi', route('a', 'b'));
      const record = await store.get(id);
      const release = direct.reserve('a');
      expect(typeof release).toBe('function');
      expect(direct.leaseMs).toBe(60_000);
      direct.startHere(hop, record!, release as () => void, Promise.resolve());
      await leases.renew();
      expect(log.renewed).toEqual([[id]]);
      await expect.poll(() => ended.map((r) => r.id)).toEqual([id]);
      await direct.close(1000);
      expect(await store.get(id)).toMatchObject({ status: 'completed', outputs: [{ text: 'b:A:HI' }] });
      expect(queue.added).toEqual([]);
      // The save that ended the job dropped the lease: nothing is renewed, nothing dropped apart.
      await leases.renew();
      expect(log.renewed).toHaveLength(1);
      expect(log.dropped).toEqual([]);
    });

    it('hands the lease off when the next hop takes the queue', async () => {
      const { direct, leases, log } = directRunner('a');
      const { id, hop } = await start('hi', route('a', 'b'));
      const record = await store.get(id);
      direct.startHere(hop, record!, direct.reserve('a') as () => void, Promise.resolve());
      await expect.poll(() => queue.added.length).toBe(1);
      await direct.close(1000);
      expect(queue.added[0]).toMatchObject({ jobId: id, hop: 1, adapter: 'b' });
      expect(queue.added[0].direct).toBeUndefined();
      await new Promise((r) => setImmediate(r));
      expect(log.dropped).toEqual([id]);
      await leases.renew();
      expect(log.renewed).toEqual([]);
    });

    it('runs many hops at once without a listener leak warning, and aborts them all at the end of the grace', async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => void warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const wide = new AdapterRegistry([new TextAdapter('a', 16)]);
        const config = loadConfig({ QUEUE_DRIVER: 'inline', BLOB_DIR: dir });
        const direct = new HopRunner(wide, blobs, store, queue, health, endings, logger, {
          slots: new DirectLane(config, wide),
          retry: { attempts: 1, backoffMs: 1 },
        });
        // Twelve jobs like the one `start` makes, each its own record.
        const { hop, record } = await start('hang', route('a'));
        const jobs = await Promise.all(
          Array.from({ length: 12 }, async (_, i) => {
            const own = { ...record, id: `${record.id}-${i}` };
            await store.create(own);
            return { hop: { ...hop, jobId: own.id }, record: own };
          }),
        );
        for (const { hop, record } of jobs) {
          direct.startHere(hop, record, direct.reserve('a') as () => void, Promise.resolve());
        }
        await new Promise((r) => setTimeout(r, 30));
        // Node would warn (on a later tick) once an eleventh listener was added.
        expect(warnings.map((w) => w.name)).toEqual([]);
        await direct.close(10);
        await expect.poll(() => ended.length).toBe(12);
        expect(new Set(ended.map((r) => r.status))).toEqual(new Set(['failed']));
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('starts nothing more here once it is closing: the next hop takes the queue', async () => {
      const { direct, log } = directRunner('a,b');
      const { id, hop } = await start('hi', route('a', 'b'));
      const record = await store.get(id);
      direct.startHere(hop, record!, direct.reserve('a') as () => void, Promise.resolve());
      await direct.close(1000);
      expect(direct.reserve('a')).toBeUndefined();
      expect(queue.added).toMatchObject([{ jobId: id, hop: 1, adapter: 'b' }]);
      expect(log.dropped).toEqual([id]);
    });
  });
});
