import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, describe, expect, it } from 'vitest';
import { HopSpans } from './hop-spans';
import {
  carrierOf,
  enableTracing,
  inSpan,
  linkTo,
  startSpan,
  traceIdOf,
  tracingEnabled,
} from './trace-context';

const hop = { jobId: 'j1', adapter: 'builtin.echo', task: 'echo', hop: 1, generation: 0 };
const TRACE_ID = '1'.repeat(32);
const PARENT = { traceparent: `00-${TRACE_ID}-${'2'.repeat(16)}-01` };
const chat = { backend: 'local', kind: 'chat' as const, model: 'tiny-chat', host: '127.0.0.1:8000' };

describe('trace context', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const finished = () => {
    const spans = exporter.getFinishedSpans();
    exporter.reset();
    return spans;
  };
  // The API's globals: nothing registered here outlives the file.
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
  });

  it('makes nothing until tracing is on', async () => {
    expect(tracingEnabled()).toBe(false);
    expect(startSpan('request', PARENT)).toBeUndefined();
    expect(HopSpans.start({ ...hop, trace: PARENT }, 1, undefined)).toBeUndefined();
    expect(await inSpan('detect', PARENT, (span) => span)).toBeUndefined();
    expect(linkTo(PARENT)).toBeUndefined();
  });

  it('hangs spans under a span or a carrier, passed explicitly, without a context manager', async () => {
    provider.register({ propagator: new W3CTraceContextPropagator(), contextManager: null });
    enableTracing();
    const request = startSpan('POST /v1/infer', PARENT, {}, SpanKind.SERVER)!;
    const carrier = carrierOf(request);
    expect(carrier).toEqual({ traceparent: `00-${TRACE_ID}-${request.spanContext().spanId}-01` });
    expect(traceIdOf(carrier)).toBe(TRACE_ID);
    await inSpan('detect', request, async () => 'detected');
    await expect(
      inSpan('plan', request, () => {
        throw new Error('no route');
      }),
    ).rejects.toThrow('no route');
    const line = startSpan('batch line', undefined, {}, SpanKind.INTERNAL, linkTo(carrier))!;
    line.end();
    request.end();

    const [detect, plan, batchLine, server] = finished();
    expect(server.parentSpanContext?.spanId).toBe('2'.repeat(16));
    for (const child of [detect, plan]) {
      expect(child.spanContext().traceId).toBe(TRACE_ID);
      expect(child.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    }
    expect(plan.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no route' });
    // A linked span starts its own trace.
    expect(batchLine.parentSpanContext).toBeUndefined();
    expect(batchLine.spanContext().traceId).not.toBe(TRACE_ID);
    expect(batchLine.links.map((l) => l.context.spanId)).toEqual([request.spanContext().spanId]);
  });

  it("makes a hop's span and its adapter call's, whose headers name the call", () => {
    const spans = HopSpans.start({ ...hop, trace: PARENT }, 2, undefined)!;
    expect(spans.headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    spans.failed(new Error('the backend is down'));
    spans.end('failed', new Error('the backend is down'));
    const cancelled = HopSpans.start(hop, 1, undefined)!;
    cancelled.failed(new Error('aborted'));
    cancelled.end('cancelled', new Error('the job was cancelled'));

    const [call, failed, , root] = finished();
    expect(call.name).toBe('adapter builtin.echo');
    expect(call.parentSpanContext?.spanId).toBe(failed.spanContext().spanId);
    expect(spans.headers.traceparent).toContain(call.spanContext().spanId);
    expect(failed.name).toBe('hop builtin.echo');
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

  it("makes a model backend's call a GenAI client span with its usage", () => {
    const spans = HopSpans.start({ ...hop, adapter: 'local.chat', task: 'chat' }, 1, chat)!;
    spans.answered({
      id: 'chatcmpl-1',
      model: 'tiny-chat-0.1',
      finish_reason: 'stop',
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
    });
    spans.end('completed');
    const [call] = finished();
    expect(call.name).toBe('chat tiny-chat');
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(call.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'tiny-chat',
      'server.address': '127.0.0.1:8000',
      'omnigate.backend.id': 'local',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.response.model': 'tiny-chat-0.1',
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.finish_reasons': ['stop'],
    });
  });
});
