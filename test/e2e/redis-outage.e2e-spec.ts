import { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBackendGateway, type BackendGateway, type TestGateway } from '../gateway-harness';
import { startRedisServer, type RedisServer } from '../redis-server';

const KEY = 'og-outage-key-0123456789abcdef';
/** A key without a rate limit: its requests go to Redis first for what they ask. */
const UNLIMITED_KEY = 'og-outage-unlimited-0123456789';
const API_KEYS = JSON.stringify([
  // Every request with it goes through the rate counter (in Redis) first.
  {
    name: 'ops',
    key: KEY,
    scopes: ['infer', 'batch', 'admin'],
    rateLimit: { requests: 100_000, perSeconds: 60 },
  },
  { name: 'unlimited', key: UNLIMITED_KEY, scopes: ['infer'] },
]);
/** BLOB_JOB_TIER_MAX_BYTES's default: larger inline inputs go to disk rather than to Redis. */
const BLOB_JOB_TIER_MAX_BYTES = 64 * 1024;
/** Before the fix each request took 46.8 s with Redis gone; a busy 2-core machine gets slack. */
const ANSWER_WITHIN_MS = 5000;
/**
 * How long Redis stays away, with traffic all along: longer than QUEUE_LOCK_MS below, so the
 * running hop's lock expires meanwhile. REDIS_OUTAGE_MS=30000 tries a longer one.
 */
const OUTAGE_MS = Number(process.env.REDIS_OUTAGE_MS ?? 5000);

interface Answer {
  path: string;
  status: number;
  retryAfter: string | null;
  body: { id?: string; status?: string; error?: { code?: unknown; type?: unknown } };
  ms: number;
}

async function call(gw: TestGateway, path: string, body?: unknown, key = KEY): Promise<Answer> {
  const started = Date.now();
  const response = await fetch(`${gw.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    // A hang fails the test with this rather than with the test's own timeout.
    signal: AbortSignal.timeout(40_000),
  });
  const text = await response.text();
  return {
    path,
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: text.startsWith('{') ? JSON.parse(text) : {},
    ms: Date.now() - started,
  };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const job = (task: string, extra: Record<string, unknown> = {}) => ({
  inputs: [{ text: 'hello through an outage' }],
  output: 'text',
  task,
  ...extra,
});

/** What a client may ask while Redis is away; each needs Redis. */
const requests = (jobId: string): [string, unknown?][] => [
  ['/v1/infer', job('echo', { timeoutMs: 5000 })],
  ['/v1/infer', job('echo', { mode: 'async' })],
  [`/v1/jobs/${jobId}`],
  [`/v1/jobs/${jobId}/events`],
  ['/v1/detect', { inputs: [{ text: 'what is this' }] }],
  ['/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }],
  ['/v1/files'],
  ['/v1/batches'],
  ['/health/ready'],
];

function expectUnavailable(answer: Answer): void {
  expect(answer, answer.path).toMatchObject({ status: 503 });
  expect(answer.ms, answer.path).toBeLessThan(ANSWER_WITHIN_MS);
  if (answer.path === '/health/ready') return;
  expect(Number(answer.retryAfter), answer.path).toBeGreaterThan(0);
  // The native shape, or OpenAI's on the OpenAI-compatible routes.
  if (answer.path === '/v1/chat/completions') {
    expect(answer.body.error, answer.path).toMatchObject({ type: 'server_error', code: 'unavailable' });
  } else {
    expect(answer.body.error?.code, answer.path).toBe('unavailable');
  }
}

describe.each([
  {
    outage: 'hangs (SIGSTOP, as behind a lost network)',
    lose: (redis: RedisServer) => redis.pause(),
    restore: (redis: RedisServer) => redis.resume(),
  },
  {
    outage: 'is killed (connections refused), then started again',
    lose: (redis: RedisServer) => redis.kill(),
    restore: (redis: RedisServer) => redis.start(),
  },
])('while Redis $outage', ({ lose, restore }) => {
  let redis: RedisServer;
  let setup: BackendGateway;

  beforeAll(async () => {
    // Durable, so a killed server comes back with what it had acknowledged.
    redis = await startRedisServer({ durable: true });
    setup = await startBackendGateway(
      'ro',
      { chat: 'gpt-4o-mini' },
      {
        REDIS_URL: redis.url,
        API_KEYS,
        // The production default (the harness gives other tests more room on a loaded machine).
        REDIS_COMMAND_TIMEOUT_MS: '2000',
        QUEUE_LOCK_MS: '2000',
        QUEUE_STALLED_INTERVAL_MS: '1000',
      },
    );
  });
  afterEach(() => restore(redis));
  afterAll(async () => {
    await setup?.close();
    await redis?.stop();
  });

  it('requests answer 503 unavailable with Retry-After at once; what was accepted ends once Redis is back', async () => {
    const { gw, backend } = setup;
    // Two jobs accepted before the outage, their hops running when Redis goes away: one waits
    // longer than the outage, one less.
    backend.script(
      { path: '/v1/chat/completions', delayMs: 1500 },
      { path: '/v1/chat/completions', delayMs: 1500 },
    );
    const patient = call(gw, '/v1/infer', job('chat', { timeoutMs: 60_000 }));
    const hasty = call(gw, '/v1/infer', job('chat', { timeoutMs: 2500 }));
    // Awaited below; a failure before then must not become an unhandled rejection.
    for (const answer of [patient, hasty]) answer.catch(() => {});
    await until('the workers call the backend', 10_000, async () =>
      backend.requests.filter((r) => r.path === '/v1/chat/completions').length === 2 ? true : undefined,
    );
    // A hop in the direct lane starts beside its job's first write: both records saved (listed)
    // before Redis goes, or a busy machine can take Redis away with a record still on its way.
    await until('both jobs are saved', 10_000, async () => {
      const listed = await call(gw, '/v1/jobs?limit=5');
      return (listed.body as { data?: unknown[] }).data?.length === 2 ? true : undefined;
    });

    await lose(redis);
    const lostAt = Date.now();
    // A job whose record and hop are the first to go out to a Redis that is gone, or frozen
    // (no rate counter, and an input too large for the job tier: it goes to disk): not accepted.
    const large = {
      inputs: [{ text: 'x'.repeat(BLOB_JOB_TIER_MAX_BYTES + 1) }],
      output: 'text',
      task: 'echo',
    };
    const refused = await call(gw, '/v1/infer', { ...large, mode: 'async' }, UNLIMITED_KEY);
    expectUnavailable(refused);
    // Its wait ran out during the outage: the job was accepted, so 202 and where to poll it.
    const accepted = await hasty;
    expect(accepted).toMatchObject({ status: 202, body: { status: 'queued' } });
    const jobId = accepted.body.id!;
    const answers: Answer[] = [];
    do {
      answers.push(...(await Promise.all(requests(jobId).map(([path, body]) => call(gw, path, body)))));
    } while (Date.now() - lostAt < OUTAGE_MS);
    answers.forEach(expectUnavailable);
    // The rate counter lets requests through without waiting; what needs no Redis still answers.
    for (const path of ['/v1/adapters', '/v1/routes?from=text&to=image', '/health/live']) {
      const answer = await call(gw, path);
      expect(answer.status, path).toBe(200);
      expect(answer.ms, path).toBeLessThan(ANSWER_WITHIN_MS);
    }
    const upload = await fetch(`${gw.url}/v1/blobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' },
      body: 'kept on disk',
    });
    expect(upload.status).toBe(201);

    await restore(redis);
    await until('ready again', 15_000, async () =>
      (await call(gw, '/health/ready')).status === 200 ? true : undefined,
    );
    // The jobs accepted before the outage end: their hops' outcomes waited for Redis.
    expect(await patient).toMatchObject({ status: 200, body: { status: 'completed' } });
    const hastyJob = await until('the other accepted job ends', 30_000, async () => {
      const answer = await call(gw, `/v1/jobs/${jobId}`);
      return answer.body.status === 'completed' || answer.body.status === 'failed' ? answer : undefined;
    });
    expect(hastyJob.body.status).toBe('completed');
    // The job answered 503 never runs, even if its record and hop reached Redis late.
    const refusedId = (refused.body.error as { details?: { jobId?: string } }).details?.jobId;
    expect(refusedId).toBeDefined();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await call(gw, `/v1/jobs/${refusedId}`)).body.status).toBe('failed');
    // And new work runs end to end.
    const after = await until('a sync infer answers', 15_000, async () => {
      const answer = await call(gw, '/v1/infer', job('echo', { timeoutMs: 5000 }));
      return answer.status === 200 ? answer : undefined;
    });
    expect(after.body.status).toBe('completed');
  }, 180_000);
});

