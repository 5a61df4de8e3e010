import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startExampleAdapterServer,
  type ExampleAdapterServer,
} from '../../examples/remote-adapter/server.mjs';
import { startGateway, type TestGateway } from '../gateway-harness';
import { rawRequest } from '../raw-http';
import { startRedisServer, type RedisServer } from '../redis-server';

const ADMIN_KEY = 'og-admin-key-0123456789abcdef';
const INFER_KEY = 'og-infer-key-0123456789abcdef';
const METRICS_KEY = 'og-metrics-key-0123456789abcdef';
const API_KEYS = JSON.stringify([
  { name: 'ops', key: ADMIN_KEY, scopes: ['admin'] },
  { name: 'app', key: INFER_KEY, scopes: ['infer'] },
  { name: 'prometheus', key: METRICS_KEY, scopes: ['metrics'] },
]);
const echo = JSON.stringify({ inputs: [{ text: 'hi' }], output: 'text', task: 'echo' });

type Headers = Record<string, string>;
const bearer = (key: string): Headers => ({ authorization: `Bearer ${key}` });
const basic = (user: string, password: string): Headers => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

/** A queue as the board's own API (`GET /admin/queues/api/queues`) lists it. */
interface BoardQueue {
  name: string;
  description?: string;
  readOnlyMode: boolean;
  isPaused: boolean;
  counts: Record<string, number>;
  jobs: { id: string; data: { jobId: string; adapter: string } }[];
}

async function boardQueues(gw: TestGateway, headers: Headers = {}, query = ''): Promise<BoardQueue[]> {
  const res = await fetch(`${gw.url}/admin/queues/api/queues${query}`, { headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as { queues: BoardQueue[] }).queues;
}

/** The queue of `name`, with its jobs of `status` (the board lists the jobs of its active queue only). */
async function boardQueue(gw: TestGateway, name: string, status: string, headers: Headers = {}) {
  const queues = await boardQueues(gw, headers, `?activeQueue=${encodeURIComponent(name)}&status=${status}`);
  const queue = queues.find((q) => q.name === name);
  if (!queue) throw new Error(`the board does not list ${name}`);
  return queue;
}

/** A sync echo job, through the queue (the gateways here run with DISPATCH=queue). */
async function runEcho(gw: TestGateway, headers: Headers = {}): Promise<string> {
  const res = await fetch(`${gw.url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: echo,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

function board(
  gw: TestGateway,
  path: string,
  init: { method?: string; headers?: Headers; body?: string } = {},
) {
  return fetch(`${gw.url}/admin/queues${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body ? { body: init.body } : {}),
  });
}

