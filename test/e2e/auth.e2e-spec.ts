import { Writable } from 'node:stream';
import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../apps/gateway/src/app.factory';
import { sha256Hex } from '../../apps/gateway/src/auth/api-keys';
import { ADMIN_ROUTES } from '../../apps/gateway/src/auth/route-access';
import { loadConfig } from '../../apps/gateway/src/config/app-config';
import { startGateway, type TestGateway } from '../gateway-harness';
import { rawRequest, type RawAnswer } from '../raw-http';

const INFER_KEY = 'og-infer-key-0123456789abcdef';
const HASHED_KEY = 'og-hashed-key-0123456789abcdef';
const LIMITED_KEY = 'og-limited-key-0123456789abcdef';
const ADMIN_KEY = 'og-admin-key-0123456789abcdef';
const echo = JSON.stringify({ inputs: [{ text: 'hi' }], output: 'text', task: 'echo' });

const API_KEYS = JSON.stringify([
  { name: 'app', key: INFER_KEY, scopes: ['infer'] },
  { name: 'hashed', sha256: sha256Hex(HASHED_KEY), scopes: ['infer', 'batch'] },
  { name: 'limited', key: LIMITED_KEY, scopes: ['infer'], rateLimit: { requests: 3, perSeconds: 60 } },
  { name: 'root', key: ADMIN_KEY, scopes: ['infer', 'admin', 'batch'] },
]);

function request(gw: TestGateway, path: string, init: { key?: string; method?: string; body?: string } = {}) {
  return fetch(`${gw.url}${path}`, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
    },
    ...(init.body ? { body: init.body } : {}),
  });
}

/** A gateway on the in-process driver whose log lines are kept, for what it logs. */
async function loggedGateway(env: Record<string, string>, blobDir: string) {
  const lines: { level: number; msg: string; [field: string]: unknown }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...chunk
          .toString()
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      );
      done();
    },
  });
  const app = await createGateway(
    loadConfig({ QUEUE_DRIVER: 'inline', BLOB_DIR: blobDir, ...env }),
    pino({ level: 'info' }, sink),
  );
  return { app, lines };
}

describe('without API_KEYS', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('is open', async () => {
    const res = await request(gw, '/v1/infer', { body: echo });
    expect(res.status).toBe(200);
  });

  it('warns once at start-up that the API is open', async () => {
    const { app, lines } = await loggedGateway({}, gw.config.blobs.dir);
    await app.close();
    const warnings = lines.filter((l) => l.level === 40 && /API_KEYS/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/API_KEYS is not set/);
  });
});

