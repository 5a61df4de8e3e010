import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiTestServer, type OpenAiTestServer } from '../openai-server/openai-test-server.mjs';
import { startGateway, type TestGateway } from '../gateway-harness';
import { samples } from '../metrics-samples';

const echo = JSON.stringify({ inputs: [{ text: 'hi' }], output: 'text', task: 'echo' });
const METRICS_KEY = 'og-metrics-key-0123456789abcdef';
const ADMIN_KEY = 'og-admin-key-0123456789abcdef';
const INFER_KEY = 'og-infer-key-0123456789abcdef';

function get(gw: TestGateway, path: string, key?: string) {
  return fetch(`${gw.url}${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
}

describe('GET /metrics', () => {
  let gw: TestGateway;
  let worker: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
    // A second gateway in the same process: each has its own registry.
    worker = await startGateway({ ROLE: 'worker' });
  });
  afterAll(async () => {
    await worker?.close();
    await gw?.close();
  });

  it('counts requests by route template and status, jobs by status and hops by adapter; never a job id', async () => {
    const ids: string[] = [];
    let adapter = '';
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gw.url}/v1/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: echo,
      });
      expect(res.status).toBe(200);
      const job = (await res.json()) as { id: string; status: string; route: { adapter: string }[] };
      expect(job.status).toBe('completed');
      ids.push(job.id);
      adapter = job.route[0]!.adapter;
    }
    expect((await get(gw, `/v1/jobs/${ids[0]}`)).status).toBe(200);
    expect((await get(gw, `/no/such/${ids[1]}`)).status).toBe(404);

    const res = await get(gw, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const s = samples(text);
    expect(s.get('omnigate_http_requests_total{method="POST",route="/v1/infer",status="200"}')).toBe(2);
    expect(s.get('omnigate_http_requests_total{method="GET",route="/v1/jobs/:id",status="200"}')).toBe(1);
    expect(s.get('omnigate_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(s.get('omnigate_http_request_duration_seconds_count{method="POST",route="/v1/infer"}')).toBe(2);
    expect(s.get('omnigate_jobs_ended_total{status="completed"}')).toBe(2);
    expect(s.get('omnigate_job_duration_seconds_count{status="completed"}')).toBe(2);
    expect(s.get('omnigate_job_queued_seconds_count')).toBe(2);
    expect(s.get(`omnigate_hop_runs_total{adapter="${adapter}",task="echo",outcome="completed"}`)).toBe(2);
    expect(s.get('omnigate_jobs_created_total{lane="interactive",modalities="text->text",task="echo"}')).toBe(
      2,
    );
    // Gauges read at scrape time, for every registered adapter (and its queue in each lane).
    expect(s.get(`omnigate_adapter_breaker_state{adapter="${adapter}"}`)).toBe(0);
    expect(s.get(`omnigate_adapter_healthy{adapter="${adapter}"}`)).toBe(1);
    expect(s.get(`omnigate_queue_hops{adapter="${adapter}",lane="interactive",state="waiting"}`)).toBe(0);
    expect(s.get(`omnigate_queue_hops{adapter="${adapter}",lane="batch",state="active"}`)).toBe(0);
    expect(s.get(`omnigate_hop_duration_seconds_count{adapter="${adapter}",outcome="completed"}`)).toBe(2);
    // Node process metrics, on the gateway's own registry.
    expect(s.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    // Bounded labels: no job id, no raw path.
    for (const id of ids) expect(text).not.toContain(id);
    expect(text).not.toContain('/no/such');
  });

  it('is answered by a worker too, on its health listener, from its own registry', async () => {
    expect((await get(worker, '/v1/adapters')).status).toBe(404);
    const res = await get(worker, '/metrics');
    expect(res.status).toBe(200);
    const s = samples(await res.text());
    expect(
      s.get('omnigate_http_requests_total{method="POST",route="/v1/infer",status="200"}'),
    ).toBeUndefined();
    expect(s.get('omnigate_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
  });
});

describe('METRICS=off', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ METRICS: 'off' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('has no /metrics', async () => {
    expect((await get(gw, '/health/live')).status).toBe(200);
    expect((await get(gw, '/metrics')).status).toBe(404);
  });
});

describe('GET /metrics: retries, fallbacks and breakers', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // test.broken always answers 503: its second failure opens its breaker, and the job falls back.
    gw = await startGateway({
      ADAPTER_MODULES: './test/adapters/fallback-adapters.mjs',
      JOB_ATTEMPTS: '3',
      JOB_BACKOFF_MS: '10',
      BREAKER_FAILURES: '2',
    });
  });
  afterAll(() => gw?.close());

  it('counts the retry, the fallback from the broken adapter to the next, and shows its breaker open', async () => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ text: 'hello' }], output: { modality: 'text' }, task: 'shout' }),
    });
    const body = (await res.json()) as { route: { adapter: string }[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.route.map((step) => step.adapter)).toEqual(['test.backup']);

    const s = samples(await (await get(gw, '/metrics')).text());
    expect(s.get('omnigate_hop_runs_total{adapter="test.broken",task="shout",outcome="retried"}')).toBe(1);
    expect(s.get('omnigate_hop_runs_total{adapter="test.broken",task="shout",outcome="failed"}')).toBe(1);
    expect(s.get('omnigate_hop_runs_total{adapter="test.backup",task="shout",outcome="completed"}')).toBe(1);
    expect(s.get('omnigate_hop_retries_total{adapter="test.broken"}')).toBe(1);
    expect(s.get('omnigate_hop_retries_total{adapter="test.backup"}')).toBeUndefined();
    expect(s.get('omnigate_hop_fallbacks_total{from="test.broken",to="test.backup"}')).toBe(1);
    expect(s.get('omnigate_adapter_breaker_state{adapter="test.broken"}')).toBe(1);
    expect(s.get('omnigate_adapter_breaker_state{adapter="test.backup"}')).toBe(0);
    expect(
      s.get('omnigate_jobs_created_total{lane="interactive",modalities="text->text",task="shout"}'),
    ).toBe(1);
  });
});

describe('GET /metrics: queue gauges of an API process (no worker consumes)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ ROLE: 'api' });
  });
  afterAll(() => gw?.close());

  it("shows the waiting hop of an async job in its adapter's queue", async () => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...(JSON.parse(echo) as object), mode: 'async' }),
    });
    expect(res.status).toBe(202);
    const job = (await res.json()) as { route: { adapter: string }[] };
    const adapter = job.route[0]!.adapter;
    const s = samples(await (await get(gw, '/metrics')).text());
    expect(s.get(`omnigate_queue_hops{adapter="${adapter}",lane="interactive",state="waiting"}`)).toBe(1);
    expect(s.get(`omnigate_queue_hops{adapter="${adapter}",lane="batch",state="waiting"}`)).toBe(0);
    expect(s.get('omnigate_jobs_created_total{lane="interactive",modalities="text->text",task="echo"}')).toBe(
      1,
    );
  });
});

describe('GET /metrics with API_KEYS', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      API_KEYS: JSON.stringify([
        { name: 'prometheus', key: METRICS_KEY, scopes: ['metrics'] },
        { name: 'root', key: ADMIN_KEY, scopes: ['admin'] },
        { name: 'app', key: INFER_KEY, scopes: ['infer'] },
      ]),
    });
  });
  afterAll(() => gw?.close());

  it('needs the metrics or the admin scope', async () => {
    expect((await get(gw, '/metrics')).status).toBe(401);
    const forbidden = await get(gw, '/metrics', INFER_KEY);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { message: string } }).error.message).toMatch(
      /"metrics" or "admin" scope/,
    );
    expect((await get(gw, '/metrics', METRICS_KEY)).status).toBe(200);
    const res = await get(gw, '/metrics', ADMIN_KEY);
    expect(res.status).toBe(200);
    const s = samples(await res.text());
    expect(s.get('omnigate_http_requests_total{method="GET",route="/metrics",status="401"}')).toBe(1);
    expect(s.get('omnigate_http_requests_total{method="GET",route="/metrics",status="403"}')).toBe(1);
    expect(s.get('omnigate_http_requests_total{method="GET",route="/metrics",status="200"}')).toBe(1);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await get(gw, '/docs/json')).json()) as { paths: Record<string, unknown> };
    expect(doc.paths['/metrics']).toBeDefined();
  });

  it('reads nothing else with the metrics scope', async () => {
    expect((await get(gw, '/v1/adapters', METRICS_KEY)).status).toBe(403);
  });
});

describe('model backend metrics (OpenAI-compatible test server)', () => {
  let server: OpenAiTestServer;
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    // A pause between streamed chunks, so that the time per output token is more than nothing.
    server = await startOpenAiTestServer({ chunkDelayMs: 15 });
    gw = await startGateway({
      OPENAI_BACKENDS: JSON.stringify([
        {
          id: 'mx',
          baseUrl: server.url,
          apiKey: 'sk-metrics',
          models: { chat: 'gpt-4o-mini', embedding: 'text-embedding-3-small' },
        },
      ]),
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.close();
    await server?.close();
  });

  it('counts the tokens the backend reported, streamed or not, and times the streamed answers', async () => {
    const chat = 'backend="mx",model="gpt-4o-mini"';
    const embedding = 'backend="mx",model="text-embedding-3-small"';
    const usages: { prompt_tokens: number; completion_tokens: number; total_tokens: number }[] = [];
    const completion = await client.chat.completions.create({
      model: 'mx.chat',
      messages: [{ role: 'user', content: 'count these words please' }],
    });
    usages.push(completion.usage!);
    for (const content of ['tokens arrive one by one', 'and then some more']) {
      const stream = await client.chat.completions.create({
        model: 'mx.chat',
        messages: [{ role: 'user', content }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.usage) usages.push(chunk.usage);
      }
      expect(text).toBe(`Echo: ${content}`);
    }
    expect(usages).toHaveLength(3);
    expect(usages.every((u) => u.completion_tokens > 1 && u.prompt_tokens > 0)).toBe(true);
    // The upstream was asked for a stream's usage (it would not send it otherwise).
    expect(server.lastRequest('/v1/chat/completions')!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    const embedded = await client.embeddings.create({ model: 'mx.embedding', input: 'one two three four' });
    expect(embedded.usage.prompt_tokens).toBeGreaterThan(0);

    const s = samples(await (await get(gw, '/metrics')).text());
    const sum = (key: 'prompt_tokens' | 'completion_tokens' | 'total_tokens') =>
      usages.reduce((total, u) => total + u[key], 0);
    expect(s.get(`omnigate_gen_ai_prompt_tokens_total{${chat}}`)).toBe(sum('prompt_tokens'));
    expect(s.get(`omnigate_gen_ai_completion_tokens_total{${chat}}`)).toBe(sum('completion_tokens'));
    expect(s.get(`omnigate_gen_ai_tokens_total{${chat}}`)).toBe(sum('total_tokens'));
    expect(s.get(`omnigate_gen_ai_prompt_tokens_total{${embedding}}`)).toBe(embedded.usage.prompt_tokens);
    expect(s.get(`omnigate_gen_ai_tokens_total{${embedding}}`)).toBe(embedded.usage.total_tokens);
    // Time to first token and per output token: the two streamed answers only.
    expect(s.get(`omnigate_gen_ai_time_to_first_token_seconds_count{${chat}}`)).toBe(2);
    expect(s.get(`omnigate_gen_ai_time_per_output_token_seconds_count{${chat}}`)).toBe(2);
    expect(s.get(`omnigate_gen_ai_time_per_output_token_seconds_sum{${chat}}`)).toBeGreaterThan(0);
    expect(s.get(`omnigate_gen_ai_time_to_first_token_seconds_count{${embedding}}`)).toBeUndefined();
    // Bounded labels: the configured backend and models, nothing else.
    for (const key of s.keys()) {
      if (!key.startsWith('omnigate_gen_ai_')) continue;
      expect(key).toMatch(
        /\{(le="[^"]+",)?backend="mx",model="(gpt-4o-mini|text-embedding-3-small)"(,le="[^"]+")?\}$/,
      );
    }
  });
});
