import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

interface Job {
  id: string;
  status: string;
  outputs: { mediaType: string; text?: string; blobId?: string; data?: string }[];
  route: { adapter: string }[];
  links: { self: string };
}

interface Page {
  object: 'list';
  data: Job[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
  next_cursor: string | null;
}

const INFER_KEY = 'og-infer-key-0123456789abcdef';
const BATCH_KEY = 'og-batch-key-0123456789abcdef';
const ADMIN_KEY = 'og-admin-key-for-the-job-list-0123';

/** The jobs the tests create on a gateway: what each run answered, oldest first. */
async function createJobs(gw: TestGateway, headers: Record<string, string> = {}) {
  const infer = async (body: object) => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as Job & { error?: { details?: { jobId?: string } } },
    };
  };
  const echoed = await infer({ inputs: [{ text: 'one' }], output: 'text', task: 'echo' });
  const image = await infer({
    inputs: [{ data: fixture('image/fixture.png').toString('base64') }],
    output: { modality: 'image', mediaType: 'image/webp', inline: true },
  });
  const failed = await infer({
    inputs: [{ text: 'bad' }],
    output: 'text',
    task: 'shout',
    adapter: 'test.broken',
  });
  const slow = await infer({
    inputs: [{ text: 'a b c d e f g h i j' }],
    output: 'text',
    task: 'type',
    options: { delayMs: 200 },
    mode: 'async',
  });
  const cancelled = await fetch(`${gw.url}/v1/jobs/${slow.body.id}/cancel`, { method: 'POST', headers });
  const echoedAgain = await infer({ inputs: [{ text: 'two' }], output: 'text', task: 'echo' });
  expect([
    echoed.status,
    image.status,
    failed.status,
    slow.status,
    cancelled.status,
    echoedAgain.status,
  ]).toEqual([200, 200, 422, 202, 200, 200]);
  return {
    echoed: echoed.body.id,
    image: image.body.id,
    failed: failed.body.error!.details!.jobId!,
    cancelled: slow.body.id,
    echoedAgain: echoedAgain.body.id,
  };
}

const ADAPTERS = './test/adapters/stream-adapters.mjs,./test/adapters/fallback-adapters.mjs';