describe('with API_KEYS', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ API_KEYS });
  });
  afterAll(() => gw.close());

  it('answers 401 in the native shape without a key or with a wrong one', async () => {
    for (const key of [undefined, 'og-wrong-key-0123456789abcdef']) {
      const res = await request(gw, '/v1/infer', { body: echo, ...(key ? { key } : {}) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unauthorized');
      expect(JSON.stringify(body)).not.toContain('og-wrong-key');
    }
  });

  it('answers 401 in OpenAI’s shape on the OpenAI-compatible routes, before routing', async () => {
    for (const path of ['/v1/models', '/v1/chat/completions/not-a-route']) {
      const res = await request(gw, path, { key: 'og-wrong-key-0123456789abcdef' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ code: 'invalid_api_key', param: null });
      expect(typeof body.error.type).toBe('string');
      expect(typeof body.error.message).toBe('string');
    }
  });

  it('lets a right key through, whether configured plain or as sha256', async () => {
    for (const key of [INFER_KEY, HASHED_KEY]) {
      const res = await request(gw, '/v1/infer', { body: echo, key });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { status: string };
      expect(body.status).toBe('completed');
    }
  });

  it('answers 403 to adapter registration without the admin scope, before any route', async () => {
    const res = await request(gw, '/v1/adapters', {
      key: INFER_KEY,
      body: JSON.stringify({ id: 'x', kind: 'http', url: 'http://127.0.0.1:1' }),
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('forbidden');
    const del = await request(gw, '/v1/adapters/x', { key: INFER_KEY, method: 'DELETE' });
    expect(del.status).toBe(403);
    expect((await request(gw, '/v1/adapters', { key: INFER_KEY })).status).toBe(200);
  });

  it('answers 403 in OpenAI’s shape to batch routes without the batch scope', async () => {
    const res = await request(gw, '/v1/batches', { key: INFER_KEY });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ param: null });
    expect(typeof body.error.type).toBe('string');
  });

  it('leaves /health and /docs open', async () => {
    expect((await request(gw, '/health/ready')).status).toBe(200);
    expect((await request(gw, '/health/live')).status).toBe(200);
    expect((await request(gw, '/docs/json')).status).toBe(200);
  });

  it('limits a key to its rate with 429 and Retry-After; other keys are not affected', async () => {
    for (let i = 1; i <= 3; i++) {
      const res = await request(gw, '/v1/infer', { body: echo, key: LIMITED_KEY });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(3 - i));
    }
    const over = await request(gw, '/v1/infer', { body: echo, key: LIMITED_KEY });
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(over.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(over.headers.get('x-ratelimit-reset'))).toBe(retryAfter);
    const body = (await over.json()) as { error: { code: string } };
    expect(body.error.code).toBe('rate_limited');

    const openAiShaped = await request(gw, '/v1/models', { key: LIMITED_KEY });
    expect(openAiShaped.status).toBe(429);
    expect(((await openAiShaped.json()) as { error: Record<string, unknown> }).error).toMatchObject({
      code: 'rate_limit_exceeded',
      param: null,
    });

    expect((await request(gw, '/v1/infer', { body: echo, key: INFER_KEY })).status).toBe(200);
  });

  it('shares the window with another gateway process on the same Redis', async () => {
    const other = await startGateway({ API_KEYS, QUEUE_PREFIX: gw.config.queue.prefix });
    try {
      const res = await request(other, '/v1/infer', { body: echo, key: LIMITED_KEY });
      expect(res.status).toBe(429);
    } finally {
      await other.close();
    }
  });

  it('logs the key’s name with each request, never the key', async () => {
    const { app, lines } = await loggedGateway({ API_KEYS }, gw.config.blobs.dir);
    try {
      await app.getHttpAdapter().getInstance().ready();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/infer',
        headers: { authorization: `Bearer ${INFER_KEY}`, 'content-type': 'application/json' },
        payload: echo,
      });
      expect(res.statusCode).toBe(200);
    } finally {
      await app.close();
    }
    expect(lines.some((l) => l.msg === 'request' && l.apiKeyName === 'app')).toBe(true);
    expect(lines.some((l) => l.level === 40 && /API_KEYS/.test(l.msg))).toBe(false);
    expect(JSON.stringify(lines)).not.toContain(INFER_KEY);
  });

  it('takes the official OpenAI client’s apiKey as it is', async () => {
    const client = new OpenAI({ apiKey: INFER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const wrong = new OpenAI({
      apiKey: 'og-wrong-key-0123456789abcdef',
      baseURL: `${gw.url}/v1`,
      maxRetries: 0,
    });
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('auto');
  });
});

/**
 * Spellings of a request target that a parser of the raw URL may read differently from the
 * router: the absolute form (any scheme case, a user, a query), dot and double slashes,
 * percent-encoding, case, a trailing slash, `;`, `?` and `#`.
 */
function spellings(path: string, port: string): string[] {
  const [, , root = '', ...rest] = path.split('/');
  const tail = rest.map((s) => `/${s}`).join('');
  return [
    path,
    `http://127.0.0.1:${port}${path}`,
    `HTTP://127.0.0.1:${port}${path}`,
    `hTtPs://elsewhere.example${path}`,
    `http://user:pw@elsewhere.example:1${path}?x=1`,
    `http://elsewhere.example`,
    `http://elsewhere.example?${path}`,
    `http://elsewhere.example#${path}`,
    `http://elsewhere.example/health/..${path}`,
    `/${path}`,
    `/v1//${root}${tail}`,
    `/v1/./${root}${tail}`,
    `/v1/x/../${root}${tail}`,
    `/health/..${path}`,
    `/v1/%${root.charCodeAt(0).toString(16)}${root.slice(1)}${tail}`,
    `/v1/${root}%2f${tail.slice(1)}`,
    `/V1/${root.toUpperCase()}${tail}`,
    `${path}/`,
    `${path};x`,
    `${path}?x=1`,
    `${path}#x`,
    `${path}%3f`,
    `${path}%00`,
  ];
}

