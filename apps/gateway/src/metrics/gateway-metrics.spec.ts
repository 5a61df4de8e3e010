import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { BreakerState } from '../adapters/adapter-health';
import { loadConfig } from '../config/app-config';
import { InlineJobBackend } from '../queue/inline-job-backend';
import { CompactTracerProvider } from '../tracing/compact-tracer';
import { spanLimitsFromEnv } from '../tracing/span-limits';
import { enableTracing } from '../tracing/trace-context';
import { traceSampler } from '../tracing/trace-sampler';
import { GatewayMetrics } from './gateway-metrics';
import { modalityPair } from './modality-labels';
import { samples } from '../../../../test/metrics-samples';
import { testHop } from '../jobs/job-record.testing';

const known = (m: string) => ['text', 'image', 'audio'].includes(m);

describe('modalityPair', () => {
  it('joins the inputs with + (once each, sorted) and names the output', () => {
    expect(modalityPair([{ modality: 'text' }], 'text', known)).toBe('text->text');
    expect(
      modalityPair([{ modality: 'text' }, { modality: 'image' }, { modality: 'text' }], 'audio', known),
    ).toBe('image+text->audio');
  });

  it('names a modality the registry does not know other', () => {
    expect(modalityPair([{ modality: 'gone.lidar' }], 'gone.mesh', known)).toBe('other->other');
    expect(modalityPair([{ modality: 'x' }, { modality: 'text' }], 'text', known)).toBe('other+text->text');
  });
});

describe('adapter gauges', () => {
  it('read the breakers and probes at scrape time, for the adapters registered then', async () => {
    const metrics = new GatewayMetrics();
    let adapters = ['a', 'b', 'c'];
    const breakers: Record<string, Exclude<BreakerState, 'unhealthy'>> = {
      a: 'closed',
      b: 'half-open',
      c: 'open',
    };
    metrics.watch({
      adapters: () => adapters,
      health: { breaker: (id) => breakers[id]!, probeOk: (id) => id !== 'c' },
    });
    let s = samples(await metrics.scrape());
    expect(s.get('omnigate_adapter_breaker_state{adapter="a"}')).toBe(0);
    expect(s.get('omnigate_adapter_breaker_state{adapter="b"}')).toBe(0.5);
    expect(s.get('omnigate_adapter_breaker_state{adapter="c"}')).toBe(1);
    expect(s.get('omnigate_adapter_healthy{adapter="a"}')).toBe(1);
    expect(s.get('omnigate_adapter_healthy{adapter="c"}')).toBe(0);
    // No queues to read: no queue gauges.
    expect([...s.keys()].some((k) => k.startsWith('omnigate_queue_hops{'))).toBe(false);

    adapters = ['a'];
    breakers.a = 'open';
    s = samples(await metrics.scrape());
    expect(s.get('omnigate_adapter_breaker_state{adapter="a"}')).toBe(1);
    expect(s.get('omnigate_adapter_breaker_state{adapter="b"}')).toBeUndefined();
  });

  it('leaves the queue gauges out when the queues cannot be read, and the scrape answers', async () => {
    const metrics = new GatewayMetrics();
    metrics.watch({
      adapters: () => ['a'],
      health: { breaker: () => 'closed', probeOk: () => true },
      queues: { counts: () => Promise.reject(new Error('Redis is away')) },
    });
    const s = samples(await metrics.scrape());
    expect(s.get('omnigate_adapter_breaker_state{adapter="a"}')).toBe(0);
    expect([...s.keys()].some((k) => k.startsWith('omnigate_queue_hops{'))).toBe(false);
  });
});

describe('queue gauges (in-process driver)', () => {
  it('count the hops running and waiting in the in-memory queues', async () => {
    const backend = new InlineJobBackend(
      loadConfig({ QUEUE_DRIVER: 'inline' }).queue,
      pino({ level: 'silent' }),
    );
    let finish = () => {};
    const running = new Promise<void>((resolve) => (finish = resolve));
    await backend.hops.work('a', { concurrency: 1 }, () => running);
    await backend.hops.add(testHop('j'), { priority: 5 });
    await backend.hops.add(testHop('k'), { priority: 5 });
    const metrics = new GatewayMetrics();
    metrics.watch({
      adapters: () => ['a'],
      health: { breaker: () => 'closed', probeOk: () => true },
      queues: backend.hops,
    });
    const s = samples(await metrics.scrape());
    expect(s.get('omnigate_queue_hops{adapter="a",lane="interactive",state="active"}')).toBe(1);
    expect(s.get('omnigate_queue_hops{adapter="a",lane="interactive",state="waiting"}')).toBe(1);
    expect(s.get('omnigate_queue_hops{adapter="a",lane="batch",state="waiting"}')).toBe(0);
    finish();
    await backend.close(1000);
  });
});

