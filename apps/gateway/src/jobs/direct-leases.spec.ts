import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/app-config';
import { InlineJobBackend } from '../queue/inline-job-backend';
import { DirectLeases, LOST_MESSAGE } from './direct-leases';
import { JobEndings } from './job-endings';
import type { DirectLeaseStore, JobStore } from './job-ports';
import type { JobEvent, JobRecord } from './job-record';

const logger = pino({ level: 'silent' });

/**
 * Leases in memory on a clock the test moves; saves what `expire` fails into the job store (as
 * the Redis one does in one step). `sweeper` says whether this process wins the sweep's lock.
 */
class FakeLeaseStore implements DirectLeaseStore {
  now = 1_000_000;
  sweeper = true;
  readonly until = new Map<string, number>();
  readonly renewals: string[][] = [];
  /** Runs inside `expire`, after the read of the record: what another process does meanwhile. */
  meanwhile?: () => void;

  constructor(private readonly store: JobStore) {}

  take(id: string, leaseMs: number): void {
    this.until.set(id, this.now + leaseMs);
  }
  async renew(ids: readonly string[], leaseMs: number): Promise<void> {
    this.renewals.push([...ids]);
    for (const id of ids) if (this.until.has(id)) this.until.set(id, this.now + leaseMs);
  }
  async drop(id: string): Promise<void> {
    this.until.delete(id);
  }
  async expired(_everyMs: number, limit: number): Promise<string[]> {
    if (!this.sweeper) return [];
    return [...this.until]
      .filter(([, until]) => until <= this.now)
      .map(([id]) => id)
      .slice(0, limit);
  }
  async expire(id: string, failed?: JobRecord): Promise<boolean> {
    this.meanwhile?.();
    const until = this.until.get(id);
    if (until === undefined || until > this.now) return false;
    this.until.delete(id);
    if (failed) await this.store.save(failed, { id, status: failed.status, record: failed });
    return true;
  }
}

const record = (id: string, status: JobRecord['status'] = 'queued'): JobRecord => ({
  id,
  status,
  outputs: [],
  plan: [{ adapter: 'a', task: 't', output: { modality: 'text' }, options: {} }],
  route: [{ adapter: 'a', task: 't', from: ['text'], to: 'text' }],
  detected: [],
  warnings: [],
  timings: {},
  createdAt: new Date(Date.now() - 1000).toISOString(),
  outputSpec: { modality: 'text' },
  priority: 5,
  inputs: [],
  alternatives: [],
});

describe('DirectLeases: a direct-lane job whose process died is failed by another', () => {
  let backend: InlineJobBackend;
  let store: JobStore;
  let fake: FakeLeaseStore;
  let endings: JobEndings;
  let ended: JobRecord[];
  let leases: DirectLeases;
  const ttlMs = 3000;

  beforeEach(() => {
    backend = new InlineJobBackend(loadConfig({ QUEUE_DRIVER: 'inline' }).queue, logger);
    store = backend.store;
    fake = new FakeLeaseStore(store);
    endings = new JobEndings(logger);
    ended = [];
    endings.onEnded(async (r) => void ended.push(r));
    leases = new DirectLeases(fake, store, endings, { ttlMs, sweepEveryMs: 1000 }, logger);
  });

  afterEach(async () => {
    leases.close();
    await backend.close(0);
  });

  /** A job created with its lease, as the direct lane creates one, and marked active. */
  async function running(id: string): Promise<void> {
    await store.create(record(id));
    fake.take(id, ttlMs);
    await store.markActive(id, 1);
  }

  it('fails a job whose lease ran out while it was active, announcing the end to waiters and listeners', async () => {
    await running('lost');
    const events: JobEvent[] = [];
    store.subscribe('lost', (e) => events.push(e));
    fake.now += ttlMs - 1;
    expect(await leases.sweep()).toEqual([]);
    fake.now += 1;
    const [failed] = await leases.sweep();
    expect(failed).toMatchObject({
      id: 'lost',
      status: 'failed',
      error: { code: 'unavailable', message: LOST_MESSAGE, details: { reason: 'worker_lost' } },
    });
    expect(failed.timings.totalMs).toBeGreaterThanOrEqual(1000);
    expect(failed.finishedAt).toBeDefined();
    expect(await store.get('lost')).toMatchObject({ status: 'failed', error: { message: LOST_MESSAGE } });
    expect(events.map((e) => e.status)).toEqual(['failed']);
    expect(ended.map((r) => [r.id, r.status])).toEqual([['lost', 'failed']]);
    expect(fake.until.has('lost')).toBe(false);
    // Once only.
    expect(await leases.sweep()).toEqual([]);
  });

  it('only drops the lease of a job that ended (or whose record is gone)', async () => {
    await running('done');
    await store.save(record('done', 'completed'), { id: 'done', status: 'completed' });
    fake.take('gone', ttlMs);
    fake.now += ttlMs;
    expect(await leases.sweep()).toEqual([]);
    expect((await store.get('done'))?.status).toBe('completed');
    expect(fake.until.size).toBe(0);
    expect(ended).toEqual([]);
  });

  it('fails nothing when the lease is renewed or the job ends between the read and the write', async () => {
    await running('renewed');
    fake.now += ttlMs;
    fake.meanwhile = () => fake.take('renewed', ttlMs);
    expect(await leases.sweep()).toEqual([]);
    expect((await store.get('renewed'))?.status).toBe('active');
    expect(ended).toEqual([]);
  });

  it('sweeps nothing when another process holds this round of the sweep', async () => {
    await running('elsewhere');
    fake.now += ttlMs;
    fake.sweeper = false;
    expect(await leases.sweep()).toEqual([]);
    expect((await store.get('elsewhere'))?.status).toBe('active');
  });

  it('renews, in one call, the leases of the jobs with a hop here, until their last hop is over', async () => {
    await running('a');
    await running('b');
    leases.hold('a');
    leases.hold('b');
    // The next hop of `a` starts before its first ends.
    leases.hold('a');
    leases.release('a');
    fake.now += ttlMs - 1;
    await leases.renew();
    expect(fake.renewals).toEqual([['a', 'b']]);
    fake.now += ttlMs - 1;
    expect(await leases.sweep()).toEqual([]);
    leases.release('a');
    await leases.renew();
    expect(fake.renewals.at(-1)).toEqual(['b']);
    leases.release('b');
    await leases.renew();
    expect(fake.renewals).toHaveLength(2);
  });

  it('never fails a job this process still runs: its own late lease is renewed instead', async () => {
    await running('slow');
    leases.hold('slow');
    fake.now += ttlMs * 2;
    expect(await leases.sweep()).toEqual([]);
    expect(fake.renewals).toEqual([['slow']]);
    expect(fake.until.get('slow')).toBe(fake.now + ttlMs);
  });

  it('drops the lease of a job whose hop took the queue, and renews it no more', async () => {
    await running('queued');
    leases.hold('queued');
    leases.handOff('queued');
    await new Promise((r) => setImmediate(r));
    expect(fake.until.has('queued')).toBe(false);
    leases.release('queued');
    await leases.renew();
    expect(fake.renewals).toEqual([]);
  });
});
