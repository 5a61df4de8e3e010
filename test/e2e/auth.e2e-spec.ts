import { Writable } from 'node:stream';
import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../apps/gateway/src/app.factory';
import { sha256Hex } from '../../apps/gateway/src/auth/api-keys';
import { loadConfig } from '../../apps/gateway/src/config/app-config';
import { startGateway, type TestGateway } from '../gateway-harness';

const INFER_KEY = 'og-infer-key-0123456789abcdef';
const HASHED_KEY = 'og-hashed-key-0123456789abcdef';
const LIMITED_KEY = 'og-limited-key-0123456789abcdef';
const echo = JSON.stringify({ inputs: [{ text: 'hi' }], output: 'text', task: 'echo' });

const API_KEYS = JSON.stringify([
  { name: 'app', key: INFER_KEY, scopes: ['infer'] },
  { name: 'hashed', sha256: sha256Hex(HASHED_KEY), scopes: ['infer', 'batch'] },
  { name: 'limited', key: LIMITED_KEY, scopes: ['infer'], rateLimit: { requests: 3, perSeconds: 60 } },
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
    expect(lines.some((l) => l.msg === 'request completed' && l.apiKey === 'app')).toBe(true);
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