describe('the queue dashboard, read-only (the default), with API keys', () => {
  let gw: TestGateway;
  let server: ExampleAdapterServer;
  beforeAll(async () => {
    [gw, server] = await Promise.all([
      startGateway({ API_KEYS, DISPATCH: 'queue' }),
      startExampleAdapterServer(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([gw?.close(), server?.close()]);
  });

  it('asks for an admin key: 401 with a Basic challenge a browser answers, 403 for another scope', async () => {
    const none = await board(gw, '');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(
      'Basic realm="omnigate", charset="UTF-8", Bearer realm="omnigate"',
    );
    expect(await none.json()).toEqual({
      error: {
        code: 'unauthorized',
        message: expect.stringMatching(/Bearer <key>, or the key as the password of HTTP Basic/),
      },
    });
    const wrong = await board(gw, '/api/queues', { headers: basic('ops', 'og-not-a-key-0123456789') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm="omnigate".*error="invalid_token"$/);
    for (const headers of [bearer(INFER_KEY), bearer(METRICS_KEY), basic('app', INFER_KEY)]) {
      const res = await board(gw, '/api/queues', { headers });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'forbidden', details: { scope: 'admin' } } });
    }
    // Elsewhere a browser is never asked for a password, and a Basic password is no key.
    const adapters = await fetch(`${gw.url}/v1/adapters`, { headers: basic('app', INFER_KEY) });
    expect(adapters.status).toBe(401);
    expect(adapters.headers.get('www-authenticate')).toBe('Bearer realm="omnigate"');
    // Its assets need the key too.
    expect((await board(gw, '/static/favicon-32x32.png')).status).toBe(401);
  });

  it("serves the page and its assets to an admin key, as a bearer or as HTTP Basic's password", async () => {
    for (const headers of [bearer(ADMIN_KEY), basic('anyone', ADMIN_KEY)]) {
      const page = await board(gw, '', { headers });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await page.text();
      expect(html).toContain('<base href="/admin/queues/" />');
      expect(html).toContain('<title>omnigate queues</title>');
      // Every script and style sheet the page loads, each with its own type (nosniff holds).
      const assets = [...html.matchAll(/(?:src|href)="(static\/(?:js|css)\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(2);
      for (const asset of assets) {
        const res = await board(gw, `/${asset}`, { headers });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(
          asset.endsWith('.css') ? /^text\/css/ : /^application\/javascript/,
        );
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
      }
    }
  });

  it("lists every adapter's queue in both lanes, keeping up as adapters are registered and removed", async () => {
    const admin = bearer(ADMIN_KEY);
    const adapterIds = async () => {
      const res = await fetch(`${gw.url}/v1/adapters`, { headers: bearer(INFER_KEY) });
      return ((await res.json()) as { adapters: { id: string }[] }).adapters.map((a) => a.id);
    };
    const queueNames = async () => (await boardQueues(gw, admin)).map((q) => q.name).sort();
    const expected = (ids: string[]) => ids.flatMap((id) => [id, `${id}@batch`]).sort();

    const builtins = await adapterIds();
    expect(builtins).toContain('builtin.echo');
    expect(await queueNames()).toEqual(expected(builtins));
    const echoQueues = (await boardQueues(gw, admin)).filter((q) => q.name.startsWith('builtin.echo'));
    expect(echoQueues.map((q) => q.description).sort()).toEqual([
      'batch hops of builtin.echo',
      'interactive hops of builtin.echo',
    ]);

    const added = await fetch(`${gw.url}/v1/adapters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ kind: 'http', id: 'acme.pc', url: server.url }),
    });
    expect(added.status).toBe(201);
    expect(await adapterIds()).toContain('acme.pc');
    expect(await queueNames()).toEqual(expected([...builtins, 'acme.pc']));

    const removed = await fetch(`${gw.url}/v1/adapters/acme.pc`, { method: 'DELETE', headers: admin });
    expect(removed.status).toBe(200);
    expect(await queueNames()).toEqual(expected(builtins));
  });

  it("shows a job's hops and refuses every change", async () => {
    const admin = bearer(ADMIN_KEY);
    const jobId = await runEcho(gw, bearer(INFER_KEY));
    const before = await boardQueue(gw, 'builtin.echo', 'completed', admin);
    expect(before.readOnlyMode).toBe(true);
    expect(before.counts.completed).toBe(1);
    const hop = before.jobs[0]!;
    expect(hop.data).toMatchObject({ jobId, adapter: 'builtin.echo' });

    const q = '/api/queues/builtin.echo';
    const changes: [string, string, unknown?][] = [
      ['PUT', `${q}/${hop.id}/clean`],
      ['PUT', `${q}/${hop.id}/retry`],
      ['PUT', `${q}/${hop.id}/promote`],
      ['PATCH', `${q}/${hop.id}/update-data`, { data: {} }],
      ['PUT', `${q}/clean/completed`],
      ['PUT', `${q}/retry/failed`],
      ['PUT', `${q}/promote`],
      ['PUT', `${q}/pause`],
      ['PUT', `${q}/empty`],
      ['PUT', `${q}/obliterate`, { force: true }],
      ['POST', `${q}/add`, { name: 'hop', data: {} }],
      ['PUT', '/api/queues/pause'],
    ];
    for (const [method, path, body] of changes) {
      const res = await board(gw, path, {
        method,
        headers: admin,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect([method, path, res.status]).toEqual([method, path, 403]);
      expect(await res.json()).toMatchObject({
        error: { code: 'forbidden', details: { setting: 'QUEUE_DASHBOARD' } },
      });
    }
    const after = await boardQueue(gw, 'builtin.echo', 'completed', admin);
    expect(after.isPaused).toBe(false);
    expect(after.counts).toEqual(before.counts);
    expect(after.jobs.map((j) => j.id)).toEqual([hop.id]);
  });

  it('keeps its routes out of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${gw.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/admin'))).toEqual([]);
  });

  it("answers the gateway's own refusals on its routes with their status, in the gateway's shape", async () => {
    // HTTP/1.1 without Host: refused by a hook of the gateway's, before the board's route runs.
    const answer = await rawRequest(
      gw.url,
      `GET /admin/queues/api/queues HTTP/1.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nConnection: close`,
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'invalid_request' } });
  });
});

describe('the queue dashboard, read-write (QUEUE_DASHBOARD=read-write), without API keys', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ QUEUE_DASHBOARD: 'read-write', DISPATCH: 'queue' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('lets an operator pause and resume a queue and remove a hop', async () => {
    await runEcho(gw);
    const q = '/api/queues/builtin.echo';
    const before = await boardQueue(gw, 'builtin.echo', 'completed');
    expect(before.readOnlyMode).toBe(false);
    expect(before.counts.completed).toBe(1);

    expect((await board(gw, `${q}/pause`, { method: 'PUT' })).status).toBe(200);
    expect((await boardQueue(gw, 'builtin.echo', 'completed')).isPaused).toBe(true);
    expect((await board(gw, `${q}/resume`, { method: 'PUT' })).status).toBe(200);
    expect((await boardQueue(gw, 'builtin.echo', 'completed')).isPaused).toBe(false);

    expect((await board(gw, `${q}/${before.jobs[0]!.id}/clean`, { method: 'PUT' })).status).toBe(204);
    expect((await boardQueue(gw, 'builtin.echo', 'completed')).counts.completed).toBe(0);
  });

  it('answers a malformed JSON body with 400, not 500', async () => {
    const res = await board(gw, '/api/queues/builtin.echo/add', { method: 'POST', body: '{"name":' });
    expect(res.status).toBe(400);
    expect((await boardQueue(gw, 'builtin.echo', 'waiting')).counts.waiting).toBe(0);
  });
});

describe('the queue dashboard while Redis is away', () => {
  let redis: RedisServer;
  let gw: TestGateway;
  beforeAll(async () => {
    redis = await startRedisServer();
    gw = await startGateway({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.stop();
  });

  it('answers its API at once with 503, the page still loads, and it is back with Redis', async () => {
    await redis.kill();
    const started = Date.now();
    const res = await board(gw, '/api/queues', {});
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(503);
    // In the board's own shape, which its page shows.
    expect(await res.json()).toMatchObject({ error: { key: 'ERRORS.INTERNAL_SERVER_ERROR' } });
    expect((await board(gw, '')).status).toBe(200);
    await redis.start();
    await expect
      .poll(async () => (await board(gw, '/api/queues')).status, { timeout: 10_000, interval: 200 })
      .toBe(200);
  });
});

describe('where the queue dashboard is not mounted', () => {
  it.each([
    ['the in-process driver (no queues)', { QUEUE_DRIVER: 'inline' }],
    ['QUEUE_DASHBOARD=off', { QUEUE_DASHBOARD: 'off' }],
    ['a worker (ROLE=worker)', { ROLE: 'worker' }],
  ])('answers a plain 404 on %s', async (_what, env) => {
    const gw = await startGateway(env);
    try {
      for (const path of ['', '/api/queues']) {
        const res = await board(gw, path);
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
      }
    } finally {
      await gw.close();
    }
  });

  it('is mounted on an API-only process (ROLE=api)', async () => {
    const gw = await startGateway({ ROLE: 'api' });
    try {
      expect((await board(gw, '')).status).toBe(200);
      expect((await boardQueues(gw)).map((q) => q.name)).toContain('builtin.echo@batch');
    } finally {
      await gw.close();
    }
  });
});