describe('Node process metrics', () => {
  it("are made once per process and shown by every gateway's registry (prom-client cannot stop them)", async () => {
    const a = new GatewayMetrics();
    const b = new GatewayMetrics();
    for (const name of [
      'nodejs_gc_duration_seconds',
      'nodejs_eventloop_lag_seconds',
      'process_cpu_seconds_total',
    ]) {
      expect(a.registry.getSingleMetric(name)).toBeDefined();
      expect(b.registry.getSingleMetric(name)).toBe(a.registry.getSingleMetric(name));
    }
    expect(await b.scrape()).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    // METRICS=off: none on its registry.
    const off = new GatewayMetrics(new Map(), false);
    expect(off.registry.getSingleMetric('nodejs_eventloop_lag_seconds')).toBeUndefined();
    expect(await off.scrape()).not.toContain('nodejs_');
  });
});

describe('per-request and per-hop series', () => {
  it('count each label set on its own series, the same set adding up', async () => {
    const metrics = new GatewayMetrics(new Map(), false);
    metrics.httpAnswered('POST', '/v1/infer', 200, 20);
    metrics.httpAnswered('POST', '/v1/infer', 200, 40);
    metrics.httpAnswered('POST', '/v1/infer', 503, 1);
    metrics.httpAnswered('GET', undefined, 404, 1);
    metrics.hopRan('a', 'completed', 5, 'echo');
    metrics.hopRan('a', 'retried', 5, 'echo');
    metrics.hopRan('a', 'retried', 7, 'echo');
    metrics.jobCreated('interactive', 'text->text', undefined);
    metrics.jobCreated('interactive', 'text->text', 'echo');
    const s = samples(await metrics.scrape());
    expect(s.get('omnigate_http_requests_total{method="POST",route="/v1/infer",status="200"}')).toBe(2);
    expect(s.get('omnigate_http_requests_total{method="POST",route="/v1/infer",status="503"}')).toBe(1);
    expect(s.get('omnigate_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(s.get('omnigate_http_request_duration_seconds_count{method="POST",route="/v1/infer"}')).toBe(3);
    expect(s.get('omnigate_http_request_duration_seconds_sum{method="POST",route="/v1/infer"}')).toBeCloseTo(
      0.061,
    );
    expect(s.get('omnigate_hop_runs_total{adapter="a",task="echo",outcome="retried"}')).toBe(2);
    expect(s.get('omnigate_hop_runs_total{adapter="a",task="echo",outcome="completed"}')).toBe(1);
    expect(s.get('omnigate_hop_retries_total{adapter="a"}')).toBe(2);
    expect(s.get('omnigate_hop_duration_seconds_count{adapter="a",outcome="retried"}')).toBe(2);
    expect(s.get('omnigate_jobs_created_total{lane="interactive",modalities="text->text",task="none"}')).toBe(
      1,
    );
    expect(s.get('omnigate_jobs_created_total{lane="interactive",modalities="text->text",task="echo"}')).toBe(
      1,
    );
  });
});

describe('omnigate_trace_spans_dropped_total', () => {
  it("reads the tracing exporter's count of dropped spans at scrape time, 0 without tracing", async () => {
    const metrics = new GatewayMetrics(new Map(), false);
    expect(samples(await metrics.scrape()).get('omnigate_trace_spans_dropped_total')).toBe(0);
    let dropped = 3;
    const provider = new CompactTracerProvider({
      sample: traceSampler('always_on', 1),
      limits: spanLimitsFromEnv(),
      sink: { onEnd: () => {} },
    });
    enableTracing(provider.getTracer('omnigate'), () => dropped);
    expect(samples(await metrics.scrape()).get('omnigate_trace_spans_dropped_total')).toBe(3);
    dropped = 5;
    expect(samples(await metrics.scrape()).get('omnigate_trace_spans_dropped_total')).toBe(5);
  });
});
