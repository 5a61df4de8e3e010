import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../apps/gateway/src/app.factory';
import { loadConfig } from '../../apps/gateway/src/config/app-config';
import { createLogger } from '../../apps/gateway/src/logging/logger';
import { startOpenAiTestServer, type OpenAiTestServer } from '../openai-server/openai-test-server.mjs';

/** Not shaped like an OpenAI key, so only knowing it can redact it. */
const BACKEND_KEY = 'og-backend-key-0123456789';
const SECRETS = [BACKEND_KEY, 'hunter2', 's3cret-token'];

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A gateway whose log (the product's pino logger, serializers included) is kept as text. */
describe('secrets of registered backends stay out of answers and logs', () => {
  let app: NestFastifyApplication;
  let url: string;
  let backend: OpenAiTestServer;
  let dir: string;
  let log = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'omnigate-secrets-'));
    backend = await startOpenAiTestServer();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    app = await createGateway(
      loadConfig({ QUEUE_DRIVER: 'inline', BLOB_DIR: join(dir, 'blobs'), JOB_ATTEMPTS: '1' }),
      createLogger('debug', sink),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.getHttpServer() as { address(): { port: number } }).address().port}`;
  });
  afterAll(async () => {
    await app?.close();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a user name or password in a registration’s URL, without quoting it', async () => {
    const withPassword = backend.url.replace('http://', 'http://admin:hunter2@');
    const cases: [unknown, RegExp][] = [
      [
        { kind: 'openai-compatible', id: 'leaky', baseUrl: withPassword, models: { chat: 'gpt-4o-mini' } },
        /^baseUrl: must not carry a user name or password: give the key as apiKey$/,
      ],
      [
        { kind: 'http', id: 'leaky.remote', url: withPassword },
        /^url: must not carry a user name or password: send credentials in headers$/,
      ],
    ];
    for (const [registration, message] of cases) {
      const res = await post(`${url}/v1/adapters`, registration);
      const text = await res.text();
      expect(res.status).toBe(400);
      expect((JSON.parse(text) as { error: { message: string } }).error.message).toMatch(message);
      expect(text).not.toContain('hunter2');
    }
    expect(backend.requests).toEqual([]);
  });

  it('keeps the api key and URL credentials an upstream echoes out of the 502 and the log', async () => {
    const registered = await post(`${url}/v1/adapters`, {
      kind: 'openai-compatible',
      id: 'echoing',
      baseUrl: backend.url,
      apiKey: BACKEND_KEY,
      models: { chat: 'gpt-4o-mini' },
    });
    expect(registered.status).toBe(201);
    backend.script({
      status: 500,
      body: {
        error: {
          message: `key ${BACKEND_KEY} refused by http://admin:hunter2@10.0.0.7/v1?token=s3cret-token`,
          type: 'server_error',
        },
      },
    });
    const res = await post(`${url}/v1/chat/completions`, {
      model: 'echoing.chat',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).toContain(
      'echoing.chat: the backend answered 500: key [redacted] refused by http://[redacted]@10.0.0.7/v1?token=[redacted]',
    );
    expect(backend.lastRequest('/v1/chat/completions')?.bearer).toBe(BACKEND_KEY);
    expect(log).toMatch(/hop failed/);
    for (const secret of SECRETS) {
      expect(text).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  });
});
