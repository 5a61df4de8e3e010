import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, describe, expect, it } from 'vitest';
import { currentCarrier, enableTracing, endHopSpan, startHopSpan, tracingEnabled } from './trace-context';

const hop = { jobId: 'j1', adapter: 'builtin.echo', task: 'echo', hop: 1, generation: 0 };
const PARENT = { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` };

describe('trace context of hops', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  // The API's globals: nothing registered here outlives the file.
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('makes nothing until tracing is on', () => {
    expect(tracingEnabled()).toBe(false);
    expect(currentCarrier()).toBeUndefined();
    expect(startHopSpan({ ...hop, trace: PARENT }, 1)).toBeUndefined();
  });

  it('makes a hop span, child of the carried context, with its error recorded', () => {
    provider.register({ propagator: new W3CTraceContextPropagator() });
    enableTracing();
    const span = startHopSpan({ ...hop, trace: PARENT }, 2)!;
    endHopSpan(span, 'failed', new Error('the backend is down'));
    const cancelled = startHopSpan(hop, 1)!;
    endHopSpan(cancelled, 'cancelled', new Error('the job was cancelled'));

    const [failed, root] = exporter.getFinishedSpans();
    expect(failed.name).toBe('hop builtin.echo');
    expect(failed.spanContext().traceId).toBe('1'.repeat(32));
    expect(failed.parentSpanContext?.spanId).toBe('2'.repeat(16));
    expect(failed.attributes).toMatchObject({
      'omnigate.adapter.id': 'builtin.echo',
      'omnigate.task': 'echo',
      'omnigate.hop.index': 1,
      'omnigate.hop.attempt': 2,
      'omnigate.hop.outcome': 'failed',
    });
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the backend is down' });
    expect(failed.events.map((e) => e.name)).toEqual(['exception']);
    // No carried context: a root span; a cancellation is no error.
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("carries the active span's context, and nothing without one", () => {
    expect(currentCarrier()).toBeUndefined();
    const span = trace.getTracer('test').startSpan('request');
    const carrier = context.with(trace.setSpan(context.active(), span), () => currentCarrier());
    expect(carrier).toEqual({
      traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
    });
    span.end();
  });
});
