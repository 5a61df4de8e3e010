import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGatewayProcess, sharedQueue, type GatewayProcess, type SharedQueue } from '../gateway-harness';
import { startOpenAiTestServer, type OpenAiTestServer } from '../openai-server/openai-test-server.mjs';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../otlp-receiver';
import { startWebhookReceiver, type WebhookReceiver } from '../webhook-receiver';

const CALLER_SPAN = '00f067aa0ba902b7';
const SERVER = 2;
const CLIENT = 3;

async function stop(proc: GatewayProcess | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null) return;
  const exited = new Promise<void>((r) => proc.child.once('exit', () => r()));
  proc.child.kill('SIGTERM');
  await exited;
}

/** A fresh trace id for each test: its spans are told apart from the others' by it. */
let traces = 0;
const newTraceId = () => (++traces).toString(16).padStart(32, 'a');
const traceparent = (traceId: string) => `00-${traceId}-${CALLER_SPAN}-01`;

describe('OpenTelemetry tracing across an API and a worker process', () => {
  let receiver: OtlpReceiver;
  let queue: SharedQueue;
  let backend: OpenAiTestServer;
  let hooks: WebhookReceiver;
  let api: GatewayProcess;
  let worker: GatewayProcess;

  /** The spans of `traceId` once `done` holds for them (the processes export on their own schedules). */
  async function spansOf(traceId: string, done: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
    const mine = () => receiver.spans.filter((s) => s.traceId === traceId);
    for (let i = 0; i < 100 && !done(mine()); i++) await new Promise((r) => setTimeout(r, 100));
    return mine();
  }
  /** The official client, its every request in the caller's trace `traceId`. */
  const tracedClient = (traceId: string) =>
    new OpenAI({
      baseURL: `${api.url}/v1`,
      apiKey: 'unused',
      maxRetries: 0,
      defaultHeaders: { traceparent: traceparent(traceId) },
    });
  /** POST /v1/infer, as a request of the caller's trace `traceId`. */
  const infer = (traceId: string, body: unknown) =>
    fetch(`${api.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: traceparent(traceId) },
      body: JSON.stringify(body),
    });
  const named = (spans: ReceivedSpan[], name: string) => {
    const span = spans.find((s) => s.name === name);
    expect(span, `${name} in ${JSON.stringify(spans.map((s) => s.name))}`).toBeDefined();
    return span!;
  };

  beforeAll(async () => {
    [receiver, backend, hooks] = await Promise.all([
      startOtlpReceiver(),
      startOpenAiTestServer(),
      startWebhookReceiver(),
    ]);
    queue = sharedQueue();
    const env = {
      ...queue.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // The default protocol, http/protobuf (http/json: thread-span-processor.spec.ts).
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OPENAI_BACKENDS: JSON.stringify([{ id: 'tr', baseUrl: backend.url, models: { chat: 'gpt-4o-mini' } }]),
      WEBHOOK_ALLOW_PRIVATE: 'true',
      // Their request and job-end lines name the trace.
      LOG_LEVEL: 'info',
    };
    [api, worker] = await Promise.all([
      spawnGatewayProcess({ ...env, ROLE: 'api', DISPATCH: 'queue', OTEL_SERVICE_NAME: 'gw-api' }),
      spawnGatewayProcess({ ...env, ROLE: 'worker', OTEL_SERVICE_NAME: 'gw-worker' }),
    ]);
  });

  afterAll(async () => {
    await stop(worker);
    await stop(api);
    queue?.remove();
    hooks?.server.close();
    await Promise.all([receiver?.close(), backend?.close()]);
  });

  it("continues the caller's trace: the API's request, detection, planning and enqueue, the worker's hop and adapter call", async () => {
    const traceId = newTraceId();
    const res = await infer(traceId, { inputs: [{ text: 'traced' }], output: 'text', task: 'echo' });
    expect(res.status).toBe(200);
    const job = (await res.json()) as { id: string; traceId?: string };

    const spans = await spansOf(
      traceId,
      (s) => s.some((x) => x.name === 'adapter builtin.echo') && s.length >= 6,
    );
    const http = named(spans, 'POST /v1/infer');
    expect(http).toMatchObject({ service: 'gw-api', parentSpanId: CALLER_SPAN, kind: SERVER });
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/infer',
      'http.response.status_code': 200,
    });
    // The answer names the request's span; the job its trace.
    expect(res.headers.get('traceparent')).toBe(`00-${traceId}-${http.spanId}-01`);
    expect(job.traceId).toBe(traceId);
    expect(
      ((await (await fetch(`${api.url}/v1/jobs/${job.id}`)).json()) as { traceId: string }).traceId,
    ).toBe(traceId);

    for (const step of ['detect', 'plan', 'enqueue']) {
      expect(named(spans, step)).toMatchObject({ service: 'gw-api', parentSpanId: http.spanId });
    }
    expect(named(spans, 'detect').attributes['omnigate.input.modalities']).toEqual(['text']);
    expect(named(spans, 'plan').attributes['omnigate.route']).toEqual(['builtin.echo']);
    expect(named(spans, 'enqueue').attributes['omnigate.job.id']).toBe(job.id);

    const hop = named(spans, 'hop builtin.echo');
    expect(hop).toMatchObject({ service: 'gw-worker', parentSpanId: http.spanId });
    expect(hop.attributes).toMatchObject({
      'omnigate.job.id': job.id,
      'omnigate.adapter.id': 'builtin.echo',
      'omnigate.task': 'echo',
      'omnigate.hop.index': 0,
      'omnigate.hop.attempt': 1,
      'omnigate.hop.outcome': 'completed',
    });
    expect(named(spans, 'adapter builtin.echo')).toMatchObject({
      service: 'gw-worker',
      parentSpanId: hop.spanId,
    });

    // From a log line to its trace: the request's line on the API, the job's end on the worker.
    const lines = (proc: GatewayProcess) =>
      proc
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines(api).find((l) => l.msg === 'request' && l.jobId === job.id)).toMatchObject({
      route: '/v1/infer',
      status: 200,
      traceId,
    });
    expect(lines(worker).find((l) => l.msg === 'job ended' && l.jobId === job.id)).toMatchObject({
      status: 'completed',
      traceId,
    });
  });

  it('traces a three-hop route: each hop, on the worker, a child of the request, with its adapter call', async () => {
    const traceId = newTraceId();
    // text → image (render) → signal (histogram) → image (plot)
    const res = await infer(traceId, {
      inputs: [{ text: 'three hops' }],
      output: 'image',
      adapter: 'builtin.signal-tools',
      task: 'plot',
    });
    expect(res.status).toBe(200);
    const isHop = (s: ReceivedSpan) => s.name.startsWith('hop ');
    const isCall = (s: ReceivedSpan) => s.name.startsWith('adapter ');
    const spans = await spansOf(
      traceId,
      (s) => s.filter(isHop).length >= 3 && s.filter(isCall).length >= 3 && s.some((x) => x.kind === SERVER),
    );
    const http = named(spans, 'POST /v1/infer');
    const hops = spans
      .filter(isHop)
      .sort(
        (a, b) => Number(a.attributes['omnigate.hop.index']) - Number(b.attributes['omnigate.hop.index']),
      );
    expect(hops.map((s) => [s.name, s.attributes['omnigate.hop.index'], s.parentSpanId, s.service])).toEqual([
      ['hop builtin.render', 0, http.spanId, 'gw-worker'],
      ['hop builtin.image-analysis', 1, http.spanId, 'gw-worker'],
      ['hop builtin.signal-tools', 2, http.spanId, 'gw-worker'],
    ]);
    for (const hop of hops) {
      const call = spans.find((s) => isCall(s) && s.parentSpanId === hop.spanId);
      expect(call?.name).toBe(`adapter ${hop.attributes['omnigate.adapter.id']}`);
    }
  });

  it("traces a model backend's call as a GenAI span, and the backend gets that span's traceparent", async () => {
    const traceId = newTraceId();
    const client = tracedClient(traceId);
    const completion = await client.chat.completions.create({
      model: 'tr.chat',
      messages: [{ role: 'user', content: 'say something traced' }],
    });
    const spans = await spansOf(
      traceId,
      (s) => s.some((x) => x.kind === CLIENT) && s.some((x) => x.kind === SERVER),
    );
    const http = named(spans, 'POST /v1/chat/completions');
    const hop = named(spans, 'hop tr.chat');
    expect(hop.parentSpanId).toBe(http.spanId);
    const call = named(spans, 'chat gpt-4o-mini');
    expect(call).toMatchObject({ service: 'gw-worker', parentSpanId: hop.spanId, kind: CLIENT });
    expect(call.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      // The backend's own answer (the gateway answers with ids of its own).
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.response.id': expect.stringMatching(/^chatcmpl-test\d+$/),
      'gen_ai.usage.input_tokens': completion.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': completion.usage!.completion_tokens,
      'gen_ai.response.finish_reasons': ['stop'],
      'omnigate.backend.id': 'tr',
    });
    // The backend's request carried the call's context: its own spans would join this trace.
    expect(backend.lastRequest('/v1/chat/completions')?.headers.traceparent).toBe(
      `00-${traceId}-${call.spanId}-01`,
    );
  });

  it("traces a webhook's delivery in its job's trace, and the receiver gets the delivery's traceparent", async () => {
    const traceId = newTraceId();
    const res = await infer(traceId, {
      inputs: [{ text: 'hooked' }],
      output: 'text',
      task: 'echo',
      mode: 'async',
      webhook: { url: hooks.url, secret: 'a-webhook-secret-of-some-length' },
    });
    expect(res.status).toBe(202);
    const spans = await spansOf(
      traceId,
      (s) => s.some((x) => x.name === 'webhook job.completed') && s.some((x) => x.kind === SERVER),
    );
    const http = named(spans, 'POST /v1/infer');
    const delivery = named(spans, 'webhook job.completed');
    expect(delivery).toMatchObject({ service: 'gw-worker', parentSpanId: http.spanId, kind: CLIENT });
    expect(delivery.attributes).toMatchObject({
      'http.response.status_code': 200,
      'omnigate.webhook.attempt': 1,
    });
    const received = hooks.deliveries.find((d) => d.headers.traceparent?.includes(traceId));
    expect(received?.headers.traceparent).toBe(`00-${traceId}-${delivery.spanId}-01`);
  });

  it('gives each batch line a trace of its own, linked to the request that created the batch', async () => {
    const traceId = newTraceId();
    const client = tracedClient(traceId);
    const line = {
      custom_id: 'one',
      method: 'POST',
      url: '/v1/infer',
      body: { inputs: [{ text: 'a line' }], output: 'text', task: 'echo' },
    };
    const file = await client.files.create({
      file: await toFile(Buffer.from(`${JSON.stringify(line)}\n`), 'input.jsonl'),
      purpose: 'batch',
    });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/infer' as '/v1/chat/completions',
      completion_window: '24h',
    });
    const created = named(
      await spansOf(traceId, (s) => s.some((x) => x.name === 'POST /v1/batches')),
      'POST /v1/batches',
    );
    let lineSpan: ReceivedSpan | undefined;
    for (let i = 0; i < 100 && !lineSpan; i++) {
      lineSpan = receiver.spans.find(
        (s) => s.name === 'batch line' && s.attributes['omnigate.batch.id'] === batch.id,
      );
      if (!lineSpan) await new Promise((r) => setTimeout(r, 100));
    }
    // Run by a process that works the batch lane (here both do).
    expect(lineSpan).toMatchObject({
      attributes: { 'omnigate.batch.line': 1, 'omnigate.batch.line.outcome': 'completed' },
    });
    expect(lineSpan!.traceId).not.toBe(traceId);
    expect(lineSpan!.links).toEqual([{ traceId, spanId: created.spanId }]);
    const hop = named(
      await spansOf(lineSpan!.traceId, (s) => s.some((x) => x.name === 'hop builtin.echo')),
      'hop builtin.echo',
    );
    expect(hop.parentSpanId).toBe(lineSpan!.spanId);
  });

  it('records a refused input on its detect span: an error with its exception, the request a 4xx', async () => {
    const traceId = newTraceId();
    // UTF-16 text: refused by detection (415), after the span has started.
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('not UTF-8', 'utf16le')]);
    const res = await infer(traceId, { inputs: [{ data: utf16.toString('base64') }], output: 'text' });
    expect(res.status).toBe(415);
    const spans = await spansOf(traceId, (s) => s.some((x) => x.name === 'detect') && s.length >= 2);
    const detect = named(spans, 'detect');
    expect(detect.parentSpanId).toBe(named(spans, 'POST /v1/infer').spanId);
    expect(detect.status?.code).toBe(2);
    expect(detect.events.map((e) => [e.name, e.attributes['exception.type']])).toEqual([
      ['exception', 'unsupported_media'],
    ]);
    expect(detect.attributes['omnigate.input.modalities']).toBeUndefined();
    expect(spans.map((s) => s.name)).not.toContain('enqueue');
  });

  it('starts a new trace for a request without traceparent', async () => {
    const res = await fetch(`${api.url}/v1/adapters/nope`);
    expect(res.status).toBe(404);
    const [, traceId, spanId] = res.headers.get('traceparent')!.split('-');
    const [notFound] = await spansOf(traceId!, (s) => s.length > 0);
    expect(notFound).toMatchObject({
      spanId,
      kind: SERVER,
      attributes: { 'http.response.status_code': 404 },
    });
    expect(notFound!.parentSpanId).toBeUndefined();
  });
});