describe('scopes, whatever the spelling of the request target', () => {
  let gw: TestGateway;
  let port: string;
  beforeAll(async () => {
    gw = await startGateway({ API_KEYS });
    port = new URL(gw.url).port;
  });
  afterAll(() => gw.close());

  const send = (method: string, target: string, key: string, body = ''): Promise<RawAnswer> =>
    rawRequest(
      gw.url,
      [
        `${method} ${target} HTTP/1.1`,
        'Host: 127.0.0.1',
        `Authorization: Bearer ${key}`,
        'Connection: close',
        ...(body ? ['Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`] : []),
      ].join('\r\n'),
      body,
    );

  // Each route with what its handler answers the root key (so the test knows the route ran).
  const routes = [
    {
      method: 'POST',
      path: '/v1/adapters',
      body: '{}',
      ran: (a: RawAnswer) => a.status === 400 && a.body.includes('"issues"'),
    },
    {
      method: 'DELETE',
      path: '/v1/adapters/nothing',
      body: '',
      ran: (a: RawAnswer) => a.status === 404 && a.body.includes('"details":{"id":"nothing"}'),
    },
    // A list, not any 200: a spelling the router reads as `/` gets the web console's page.
    {
      method: 'GET',
      path: '/v1/files',
      body: '',
      ran: (a: RawAnswer) => a.status === 200 && a.body.includes('"object":"list"'),
    },
    {
      method: 'GET',
      path: '/v1/batches',
      body: '',
      ran: (a: RawAnswer) => a.status === 200 && a.body.includes('"object":"list"'),
    },
  ];

  it.each(routes)(
    'answers 403 to an infer-only key on $method $path wherever the router runs the route',
    async ({ method, path, body, ran }) => {
      const reached: string[] = [];
      for (const target of spellings(path, port)) {
        const root = await send(method, target, ADMIN_KEY, body);
        const app = await send(method, target, INFER_KEY, body);
        // The route never runs for the infer-only key, whatever the router made of the target.
        expect(ran(app), `${method} ${target}: ${app.body}`).toBe(false);
        if (ran(root)) {
          reached.push(target);
          expect(app.status, `${method} ${target}: ${app.body}`).toBe(403);
          expect(JSON.parse(app.body)).toMatchObject({ error: { code: 'forbidden' } });
        } else {
          // Nothing ran: the router's own refusal (404, 400), or 403 for a route of the same
          // scope that refused the root key's request itself (`/v1/files/` is `/v1/files/:id`).
          expect([403, root.status], `${method} ${target}: ${app.body}`).toContain(app.status);
        }
      }
      // The spellings that used to slip through do reach the route, so the 403s above were tested.
      expect(reached).toEqual(
        expect.arrayContaining([
          path,
          `http://127.0.0.1:${port}${path}`,
          `HTTP://127.0.0.1:${port}${path}`,
          `hTtPs://elsewhere.example${path}`,
          `http://user:pw@elsewhere.example:1${path}?x=1`,
          `${path}?x=1`,
        ]),
      );
    },
  );

  it('names in ADMIN_ROUTES routes the gateway has (a renamed route would lose its scope)', () => {
    const fastify = gw.app.getHttpAdapter().getInstance();
    for (const route of ADMIN_ROUTES) {
      const [method = '', url = ''] = route.split(' ');
      expect(fastify.hasRoute({ method: method as 'POST', url }), route).toBe(true);
    }
  });

  it('stores a JSON body byte for byte on POST /v1/blobs whatever the spelling (the parser reads the route)', async () => {
    const body = '{"a": 1,  "b": [2]}';
    for (const target of ['/v1/blobs', `http://127.0.0.1:${port}/v1/blobs`, '/v1/%62lobs?x=1']) {
      const res = await send('POST', target, INFER_KEY, body);
      expect(res.status, `${target}: ${res.body}`).toBe(201);
      const { id } = JSON.parse(res.body) as { id: string };
      const stored = await fetch(`${gw.url}/v1/blobs/${id}`, {
        headers: { authorization: `Bearer ${INFER_KEY}` },
      });
      expect(await stored.text()).toBe(body);
    }
  });

  it('answers 401 to an absolute-form target without a key', async () => {
    const res = await rawRequest(
      gw.url,
      `GET http://127.0.0.1:${port}/v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close`,
    );
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_api_key' } });
  });
});
