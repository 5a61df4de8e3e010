import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(3000);
    expect(c.role).toBe('all');
    expect(c.queue.driver).toBe('auto');
    expect(c.queue.workerAdapters).toEqual([]);
    expect(c.batches).toEqual({
      maxLines: 50_000,
      maxBytes: 200 * 1024 * 1024,
      priority: 8,
      concurrency: 16,
      leaseMs: 30_000,
    });
  });

  it('parses the batch variables', () => {
    const c = loadConfig({ BATCH_MAX_LINES: '100', BATCH_PRIORITY: '10', BATCH_CONCURRENCY: '4' });
    expect(c.batches).toMatchObject({ maxLines: 100, priority: 10, concurrency: 4 });
  });

  it('parses the webhook variables, private addresses refused by default', () => {
    expect(loadConfig({}).webhooks).toEqual({
      allowPrivate: false,
      attempts: 6,
      backoffMs: 1000,
      timeoutMs: 10_000,
    });
    const c = loadConfig({
      WEBHOOK_SECRET: 'whsec-0123456789abcdef',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_ATTEMPTS: '2',
      WEBHOOK_TIMEOUT_MS: '500',
    });
    expect(c.webhooks).toMatchObject({
      secret: 'whsec-0123456789abcdef',
      allowPrivate: true,
      attempts: 2,
      timeoutMs: 500,
    });
  });

  it('names a bad webhook variable without quoting the secret', () => {
    expect(() => loadConfig({ WEBHOOK_SECRET: 'short-secret' })).toThrow(
      /^(?!.*short-secret).*WEBHOOK_SECRET/,
    );
  });

  it('parses values', () => {
    const c = loadConfig({ PORT: '8080', WORKER_ADAPTERS: 'builtin.sharp, builtin.render', ROLE: 'worker' });
    expect(c.http.port).toBe(8080);
    expect(c.queue.workerAdapters).toEqual(['builtin.sharp', 'builtin.render']);
    expect(c.role).toBe('worker');
  });

  it('works both lanes at normal priority by default; WORKER_LANES and WORKER_NICE change that', () => {
    expect(loadConfig({}).queue.workerLanes).toEqual(['interactive', 'batch']);
    expect(loadConfig({}).nice).toBe(0);
    expect(loadConfig({ WORKER_LANES: ' batch ' }).queue.workerLanes).toEqual(['batch']);
    expect(loadConfig({ WORKER_LANES: 'interactive,interactive' }).queue.workerLanes).toEqual([
      'interactive',
    ]);
    expect(loadConfig({ WORKER_NICE: '10' }).nice).toBe(10);
    expect(() => loadConfig({ WORKER_LANES: 'interactive,gpu' })).toThrow(/WORKER_LANES.*gpu is not a lane/);
  });

  it.each([
    ['PORT', 'eighty'],
    ['ROLE', 'boss'],
    ['QUEUE_DRIVER', 'kafka'],
    ['REDIS_URL', 'http://localhost'],
    ['JOB_ATTEMPTS', '0'],
    ['BREAKER_FAILURES', '0'],
    ['BATCH_PRIORITY', '11'],
    ['BATCH_CONCURRENCY', '0'],
    ['WEBHOOK_ALLOW_PRIVATE', 'yes'],
    ['WEBHOOK_ATTEMPTS', '0'],
    ['WEBHOOK_TIMEOUT_MS', '10'],
    ['BATCH_MAX_BYTES', 'lots'],
    ['WORKER_LANES', 'interactive,gpu'],
    ['WORKER_LANES', ','],
    ['WORKER_NICE', '20'],
    ['WORKER_NICE', '-5'],
    ['METRICS', 'yes'],
    ['QUEUE_DASHBOARD', 'on'],
    ['OPENAI_BACKENDS', '[{"id":"vllm","baseUrl":"not a url","models":{"chat":"m"}}]'],
    ['OPENAI_BACKENDS', '{not json'],
    ['API_KEYS', '[{"name":"a","key":"og-secret-0123456789","scopes":["root"]}]'],
    ['API_KEYS', '[{"name":"a","key":"og-secret-0123456789"'],
  ])('names %s in the error for a bad value', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('has the model-backed built-ins on unless BUILTIN_MODELS=off, and passes the system tool paths', () => {
    expect(loadConfig({}).builtins).toEqual({ models: true, tools: {} });
    expect(
      loadConfig({ BUILTIN_MODELS: 'off', POCKETSPHINX_PATH: '/nowhere/pocketsphinx_continuous' }).builtins,
    ).toEqual({ models: false, tools: { pocketsphinx: '/nowhere/pocketsphinx_continuous' } });
    expect(() => loadConfig({ BUILTIN_MODELS: 'maybe' })).toThrow(/BUILTIN_MODELS/);
  });

  it('has metrics on unless METRICS=off', () => {
    expect(loadConfig({}).metrics).toBe(true);
    expect(loadConfig({ METRICS: 'on' }).metrics).toBe(true);
    expect(loadConfig({ METRICS: 'off' }).metrics).toBe(false);
  });

  it('has a read-only queue dashboard unless QUEUE_DASHBOARD says otherwise', () => {
    expect(loadConfig({}).queueDashboard).toBe('read-only');
    expect(loadConfig({ QUEUE_DASHBOARD: 'read-write' }).queueDashboard).toBe('read-write');
    expect(loadConfig({ QUEUE_DASHBOARD: 'off' }).queueDashboard).toBe('off');
  });

  it('gives OpenAI-compatible backends from OPENAI_BACKENDS, never quoting a key in errors', () => {
    const c = loadConfig({
      OPENAI_BACKENDS: '[{"id":"vllm","baseUrl":"http://vllm:8000/v1","models":{"chat":"qwen"}}]',
    });
    expect(c.openAiBackends).toMatchObject([{ id: 'vllm', models: { chat: 'qwen' } }]);
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test' }).openAiBackends.map((b) => b.id)).toEqual(['openai']);
    expect(() => loadConfig({ OPENAI_BACKENDS: '[{"id":"x","apiKey":"sk-secret-123",' })).toThrow(
      /^(?!.*sk-secret-123).*OPENAI_BACKENDS/,
    );
  });

  it('holds API_KEYS as sha256 digests, and none by default', () => {
    expect(loadConfig({}).auth.apiKeys).toEqual([]);
    const c = loadConfig({
      API_KEYS: '[{"name":"app","key":"og-secret-0123456789","scopes":["infer"]}]',
    });
    expect(c.auth.apiKeys).toMatchObject([{ name: 'app', scopes: ['infer'] }]);
    expect(JSON.stringify(c)).not.toContain('og-secret-0123456789');
  });

  it('names API_KEYS and the field without quoting a key or keeping a cause', () => {
    const bad = [
      '[{"name":"a","key":"og-secret-0123456789","sha256":"00","scopes":["infer"]}]',
      '[{"name":"a","key":"og-secret-0123456789",',
      '[{"name":"a","key":"og-secret-0123456789","scopes":"infer"}]',
    ];
    for (const value of bad) {
      let error: unknown;
      try {
        loadConfig({ API_KEYS: value });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/API_KEYS/);
      expect((error as Error).message).not.toContain('og-secret-0123456789');
      expect((error as Error).cause).toBeUndefined();
    }
  });

  it('parses the HTTP time limits, the headers’ no longer than the whole request’s', () => {
    expect(loadConfig({}).http).toMatchObject({ headersTimeoutMs: 30_000, requestTimeoutMs: 300_000 });
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS/,
    );
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '0' })).toThrow(/HTTP_REQUEST_TIMEOUT_MS/);
  });
});
