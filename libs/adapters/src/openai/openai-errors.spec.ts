import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAiTestServer } from '../../../../test/openai-server/openai-test-server.mjs';
import { createAdapterHarness } from '../builtin/testing';
import type { Adapter } from '../sdk/adapter';
import { AdapterError } from '../sdk/adapter-error';
import { redact, retryAfterMs } from './openai-errors';
import { startTestBackend, TEST_API_KEY, testAdapters } from './openai.testing';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await startTestBackend();
});
afterEach(() => server.reset());
afterAll(() => server.close());

/** Runs a chat through the adapter and returns what it threw. */
async function failure(adapter: Adapter, harness = createAdapterHarness()): Promise<AdapterError> {
  const error = await harness
    .invoke(adapter, {
      task: 'chat',
      inputs: [harness.put('hello', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'text' },
    })
    .then(
      () => undefined,
      (caught: unknown) => caught,
    );
  expect(error).toBeInstanceOf(AdapterError);
  const adapterError = error as AdapterError;
  expect(adapterError.message).not.toContain(TEST_API_KEY);
  expect(adapterError.message).not.toContain('hello');
  return adapterError;
}

describe('upstream errors as AdapterError', () => {
  it('429 with Retry-After in seconds is rate_limited, retryable, and says how long to wait', async () => {
    server.script({ status: 429, retryAfter: 2 });
    const error = await failure(testAdapters(server).chat);
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 2000 });
    expect(error.details).toMatchObject({ upstreamStatus: 429, upstreamCode: 'rate_limit_exceeded' });
    expect(error.cause).toBeInstanceOf(Error);
    expect(server.requests).toHaveLength(1);
  });

  it('prefers retry-after-ms, and reads Retry-After as an HTTP date', async () => {
    server.script({ status: 429, retryAfterMs: 1500, retryAfter: 9 });
    expect((await failure(testAdapters(server).chat)).retryAfterMs).toBe(1500);
    server.script({ status: 503, retryAfter: new Date(Date.now() + 30_000).toUTCString() });
    const error = await failure(testAdapters(server).chat);
    expect(error).toMatchObject({ code: 'adapter_failed', retryable: true });
    expect(error.retryAfterMs).toBeGreaterThan(25_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('429 insufficient_quota is not retryable', async () => {
    server.script({
      status: 429,
      body: {
        error: {
          message: 'You exceeded your current quota.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      },
    });
    expect(await failure(testAdapters(server).chat)).toMatchObject({
      code: 'rate_limited',
      retryable: false,
    });
  });

  it('500 and 503 are retryable adapter_failed, 504 a retryable timeout; no retry happens inside the client', async () => {
    server.script({ status: 500 }, { status: 503 }, { status: 504 });
    const { chat } = testAdapters(server);
    expect(await failure(chat)).toMatchObject({
      code: 'adapter_failed',
      retryable: true,
      retryAfterMs: undefined,
    });
    expect(await failure(chat)).toMatchObject({ code: 'adapter_failed', retryable: true });
    expect(await failure(chat)).toMatchObject({ code: 'timeout', retryable: true });
    expect(server.requests).toHaveLength(3);
  });

  it('400 is invalid_request and 422 unprocessable_input, neither retryable; the upstream reason is kept', async () => {
    server.script(
      {
        status: 400,
        body: {
          error: {
            message: "Invalid 'messages[0].content': too long.",
            type: 'invalid_request_error',
            param: 'messages',
            code: 'string_above_max_length',
          },
        },
      },
      { status: 422 },
    );
    const { chat } = testAdapters(server);
    const bad = await failure(chat);
    expect(bad).toMatchObject({ code: 'invalid_request', retryable: false });
    expect(bad.message).toBe("test.chat: the backend answered 400: Invalid 'messages[0].content': too long.");
    expect(bad.details).toMatchObject({ param: 'messages', upstreamCode: 'string_above_max_length' });
    expect(await failure(chat)).toMatchObject({ code: 'unprocessable_input', retryable: false });
  });

  it('401 and 403 are adapter_failed, not retryable, and the key an upstream echoes is redacted', async () => {
    server.script(
      {
        status: 401,
        body: { error: { message: `Incorrect API key provided: ${TEST_API_KEY}.`, code: 'invalid_api_key' } },
      },
      { status: 403 },
    );
    const { chat } = testAdapters(server);
    const unauthorized = await failure(chat);
    expect(unauthorized).toMatchObject({ code: 'adapter_failed', retryable: false });
    expect(unauthorized.message).toContain('Incorrect API key provided: [redacted]');
    // The cause is kept, and logged: scrubbed of the key too, body included.
    const cause = unauthorized.cause as Error & { error?: unknown };
    expect(`${cause.message} ${cause.stack} ${JSON.stringify(cause.error)}`).not.toContain(TEST_API_KEY);
    expect(await failure(chat)).toMatchObject({ code: 'adapter_failed', retryable: false });
  });

  it('an unknown model (404) is a configuration error, not retryable', async () => {
    const error = await failure(testAdapters(server, { models: { chat: 'no-such-model' } }).chat);
    expect(error).toMatchObject({ code: 'adapter_failed', retryable: false });
    expect(error.message).toContain('no-such-model');
  });

  it('a backend that does not answer within timeoutMs is a retryable timeout', async () => {
    server.script({ hang: true });
    const started = Date.now();
    const error = await failure(testAdapters(server, { timeoutMs: 300 }).chat);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(error.message).toContain('300 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('an abort cancels a slow request promptly', async () => {
    server.script({ delayMs: 5_000 });
    const harness = createAdapterHarness();
    setTimeout(() => harness.controller.abort(), 100);
    const started = Date.now();
    const error = await failure(testAdapters(server).chat, harness);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('an abort also stops a stream half way', async () => {
    server.script({ chunkDelayMs: 200 });
    const harness = createAdapterHarness();
    const deltas: string[] = [];
    harness.context.onTextDelta = (delta) => {
      deltas.push(delta);
      if (deltas.length === 2) harness.controller.abort();
    };
    const started = Date.now();
    const error = await failure(testAdapters(server).chat, harness);
    expect(error.code).toBe('timeout');
    expect(deltas).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a redirect is not followed: the key never reaches where it points', async () => {
    const elsewhere = await startTestBackend();
    try {
      server.script({ status: 307, headers: { location: `${elsewhere.url}/chat/completions` } });
      const error = await failure(testAdapters(server).chat);
      expect(error).toMatchObject({ code: 'adapter_failed', retryable: false });
      expect(error.message).toMatch(/answered 307: a redirect, which is not followed/);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('an answer over the byte bound fails, not retryable', async () => {
    const error = await failure(testAdapters(server, {}, { maxResponseBytes: 100 }).chat);
    expect(error).toMatchObject({ code: 'adapter_failed', retryable: false });
    expect(error.message).toBe("test.chat: the backend's answer is over 100 bytes");
  });

  it('a backend nobody listens on is a retryable adapter_failed', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const adapters = testAdapters({ ...server, url: `http://127.0.0.1:${port}/v1` });
    const error = await failure(adapters.chat);
    expect(error).toMatchObject({ code: 'adapter_failed', retryable: true });
    expect(error.message).toMatch(/^test\.chat: could not reach the backend/);
  });
});

describe('retryAfterMs', () => {
  it('reads milliseconds, seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250.5' }), now)).toBe(251);
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }), now)).toBe(10_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('redact', () => {
  it('removes the key and key-like tokens and bounds the length', () => {
    expect(redact('bad key sk-abc123 and sk-proj-ABCDEFGHIJKL', 'sk-abc123')).toBe(
      'bad key [redacted] and [redacted]',
    );
    expect(redact('x'.repeat(1000)).length).toBeLessThanOrEqual(301);
  });
});