describe('a batch running while Redis is frozen', () => {
  let redis: RedisServer;
  let setup: BackendGateway;

  beforeAll(async () => {
    redis = await startRedisServer({ durable: true });
    setup = await startBackendGateway(
      'rb',
      { chat: 'gpt-4o-mini' },
      {
        REDIS_URL: redis.url,
        REDIS_COMMAND_TIMEOUT_MS: '2000',
        BATCH_CONCURRENCY: '4',
        BATCH_LEASE_MS: '2000',
      },
    );
  });
  afterAll(async () => {
    redis?.resume();
    await setup?.close();
    await redis?.stop();
  });

  it('answers every line once Redis is back, none with the outage', async () => {
    const { client, backend } = setup;
    const count = 40;
    backend.script(...Array.from({ length: count }, () => ({ path: '/v1/chat/completions', delayMs: 200 })));
    const lines = Array.from({ length: count }, (_, i) => ({
      custom_id: `line-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `question ${i}` }] },
    }));
    const file = await client.files.create({
      file: await toFile(Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')), 'input.jsonl'),
      purpose: 'batch',
    });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await until('some lines answered', 20_000, async () => {
      const b = await client.batches.retrieve(batch.id);
      return (b.request_counts?.completed ?? 0) >= 4 ? true : undefined;
    });
    // Frozen long enough for the requests' side to give up on Redis; once it resumes, the
    // workers' side is back at once and the requests' side a moment later: lines that start in
    // between must not be left unanswered by a batch that then ends.
    redis.pause();
    await new Promise((r) => setTimeout(r, 3000));
    redis.resume();
    const ended = await until('the batch ends', 60_000, async () => {
      const b = await client.batches.retrieve(batch.id);
      return ['completed', 'failed', 'cancelled', 'expired'].includes(b.status) ? b : undefined;
    });
    expect(ended).toMatchObject({
      status: 'completed',
      request_counts: { total: count, completed: count, failed: 0 },
    });
  }, 120_000);
});