describe('GET /v1/jobs over HTTP (BullMQ on Redis)', () => {
  let gw: TestGateway;
  let jobs: Awaited<ReturnType<typeof createJobs>>;
  beforeAll(async () => {
    gw = await startGateway({ ADAPTER_MODULES: ADAPTERS });
    jobs = await createJobs(gw);
  });
  afterAll(async () => gw?.close());

  const get = async (query: string) => {
    const res = await fetch(`${gw.url}/v1/jobs${query}`);
    return {
      status: res.status,
      body: (await res.json()) as Page & { error?: { code: string; message: string } },
    };
  };

  it('lists the jobs newest first, as GET /v1/jobs/:id shows them but without inline output data', async () => {
    const { status, body } = await get('');
    expect(status).toBe(200);
    const order = [jobs.echoedAgain, jobs.cancelled, jobs.failed, jobs.image, jobs.echoed];
    expect(body).toMatchObject({
      object: 'list',
      first_id: order[0],
      last_id: order[4],
      has_more: false,
      next_cursor: null,
    });
    expect(body.data.map((j) => j.id)).toEqual(order);
    expect(body.data.map((j) => j.status)).toEqual([
      'completed',
      'cancelled',
      'failed',
      'completed',
      'completed',
    ]);
    for (const listed of body.data) {
      const shown = (await (await fetch(`${gw.url}${listed.links.self}`)).json()) as Job;
      const withoutData = { ...shown, outputs: shown.outputs.map(({ data: _data, ...o }) => o) };
      expect(listed).toEqual(withoutData);
    }
    const image = body.data.find((j) => j.id === jobs.image)!;
    expect(image.outputs[0]).toMatchObject({ mediaType: 'image/webp', blobId: expect.any(String) });
    expect(image.outputs[0].data).toBeUndefined();
    // The job itself does carry its output inline: the list leaves it out.
    const shown = (await (await fetch(`${gw.url}/v1/jobs/${jobs.image}`)).json()) as Job;
    expect(shown.outputs[0].data).toEqual(expect.any(String));
  });

  it('filters by status and pages with next_cursor', async () => {
    expect((await get('?status=cancelled')).body.data.map((j) => j.id)).toEqual([jobs.cancelled]);
    expect((await get('?status=failed')).body.data.map((j) => j.id)).toEqual([jobs.failed]);
    const completed: string[] = [];
    let query = '?status=completed&limit=2';
    for (;;) {
      const { status, body } = await get(query);
      expect(status).toBe(200);
      completed.push(...body.data.map((j) => j.id));
      if (!body.has_more) break;
      query = `?status=completed&limit=2&after=${encodeURIComponent(body.next_cursor!)}`;
    }
    expect(completed).toEqual([jobs.echoedAgain, jobs.image, jobs.echoed]);
    // A job id works as `after` too (the last_id of a page).
    expect((await get(`?limit=2&after=${jobs.failed}`)).body.data.map((j) => j.id)).toEqual([
      jobs.image,
      jobs.echoed,
    ]);
  });

  it.each([
    ['?status=done', 'status'],
    ['?limit=0', 'limit'],
    ['?limit=101', 'limit'],
    ['?limit=ten', 'limit'],
    ['?limit=1.5', 'limit'],
    [`?after=${'x'.repeat(300)}`, 'after'],
    ['?after=00000000-0000-4000-8000-000000000000', 'after'],
    ['?status=queued&status=active', 'status'],
  ])('answers %s with a 400 naming %s', async (query, field) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body.error?.code).toBe('invalid_request');
    expect(body.error?.message).toContain(field);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${gw.url}/docs/json`)).json()) as {
      paths: Record<string, { get?: { parameters?: { name: string; schema: Record<string, unknown> }[] } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const parameters = doc.paths['/v1/jobs']?.get?.parameters ?? [];
    expect(parameters.map((p) => p.name)).toEqual(['status', 'limit', 'after']);
    expect(parameters[1].schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(Object.keys(doc.components.schemas.JobList.properties ?? {})).toEqual([
      'object',
      'data',
      'first_id',
      'last_id',
      'has_more',
      'next_cursor',
    ]);
  });
});

describe('GET /v1/jobs with API keys', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      API_KEYS: JSON.stringify([
        { name: 'app', key: INFER_KEY, scopes: ['infer'] },
        { name: 'batches', key: BATCH_KEY, scopes: ['batch'] },
        { name: 'ops', key: ADMIN_KEY, scopes: ['admin'] },
      ]),
    });
  });
  afterAll(async () => gw?.close());

  it("needs the admin scope: a key that infers reads the jobs it is given, not every key's", async () => {
    const list = (key?: string) =>
      fetch(`${gw.url}/v1/jobs`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    expect((await list()).status).toBe(401);
    expect((await list(BATCH_KEY)).status).toBe(403);
    expect((await list(INFER_KEY)).status).toBe(403);
    expect((await list(ADMIN_KEY)).status).toBe(200);
  });
});

describe('GET /v1/jobs over HTTP (in-process driver)', () => {
  let gw: TestGateway;
  afterAll(async () => gw?.close());

  it('lists, filters and pages the same way', async () => {
    gw = await startGateway({ QUEUE_DRIVER: 'inline', ADAPTER_MODULES: ADAPTERS });
    const jobs = await createJobs(gw);
    const all = (await (await fetch(`${gw.url}/v1/jobs?limit=3`)).json()) as Page;
    expect(all.data.map((j) => j.id)).toEqual([jobs.echoedAgain, jobs.cancelled, jobs.failed]);
    expect(all.has_more).toBe(true);
    const rest = (await (await fetch(`${gw.url}/v1/jobs?after=${all.next_cursor}`)).json()) as Page;
    expect(rest.data.map((j) => j.id)).toEqual([jobs.image, jobs.echoed]);
    expect(rest.data[0].outputs[0].data).toBeUndefined();
    const failed = (await (await fetch(`${gw.url}/v1/jobs?status=failed`)).json()) as Page;
    expect(failed.data.map((j) => j.id)).toEqual([jobs.failed]);
  });
});
