import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { sharedQueue, spawnGatewayProcess, type GatewayProcess, type SharedQueue } from '../gateway-harness';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../otlp-receiver';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

async function stop(proc: GatewayProcess | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null) return;
  const exited = new Promise<void>((r) => proc.child.once('exit', () => r()));
  proc.child.kill('SIGTERM');
  await exited;
}

async function spansOf(
  receiver: OtlpReceiver,
  done: (spans: ReceivedSpan[]) => boolean,
): Promise<ReceivedSpan[]> {
  for (let i = 0; i < 100 && !done(receiver.spans); i++) await new Promise((r) => setTimeout(r, 100));
  return receiver.spans;
}

describe('OpenTelemetry tracing across an API and a worker process', () => {
  let receiver: OtlpReceiver;
  let queue: SharedQueue;
  let api: GatewayProcess;
  let worker: GatewayProcess;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    queue = sharedQueue();
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    api = await spawnGatewayProcess({
      ...queue.env,
      ...otel,
      ROLE: 'api',
      DISPATCH: 'queue',
      OTEL_SERVICE_NAME: 'gw-api',
    });
    worker = await spawnGatewayProcess({
      ...queue.env,
      ...otel,
      ROLE: 'worker',
      WORKER_ADAPTERS: 'builtin.echo,builtin.signal,builtin.render',
      OTEL_SERVICE_NAME: 'gw-worker',
    });
  });

  afterAll(async () => {
    await stop(worker);
    await stop(api);
    queue?.remove();
    await receiver?.close();
  });

  it('continues the caller trace on the API, and the hop span on the worker is its child', async () => {
    const res = await fetch(`${api.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
      body: JSON.stringify({ inputs: [{ text: 'traced' }], output: 'text', task: 'echo' }),
    });
    expect(res.status).toBe(200);

    const inTrace = (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === TRACE_ID);
    const spans = inTrace(
      await spansOf(receiver, (all) => {
        const mine = inTrace(all);
        return mine.some((s) => s.service === 'gw-api') && mine.some((s) => s.service === 'gw-worker');
      }),
    );
    const http = spans.find((s) => s.service === 'gw-api' && s.name === 'POST /v1/infer');
    expect(http, JSON.stringify(receiver.spans)).toBeDefined();
    expect(http!.parentSpanId).toBe(CALLER_SPAN);
    expect(http!.kind).toBe(2); // SERVER
    expect(http!.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/infer',
      'http.response.status_code': 200,
    });

    const hop = spans.find((s) => s.service === 'gw-worker');
    expect(hop, JSON.stringify(receiver.spans)).toBeDefined();
    expect(hop!.name).toBe('hop builtin.echo');
    expect(hop!.parentSpanId).toBe(http!.spanId);
    expect(hop!.attributes).toMatchObject({
      'omnigate.adapter.id': 'builtin.echo',
      'omnigate.task': 'echo',
      'omnigate.hop.index': 0,
      'omnigate.hop.attempt': 1,
      'omnigate.hop.outcome': 'completed',
    });
  });

  it('carries the trace from hop to hop: both hops of a two-hop route are children of the request', async () => {
    const traceId = 'a'.repeat(32);
    const res = await fetch(`${api.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${CALLER_SPAN}-01` },
      body: JSON.stringify({
        inputs: [{ data: fixture('signal/mitdb-100-ecg-10s.csv').toString('base64'), filename: 'ecg.csv' }],
        output: 'image',
        adapter: 'builtin.render',
      }),
    });
    expect(res.status).toBe(200);
    const hops = (all: ReceivedSpan[]) =>
      all.filter((s) => s.traceId === traceId && s.name.startsWith('hop '));
    const isRequest = (s: ReceivedSpan) => s.traceId === traceId && s.name === 'POST /v1/infer';
    // The two processes export on their own schedules: wait for the request's span as well.
    const spans = await spansOf(receiver, (all) => hops(all).length >= 2 && all.some(isRequest));
    const http = spans.find(isRequest);
    expect(http).toBeDefined();
    expect(
      hops(spans)
        .map((s) => [s.name, s.attributes['omnigate.hop.index'], s.parentSpanId, s.service])
        .sort((a, b) => Number(a[1]) - Number(b[1])),
    ).toEqual([
      ['hop builtin.signal', 0, http!.spanId, 'gw-worker'],
      ['hop builtin.render', 1, http!.spanId, 'gw-worker'],
    ]);
  });

  it('starts a new trace for a request without traceparent; health probes are spans too, not hops', async () => {
    const res = await fetch(`${api.url}/v1/adapters/nope`);
    expect(res.status).toBe(404);
    const spans = await spansOf(receiver, (all) =>
      all.some((s) => s.attributes['http.response.status_code'] === 404),
    );
    const notFound = spans.find((s) => s.attributes['http.response.status_code'] === 404)!;
    expect(notFound.traceId).not.toBe(TRACE_ID);
    expect(notFound.parentSpanId).toBeUndefined();
  });
});
