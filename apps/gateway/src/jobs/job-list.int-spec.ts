import { randomUUID } from 'node:crypto';
import type { JobList, JobStatus, ListJobsQuery } from '@omnigate/contracts';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import { InlineJobBackend } from '../queue/inline-job-backend';
import { directLeasesKey, jobKey, RedisJobStore, recentJobsKey } from '../queue/redis-job-store';
import { listJobs, MAX_READ_PER_PAGE } from './job-list';
import type { JobStore } from './job-ports';
import type { JobRecord } from './job-record';

const logger = pino({ level: 'silent' });

const record = (id = randomUUID()): JobRecord => ({
  id,
  status: 'queued',
  outputs: [],
  route: [{ adapter: 'builtin.echo', task: 'echo', from: ['text'], to: 'text' }],
  detected: [{ modality: 'text', mediaType: 'text/plain', confidence: 1, reason: 'text' }],
  warnings: [],
  timings: {},
  createdAt: new Date().toISOString(),
  outputSpec: { modality: 'text' },
  plan: [{ adapter: 'builtin.echo', task: 'echo', output: { modality: 'text' }, options: {} }],
  priority: 5,
  inputs: [{ modality: 'text', mediaType: 'text/plain', blobId: 'b'.repeat(64), bytes: 5 }],
  alternatives: [],
});

/** The parts of the store a test drives, and what it needs to look inside. */
interface Harness {
  store: JobStore;
  /** Makes job `id`'s record disappear, as an expiry would (the list is left as it is). */
  dropRecord(id: string): Promise<void>;
  /** How many entries the list holds, expired ones included (Redis: the sorted set's size). */
  listSize(): Promise<number>;
  close(): Promise<void>;
}

/** A store of each driver, with `ttlS` as the records' TTL. */
const drivers: [string, (ttlS: number) => Promise<Harness>][] = [
  [
    'Redis',
    async (ttlS) => {
      const redis = new Redis(inject('redisUrl'));
      const subscriber = new Redis(inject('redisUrl'));
      const prefix = `test-${randomUUID()}`;
      const store = new RedisJobStore(redis, subscriber, prefix, ttlS, logger);
      return {
        store,
        dropRecord: async (id) => void (await redis.del(jobKey(prefix, id))),
        listSize: () => redis.zcard(recentJobsKey(prefix)),
        close: async () => {
          redis.disconnect();
          subscriber.disconnect();
        },
      };
    },
  ],
  [
    'in-process',
    async (ttlS) => {
      const backend = new InlineJobBackend(
        { ...loadConfig({ QUEUE_DRIVER: 'inline' }).queue, jobTtlS: ttlS },
        logger,
      );
      const records = (backend.store as unknown as { records: Map<string, unknown> }).records;
      const listed = () => (backend.store as unknown as { listed: unknown[] }).listed;
      return {
        store: backend.store,
        dropRecord: async (id) => void records.delete(id),
        listSize: async () => listed().length,
        close: () => backend.close(0),
      };
    },
  ],
];

