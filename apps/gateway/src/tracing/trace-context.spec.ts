import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { CompactTracerProvider } from './compact-tracer';
import { HopSpans } from './hop-spans';
import type { RecordingSpan } from './recording-span';
import { spanLimitsFromEnv } from './span-limits';
import {
  carrierOf,
  enableTracing,
  inSpan,
  inSpanSync,
  linkTo,
  startSpan,
  traceIdOf,
  tracingEnabled,
} from './trace-context';
import { traceSampler } from './trace-sampler';

const hop = { jobId: 'j1', adapter: 'builtin.echo', task: 'echo', hop: 1, generation: 0 };
const TRACE_ID = '1'.repeat(32);
const PARENT = { traceparent: `00-${TRACE_ID}-${'2'.repeat(16)}-01` };
const chat = { backend: 'local', kind: 'chat' as const, model: 'tiny-chat', host: '127.0.0.1:8000' };

describe('trace context', () => {
  let ended: RecordingSpan[] = [];
  const provider = new CompactTracerProvider({
    sample: traceSampler('parentbased_always_on', 1),
    limits: spanLimitsFromEnv(),
    sink: { onEnd: (span) => ended.push(span) },
  });
  const finished = () => {
    const spans = ended;
    ended = [];
    return spans;
  };

  it('makes nothing until tracing is on', async () => {
    expect(tracingEnabled()).toBe(false);
    expect(startSpan('request', PARENT)).toBeUndefined();
    expect(HopSpans.start({ ...hop, trace: PARENT }, 1, undefined)).toBeUndefined();
    expect(await inSpan('detect', PARENT, (span) => span)).toBeUndefined();
    expect(inSpanSync('plan', PARENT, (span) => span)).toBeUndefined();
    // A function that throws is a rejection, as from an async function.
    const refused = inSpan('detect', PARENT, () => {
      throw new Error('refused');
    });
    await expect(refused).rejects.toThrow('refused');
    expect(linkTo(PARENT)).toBeUndefined();
  });

  it('hangs spans under a span or a carrier, passed explicitly, without a context manager', async () => {
    enableTracing(provider.getTracer('omnigate'));
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
    expect(server.parentSpanId).toBe('2'.repeat(16));
    expect(server.parentIsRemote).toBe(true);
    for (const child of [detect, plan]) {
      expect(child.traceId).toBe(TRACE_ID);
      expect(child.parentSpanId).toBe(request.spanContext().spanId);
      expect(child.parentIsRemote).toBe(false);
    }
    expect(detect.statusCode).toBe(SpanStatusCode.UNSET);
    expect([plan.statusCode, plan.statusMessage]).toEqual([SpanStatusCode.ERROR, 'no route']);
    // A linked span starts its own trace.
    expect(batchLine.parentSpanId).toBeUndefined();
    expect(batchLine.traceId).not.toBe(TRACE_ID);
    expect(batchLine.links?.map((l) => [l.context.traceId, l.context.spanId, l.context.isRemote])).toEqual([
      [TRACE_ID, request.spanContext().spanId, true],
    ]);
  });

  it('ends a span as its function settles, synchronous or not, with its error recorded', async () => {
    const request = startSpan('POST /v1/infer', PARENT, {}, SpanKind.SERVER)!;
    expect(inSpanSync('plan', request, (span) => span !== undefined)).toBe(true);
    expect(() =>
      inSpanSync('plan', request, () => {
        throw new Error('no route');
      }),
    ).toThrow('no route');
    expect(await inSpan('detect', request, () => 'detected')).toBe('detected');
    await expect(
      inSpan('detect', request, async () => {
        throw new Error('unreadable');
      }),
    ).rejects.toThrow('unreadable');
    await expect(
      inSpan('detect', request, () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    // A thenable that is not a Promise is waited for too.
    let settle: (value: string) => void = () => {};
    const thenable = { then: (ok: (v: string) => void) => (settle = ok) };
    const later = inSpan('detect', request, () => thenable as unknown as Promise<string>);
    await Promise.resolve();
    expect(ended.map((s) => s.name)).toHaveLength(5);
    settle('later');
    expect(await later).toBe('later');
    request.end();

    const spans = finished();
    expect(spans.map((s) => [s.name, s.statusCode, s.statusMessage])).toEqual([
      ['plan', SpanStatusCode.UNSET, undefined],
      ['plan', SpanStatusCode.ERROR, 'no route'],
      ['detect', SpanStatusCode.UNSET, undefined],
      ['detect', SpanStatusCode.ERROR, 'unreadable'],
      ['detect', SpanStatusCode.ERROR, 'refused'],
      ['detect', SpanStatusCode.UNSET, undefined],
      ['POST /v1/infer', SpanStatusCode.UNSET, undefined],
    ]);
    for (const child of spans.slice(0, 6)) expect(child.parentSpanId).toBe(request.spanContext().spanId);
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
    expect(call.parentSpanId).toBe(failed.spanId);
    expect(spans.headers.traceparent).toContain(call.spanContext().spanId);
    expect(failed.name).toBe('hop builtin.echo');
    expect(failed.parentSpanId).toBe('2'.repeat(16));
    expect(failed.attributeObject()).toMatchObject({
      'omnigate.adapter.id': 'builtin.echo',
      'omnigate.task': 'echo',
      'omnigate.hop.index': 1,
      'omnigate.hop.attempt': 2,
      'omnigate.hop.outcome': 'failed',
    });
    expect([failed.statusCode, failed.statusMessage]).toEqual([SpanStatusCode.ERROR, 'the backend is down']);
    expect(failed.events?.map((e) => e.name)).toEqual(['exception']);
    // No carried context: a root span; a cancellation is no error.
    expect(root.parentSpanId).toBeUndefined();
    expect(root.statusCode).toBe(SpanStatusCode.UNSET);
  });

  it("hangs a hop under its request's span from a carrier made in this process, as from one read back", () => {
    const request = startSpan('POST /v1/infer', PARENT, {}, SpanKind.SERVER) as RecordingSpan;
    const carrier = carrierOf(request);
    // What a job keeps and sends on: the headers alone (the span is not data).
    const headers = { traceparent: `00-${TRACE_ID}-${request.spanId}-01` };
    expect(JSON.parse(JSON.stringify(carrier))).toEqual(headers);
    expect(structuredClone(carrier)).toEqual(headers);
    expect({ ...carrier }).toEqual(headers);
    expect(Object.keys(carrier)).toEqual(['traceparent']);

    // The direct lane's hop gets the job's carrier in memory; a queue's, read back from Redis.
    const here = HopSpans.start({ ...hop, trace: carrier }, 1, undefined)!;
    const queued = HopSpans.start({ ...hop, trace: JSON.parse(JSON.stringify(carrier)) }, 1, undefined)!;
    for (const spans of [here, queued]) {
      spans.answered(undefined);
      spans.end('completed');
    }
    request.end();
    const [, local, , remote] = finished();
    for (const span of [local, remote]) {
      expect(span.name).toBe('hop builtin.echo');
      expect(span.traceId).toBe(TRACE_ID);
      expect(span.parentSpanId).toBe(request.spanId);
    }
    // The carrier in memory names this process's span (its trace id shared, not read back); the
    // one read back, another process's.
    expect(local.trace).toBe(request.trace);
    expect(local.parentIsRemote).toBe(false);
    expect(remote.parentIsRemote).toBe(true);

    // A trace state goes with the carrier, in its header and to a child started from it in memory.
    const stated = startSpan(
      'POST /v1/infer',
      { traceparent: `00-${TRACE_ID}-${'3'.repeat(16)}-01`, tracestate: 'vendor=abc' },
      {},
      SpanKind.SERVER,
    ) as RecordingSpan;
    const statedCarrier = carrierOf(stated);
    expect({ ...statedCarrier }).toEqual({
      traceparent: `00-${TRACE_ID}-${stated.spanId}-01`,
      tracestate: 'vendor=abc',
    });
    const child = startSpan('hop', statedCarrier) as RecordingSpan;
    expect([child.parentSpanId, child.parentIsRemote]).toEqual([stated.spanId, false]);
    expect(child.traceState?.serialize()).toBe('vendor=abc');
  });

  it("keeps an unsampled request's hops unsampled, from its carrier in memory as from one read back", () => {
    const unsampled = { traceparent: `00-${TRACE_ID}-${'2'.repeat(16)}-00` };
    const request = startSpan('POST /v1/infer', unsampled, {}, SpanKind.SERVER)!;
    expect(request.isRecording()).toBe(false);
    const carrier = carrierOf(request);
    const { spanId } = request.spanContext();
    expect(JSON.parse(JSON.stringify(carrier))).toEqual({ traceparent: `00-${TRACE_ID}-${spanId}-00` });
    const here = HopSpans.start({ ...hop, trace: carrier }, 1, undefined)!;
    const queued = HopSpans.start({ ...hop, trace: JSON.parse(JSON.stringify(carrier)) }, 1, undefined)!;
    for (const spans of [here, queued]) {
      // The adapter's call carries the trace on, unsampled.
      expect(spans.headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
      spans.answered(undefined);
      spans.end('completed');
    }
    request.end();
    expect(finished()).toEqual([]);
  });

  it("reads a carrier's traceparent exactly as the W3C propagator does, hostile ones included", () => {
    const id = `${TRACE_ID}-${'2'.repeat(16)}`;
    const headers = [
      `00-${id}-01`,
      `00-${id}-00`,
      `00-${id}-ff`,
      ` 00-${id}-01 `,
      `00-${id.toUpperCase()}-01`,
      `00-${'0'.repeat(32)}-${'2'.repeat(16)}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `ff-${id}-01`,
      `01-${id}-01-future`,
      `00-${id}-01-x`,
      `00-${id}-0g`,
      `00-${TRACE_ID.slice(0, 31)}é-${'2'.repeat(16)}-01`,
      `00-${TRACE_ID}-${'2'.repeat(15)}\u0132-01`,
      `00_${id}-01`,
      `00-${TRACE_ID}x${'2'.repeat(16)}-01`,
      'x'.repeat(55),
      `00-${id}-01`.padEnd(10_000, '-'),
    ];
    for (const traceparent of headers) {
      const span = startSpan('request', { traceparent }, {}, SpanKind.SERVER)!;
      span.end();
      const expected = parseTraceParent(traceparent);
      if (expected && (expected.traceFlags & 1) === 0) {
        // Unsampled upstream: unsampled here (parent-based), nothing recorded, the trace carried on.
        expect(span.isRecording(), traceparent).toBe(false);
        expect(span.spanContext().traceId).toBe(expected.traceId);
        continue;
      }
      const recorded = span as RecordingSpan;
      expect([recorded.parentSpanId, recorded.parentIsRemote], traceparent.slice(0, 60)).toEqual(
        expected ? [expected.spanId, true] : [undefined, false],
      );
      if (expected) expect(recorded.traceId).toBe(expected.traceId);
    }
    finished();
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
    expect(call.attributeObject()).toEqual({
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