describe.each(drivers)('GET /v1/jobs over the %s store', (_driver, open) => {
  let harness: Harness;
  let store: JobStore;
  const list = (query: Partial<ListJobsQuery> = {}): Promise<JobList> =>
    listJobs(store, { limit: 20, ...query });
  /** Creates `n` jobs one after the other; their ids, oldest first. */
  const create = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const job = record();
      await store.create(job);
      ids.push(job.id);
    }
    return ids;
  };
  const setStatus = async (id: string, status: JobStatus) => {
    if (status === 'active') return store.markActive(id, 1);
    const job = { ...(await store.get(id))!, status };
    await store.save(job, { id, status, record: job });
  };
  /** Every job of the list, page by page (`limit` a page), and the pages' sizes. */
  const walk = async (query: Partial<ListJobsQuery>, between?: () => Promise<unknown>) => {
    const ids: string[] = [];
    const sizes: number[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await list({ ...query, after });
      ids.push(...page.data.map((j) => j.id));
      sizes.push(page.data.length);
      if (!page.has_more) {
        expect(page.next_cursor).toBeNull();
        return { ids, sizes };
      }
      after = page.next_cursor!;
      await between?.();
    }
    throw new Error('the list never ended');
  };

  beforeEach(async () => {
    harness = await open(3600);
    store = harness.store;
  });
  afterEach(async () => harness.close());

  it('lists jobs newest first, as GET /v1/jobs/:id shows them, without their internals', async () => {
    const job = { ...record(), webhook: { url: 'https://hooks.example/x', secret: 'whsec_do_not_show' } };
    await store.create(job);
    const ids = [job.id, ...(await create(4))];
    const page = await list();
    expect(page).toMatchObject({
      object: 'list',
      first_id: ids[4],
      last_id: ids[0],
      has_more: false,
      next_cursor: null,
    });
    expect(page.data.map((j) => j.id)).toEqual([...ids].reverse());
    expect(page.data[4]).toEqual({
      id: job.id,
      status: 'queued',
      outputs: [],
      route: job.route,
      detected: job.detected,
      warnings: [],
      timings: {},
      createdAt: job.createdAt,
      links: { self: `/v1/jobs/${job.id}` },
    });
    expect(JSON.stringify(page)).not.toMatch(/whsec_|webhook|inputs|plan|alternatives|outputSpec/);
  });

  it('pages through the list without duplicates or gaps while new jobs arrive', async () => {
    const old = await create(23);
    const arrived: string[] = [];
    const { ids, sizes } = await walk({ limit: 5 }, async () => arrived.push(...(await create(2))));
    expect(ids).toEqual([...old].reverse());
    expect(sizes).toEqual([5, 5, 5, 5, 3]);
    // The ones that came meanwhile head the list.
    const fresh = await list({ limit: 8 });
    expect(fresh.data.map((j) => j.id)).toEqual([...arrived].reverse());
    expect(fresh.has_more).toBe(true);
  });

  it('orders and pages jobs created at the same moment', async () => {
    const jobs = Array.from({ length: 30 }, () => record());
    await Promise.all(jobs.map((job) => store.create(job)));
    const { ids } = await walk({ limit: 7 });
    // Concurrent creates: the list's order is the store's, but each job is there once.
    expect([...ids].sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(ids[0]).toBe((await list({ limit: 1 })).first_id);
  });

  it('pages after a job id (last_id) as after its cursor', async () => {
    const ids = await create(6);
    const first = await list({ limit: 2 });
    const byId = await list({ limit: 2, after: first.last_id! });
    const byCursor = await list({ limit: 2, after: first.next_cursor! });
    expect(byId.data.map((j) => j.id)).toEqual([ids[3], ids[2]]);
    expect(byCursor).toEqual(byId);
  });

  it('filters by the status a job has now, active ones included', async () => {
    const ids = await create(10);
    const statuses: JobStatus[] = ['queued', 'active', 'completed', 'failed', 'cancelled'];
    await Promise.all(ids.map((id, i) => (i % 5 === 0 ? undefined : setStatus(id, statuses[i % 5]))));
    for (const [n, status] of statuses.entries()) {
      const page = await list({ status });
      expect(page.data.map((j) => j.id)).toEqual([ids[n + 5], ids[n]]);
      expect(page.data.every((j) => j.status === status)).toBe(true);
    }
    // Filtered pages go on where the last one stopped.
    const { ids: failed } = await walk({ status: 'failed', limit: 1 });
    expect(failed).toEqual([ids[8], ids[3]]);
  });

  it('reads a bounded number of jobs per filtered page, saying honestly that more may follow', async () => {
    const [failed] = await create(1);
    await setStatus(failed, 'failed');
    await create(MAX_READ_PER_PAGE + 50);
    const first = await list({ status: 'failed' });
    // The page read its share and found no failed job: it says so and where to go on.
    expect(first).toMatchObject({ data: [], has_more: true, first_id: null, last_id: null });
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await list({ status: 'failed', after: first.next_cursor! });
    expect(second).toMatchObject({ has_more: false, next_cursor: null, first_id: failed });
    expect(second.data).toHaveLength(1);
  });

  it('caps a page at limit, and ends with has_more false', async () => {
    const ids = await create(105);
    const page = await list({ limit: 100 });
    expect(page.data).toHaveLength(100);
    expect(page.has_more).toBe(true);
    const rest = await list({ limit: 100, after: page.next_cursor! });
    expect(rest.data.map((j) => j.id)).toEqual(ids.slice(0, 5).reverse());
    expect(rest).toMatchObject({ has_more: false, next_cursor: null });
    // Exactly `limit` left: has_more is false, not a promise of an empty page.
    const exact = await list({ limit: 5, after: page.next_cursor! });
    expect(exact).toMatchObject({ has_more: false, next_cursor: null });
  });

  it('skips a job whose record is gone, and forgets it', async () => {
    const ids = await create(5);
    await harness.dropRecord(ids[2]);
    const page = await list({ limit: 3 });
    expect(page.data.map((j) => j.id)).toEqual([ids[4], ids[3], ids[1]]);
    expect(page.has_more).toBe(true);
    expect((await list()).data.map((j) => j.id)).toEqual([ids[4], ids[3], ids[1], ids[0]]);
    if (store instanceof RedisJobStore) expect(await harness.listSize()).toBe(4);
  });

  it('refuses an `after` that names no listed job, without reading the list', async () => {
    await create(3);
    const unknown = list({ after: randomUUID() });
    await expect(unknown).rejects.toBeInstanceOf(GatewayError);
    await expect(unknown).rejects.toMatchObject({ code: 'invalid_request' });
    // A cursor made up, or mangled: taken for a job id, which is not listed either.
    await expect(list({ after: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_request' });
    const cursor = (await list({ limit: 1 })).next_cursor!;
    await expect(list({ after: `${cursor}x` })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe.each(drivers)('the list of recent jobs of the %s store, as records expire', (_driver, open) => {
  let harness: Harness;
  afterEach(async () => harness.close());

  it('lists only the jobs created within the TTL, and drops the older ones on later creates, a bounded number at a time', async () => {
    harness = await open(1);
    const { store } = harness;
    for (let i = 0; i < 40; i++) await store.create(record());
    expect((await listJobs(store, { limit: 100 })).data).toHaveLength(40);
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = record();
    await store.create(fresh);
    expect(await listJobs(store, { limit: 100 })).toMatchObject({
      data: [{ id: fresh.id }],
      has_more: false,
    });
    if (store instanceof RedisJobStore) {
      // One create removed 32 of the 40 stale entries; the next takes the rest.
      expect(await harness.listSize()).toBe(40 - 32 + 1);
      await store.create(record());
      expect(await harness.listSize()).toBe(2);
    } else {
      // In-process, the sweep (every TTL, at most a minute) drops them.
      await expect.poll(() => harness.listSize(), { timeout: 3000 }).toBeLessThanOrEqual(1);
    }
  });
});

describe('the list of recent jobs in Redis', () => {
  it('takes a job created with a direct-lane lease, in the same step', async () => {
    const redis = new Redis(inject('redisUrl'));
    const subscriber = new Redis(inject('redisUrl'));
    try {
      const prefix = `test-${randomUUID()}`;
      const store = new RedisJobStore(redis, subscriber, prefix, 60, logger);
      const job = record();
      await store.create(job, 5000);
      expect((await listJobs(store, { limit: 20 })).data.map((j) => j.id)).toEqual([job.id]);
      expect(await redis.zscore(directLeasesKey(prefix), job.id)).not.toBeNull();
    } finally {
      redis.disconnect();
      subscriber.disconnect();
    }
  });

  it('lists a job whose end was saved ahead of its late create', async () => {
    const redis = new Redis(inject('redisUrl'));
    const subscriber = new Redis(inject('redisUrl'));
    try {
      const store = new RedisJobStore(redis, subscriber, `test-${randomUUID()}`, 60, logger);
      const job = record();
      const done: JobRecord = { ...job, status: 'completed' };
      await store.save(done, { id: job.id, status: 'completed', record: done });
      await store.create(job);
      expect(await listJobs(store, { limit: 20, status: 'completed' })).toMatchObject({
        data: [{ id: job.id, status: 'completed' }],
      });
    } finally {
      redis.disconnect();
      subscriber.disconnect();
    }
  });
});
