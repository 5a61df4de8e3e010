import {
  context,
  createTraceState,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SamplingDecision,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Span,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { UnsampledSpan } from './compact-tracer';
import { RecordingSpan } from './recording-span';
import { SharedAttributes } from './span-attributes';
import { TraceId } from './span-ids';
import { carrierOf } from './trace-context';
import { traceSampler } from './trace-sampler';
import { REMOTE, tracerWith } from './tracing.testing';
import type { TraceSampler } from './tracing-config';

/** The API's diagnostics while a test runs. */
function diagnostics() {
  const lines: string[] = [];
  const log = (message: string) => void lines.push(message);
  diag.setLogger({ error: log, warn: log, info: log, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  return lines;
}

describe('CompactTracer', () => {
  afterEach(() => diag.disable());

  it('makes W3C ids: 32 and 16 lowercase hex digits, all distinct', () => {
    const traces = new Set(Array.from({ length: 5000 }, () => TraceId.random().hex));
    const { tracer } = tracerWith();
    const spans = new Set(
      Array.from({ length: 5000 }, () => tracer.start('s', undefined).spanContext().spanId),
    );
    expect(traces.size).toBe(5000);
    expect(spans.size).toBe(5000);
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
    // Kept as signed words (span-ids.ts): small integers to V8, never heap numbers.
    const words = Array.from({ length: 100 }, () => TraceId.random()).flatMap((t) => [
      t.w0,
      t.w1,
      t.w2,
      t.w3,
    ]);
    expect(words.filter((w) => (w | 0) !== w)).toEqual([]);
    expect(words.some((w) => w < 0)).toBe(true);
  });

  it('keeps a trace’s id as words, read from and written as hex digits alike', () => {
    const upper = '4BF92F3577B34DA6A3CE929D0E0E4736';
    const read = TraceId.fromHex(upper);
    expect([read.w0, read.w1, read.w2, read.w3].map((w) => w >>> 0)).toEqual([
      0x4bf92f35, 0x77b34da6, 0xa3ce929d, 0x0e0e4736,
    ]);
    expect(read.hex).toBe(upper);
    expect(new TraceId(read.w0, read.w1, read.w2, read.w3).hex).toBe(upper.toLowerCase());
    expect(new TraceId(0, 1, 0xffffffff, 0x10).hex).toBe('0000000000000001ffffffff00000010');
  });

  it('hangs a child in its parent’s trace: a span of its own, a remote context, or none', () => {
    const { tracer } = tracerWith();
    const root = tracer.start('root', undefined) as RecordingSpan;
    expect(root).toBeInstanceOf(RecordingSpan);
    expect(root.parentSpanId).toBeUndefined();
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanContext()).toEqual({
      traceId: root.traceId,
      spanId: root.spanId,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: false,
    });
    expect(root.traceparent()).toBe(`00-${root.traceId}-${root.spanId}-01`);

    const child = tracer.start('child', root) as RecordingSpan;
    expect([child.traceId, child.parentSpanId, child.parentIsRemote]).toEqual([
      root.traceId,
      root.spanId,
      false,
    ]);
    expect(child.spanId).not.toBe(root.spanId);

    const traceState = createTraceState('vendor=abc');
    const remote = tracer.start('server', { ...REMOTE, traceState }, {}, SpanKind.SERVER) as RecordingSpan;
    expect([remote.traceId, remote.parentSpanId, remote.parentIsRemote]).toEqual([
      REMOTE.traceId,
      REMOTE.spanId,
      true,
    ]);
    expect(remote.kind).toBe(SpanKind.SERVER);
    // The trace state goes down the trace.
    const grandchild = tracer.start('grandchild', remote) as RecordingSpan;
    expect(grandchild.spanContext().traceState?.serialize()).toBe('vendor=abc');

    // An invalid parent context starts a trace.
    const orphan = tracer.start('orphan', { ...REMOTE, traceId: '0'.repeat(32) }) as RecordingSpan;
    expect(orphan.parentSpanId).toBeUndefined();
    expect(orphan.traceId).not.toBe('0'.repeat(32));

    // Any valid id is a parent's, whatever its words: zero, or over 2^31 (a span keeps them signed).
    for (const spanId of ['0000000000000001', 'ffffffffffffffff', '80000000fffffffe']) {
      const under = tracer.start('edge', { ...REMOTE, spanId }) as RecordingSpan;
      expect(under.parentSpanId).toBe(spanId);
      expect((tracer.start('below', under) as RecordingSpan).parentSpanId).toBe(under.spanId);
    }
  });

  it('takes its parent from an API Context too, and honours root, suppressed tracing and active spans', () => {
    const { tracer } = tracerWith();
    const parent = tracer.start('parent', undefined) as RecordingSpan;
    const withParent = trace.setSpan(ROOT_CONTEXT, parent);
    const child = tracer.startSpan('child', {}, withParent) as RecordingSpan;
    expect(child.parentSpanId).toBe(parent.spanId);
    const fromRemote = tracer.startSpan(
      'remote',
      {},
      trace.setSpanContext(ROOT_CONTEXT, REMOTE),
    ) as RecordingSpan;
    expect([fromRemote.parentSpanId, fromRemote.parentIsRemote]).toEqual([REMOTE.spanId, true]);
    const root = tracer.startSpan('root', { root: true }, withParent) as RecordingSpan;
    expect(root.parentSpanId).toBeUndefined();
    expect(root.traceId).not.toBe(parent.traceId);
    const suppressed = tracer.startSpan('suppressed', {}, suppressTracing(withParent));
    expect(suppressed.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(suppressed.spanContext())).toBe(false);
    // No context manager here: the span is handed to fn, its context a child of the one given.
    const seen = tracer.startActiveSpan('active', {}, withParent, (span) => span);
    expect((seen as RecordingSpan).parentSpanId).toBe(parent.spanId);
    expect(context.active()).toBe(ROOT_CONTEXT);
  });

  it('samples as OTEL_TRACES_SAMPLER says; an unsampled span records nothing but carries the trace', () => {
    const unsampled = { ...REMOTE, traceFlags: TraceFlags.NONE };
    const decisions = (sampler: TraceSampler) => {
      const { tracer, ended } = tracerWith(sampler);
      const spans = [
        tracer.start('root', undefined),
        tracer.start('a', REMOTE),
        tracer.start('b', unsampled),
      ];
      for (const span of spans) span.end();
      // The sampled ones, and only they, recorded and handed to the sink.
      expect(ended).toEqual(spans.filter((s) => s.spanContext().traceFlags === TraceFlags.SAMPLED));
      return spans.map((s) => s.spanContext().traceFlags);
    };
    expect(decisions('always_on')).toEqual([1, 1, 1]);
    expect(decisions('always_off')).toEqual([0, 0, 0]);
    expect(decisions('parentbased_always_on')).toEqual([1, 1, 0]);
    expect(decisions('parentbased_always_off')).toEqual([0, 1, 0]);

    const { tracer, ended } = tracerWith('always_off');
    const span = tracer.start('off', REMOTE);
    expect(span).not.toBeInstanceOf(RecordingSpan);
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext()).toMatchObject({ traceId: REMOTE.traceId, traceFlags: TraceFlags.NONE });
    expect(span.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    span.end();
    expect(ended).toEqual([]);
    // A child of an unsampled span of this process, parent-based: unsampled too.
    const { tracer: parentBased } = tracerWith('parentbased_always_on');
    expect(parentBased.start('child', span.spanContext()).isRecording()).toBe(false);
  });

  it('gives an unsampled span of this process its ids as words: its carrier and its children follow them', () => {
    const { tracer } = tracerWith('parentbased_always_off');
    const root = tracer.start('root', undefined) as UnsampledSpan;
    expect(root).toBeInstanceOf(UnsampledSpan);
    const { traceId, spanId, traceFlags } = root.spanContext();
    expect(traceFlags).toBe(TraceFlags.NONE);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    // Its carrier names it, flags 00; read back elsewhere, it is the same headers.
    const carrier = carrierOf(root);
    expect(carrier).toEqual({ traceparent: `00-${traceId}-${spanId}-00` });
    expect(JSON.parse(JSON.stringify(carrier))).toEqual(carrier);
    // Its child, parent-based: unsampled too, in its trace.
    const child = tracer.start('child', root);
    expect(child).toBeInstanceOf(UnsampledSpan);
    expect(child.spanContext().traceId).toBe(traceId);
    expect(child.spanContext().spanId).not.toBe(spanId);
    // A sampler that is not parent-based may sample it: recorded, under the unsampled span.
    const { tracer: always, ended } = tracerWith('always_on');
    const sampled = always.start('sampled child', root) as RecordingSpan;
    sampled.end();
    expect(ended).toEqual([sampled]);
    expect(sampled.traceId).toBe(traceId);
    expect(sampled.parentSpanId).toBe(spanId);
    // It records nothing.
    const asSpan: Span = root;
    asSpan.setAttribute('a', 1).setStatus({ code: 2 }).updateName('renamed').end();
    expect(root.isRecording()).toBe(false);
  });

  it("decides traceidratio as the SDK's TraceIdRatioBasedSampler does, trace id by trace id", () => {
    for (const ratio of [0, 0.1, 0.5, 1]) {
      const ours = traceSampler('traceidratio', ratio);
      const sdk = new TraceIdRatioBasedSampler(ratio);
      let sampled = 0;
      for (let i = 0; i < 2000; i++) {
        const traceId = TraceId.random();
        const decision =
          sdk.shouldSample(ROOT_CONTEXT, traceId.hex).decision === SamplingDecision.RECORD_AND_SAMPLED;
        expect(ours(undefined, traceId)).toBe(decision);
        if (decision) sampled++;
      }
      expect(sampled / 2000).toBeCloseTo(ratio, 1);
    }
    // Parent-based: the parent decides, the ratio only roots.
    const parentBased = traceSampler('parentbased_traceidratio', 0);
    expect(parentBased(REMOTE, TraceId.fromHex(REMOTE.traceId))).toBe(true);
    expect(parentBased(undefined, TraceId.fromHex(REMOTE.traceId))).toBe(false);
  });

  it('keeps attributes as the SDK does: valid values, overwritten by key, within the limits', () => {
    const lines = diagnostics();
    const { tracer } = tracerWith('always_on', { attributeCountLimit: 3, attributeValueLengthLimit: 4 });
    const route = ['alpha', 'b'];
    const span = tracer.start('s', undefined, { a: 1, b: 'long value', skipped: undefined }) as RecordingSpan;
    span.setAttribute('a', 2);
    span.setAttribute('route', route);
    route.push('later');
    span.setAttribute('bad', { nested: true } as never);
    span.setAttribute('mixed', [1, 'x'] as never);
    span.setAttribute('', 'no key');
    span.setAttribute('d', true);
    span.setAttributes({ e: 5, a: 3 });
    expect(span.attributeObject()).toEqual({ a: 3, b: 'long', route: ['alph', 'b'] });
    expect(span.droppedAttributesCount).toBe(2);
    expect(lines).toEqual([
      'Invalid attribute value set for key: bad',
      'Invalid attribute value set for key: mixed',
      'Invalid attribute key: ',
    ]);
  });

  it('starts spans with shared attributes, checked once, and gives a span its own copy when it sets one of them', () => {
    const lines = diagnostics();
    const limits = { attributeCountLimit: 3, attributeValueLengthLimit: 4 };
    const { tracer } = tracerWith('always_on', limits);
    const shared = new SharedAttributes({ a: 'long value', bad: { nested: true } as never, b: 2 });
    const first = tracer.start('s', undefined, shared) as RecordingSpan;
    const second = tracer.start('s', undefined, shared) as RecordingSpan;
    // Checked and cut once, for both spans, which keep them by reference.
    expect(lines).toEqual(['Invalid attribute value set for key: bad']);
    expect(first.shared).toBe(second.shared);
    expect(first.attributeObject()).toEqual({ a: 'long', b: 2 });

    first.setAttribute('c', true);
    first.setAttribute('d', 'over the limit');
    expect(first.attributeObject()).toEqual({ a: 'long', b: 2, c: true });
    expect(first.droppedAttributesCount).toBe(1);
    expect(first.shared).toBe(second.shared);

    second.setAttribute('b', 3);
    expect(second.shared).toBeUndefined();
    expect(second.attributeObject()).toEqual({ a: 'long', b: 3 });
    expect(first.attributeObject()).toEqual({ a: 'long', b: 2, c: true });

    // Set together on a span with shared ones: counted with them, a shared key still its own copy.
    const fourth = tracer.start('s', undefined, shared) as RecordingSpan;
    fourth.setAttributes({ c: 'long value', bad: { nested: true } as never, d: 4 });
    expect(fourth.attributes).toEqual(['c', 'long']);
    expect(fourth.droppedAttributesCount).toBe(1);
    expect(fourth.shared).toBe(first.shared);
    const fifth = tracer.start('s', undefined, shared) as RecordingSpan;
    fifth.setAttributes({ e: 5, b: 6 });
    expect(fifth.shared).toBeUndefined();
    expect(fifth.attributeObject()).toEqual({ a: 'long', b: 6, e: 5 });
    expect(second.attributeObject()).toEqual({ a: 'long', b: 3 });

    // Other limits: made again for them.
    const { tracer: wider } = tracerWith('always_on', { attributeCountLimit: 1 });
    const third = wider.start('s', undefined, shared) as RecordingSpan;
    expect(third.attributeObject()).toEqual({ a: 'long value' });
    expect(third.droppedAttributesCount).toBe(1);
  });

  it('records links, status and exceptions as the SDK does', () => {
    const { tracer } = tracerWith('always_on', { linkCountLimit: 2 });
    const links = [1, 2, 3].map((n) => ({
      context: { ...REMOTE, spanId: `${n}`.repeat(16) },
      attributes: { n },
    }));
    const span = tracer.start('s', undefined, {}, SpanKind.INTERNAL, links) as RecordingSpan;
    expect(span.links?.map((l) => [l.context.spanId, l.attributes])).toEqual([
      ['2'.repeat(16), ['n', 2]],
      ['3'.repeat(16), ['n', 3]],
    ]);
    expect(span.droppedLinksCount).toBe(1);

    span.setStatus({ code: SpanStatusCode.UNSET });
    expect(span.statusCode).toBe(SpanStatusCode.UNSET);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'no route' });
    expect([span.statusCode, span.statusMessage]).toEqual([SpanStatusCode.ERROR, 'no route']);
    span.setStatus({ code: SpanStatusCode.OK, message: 'ignored' });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'too late' });
    expect([span.statusCode, span.statusMessage]).toEqual([SpanStatusCode.OK, undefined]);

    const err = Object.assign(new TypeError('bad input'), { code: 'E_BAD' });
    span.recordException(err);
    span.recordException('plain words');
    const [first, second] = span.events!;
    expect(first.name).toBe('exception');
    expect(first.attributes.slice(0, 4)).toEqual([
      'exception.type',
      'E_BAD',
      'exception.message',
      'bad input',
    ]);
    expect(first.attributes[4]).toBe('exception.stacktrace');
    expect(String(first.attributes[5])).toContain('TypeError: bad input');
    expect(second.attributes).toEqual(['exception.message', 'plain words']);
    expect(first.time).toBeGreaterThanOrEqual(span.startTime);
  });

  it("keeps an event's and a link's attributes within their own count limits, valid ones only", () => {
    const lines = diagnostics();
    const { tracer } = tracerWith('always_on', {
      attributePerEventCountLimit: 1,
      attributePerLinkCountLimit: 2,
      attributeValueLengthLimit: 3,
    });
    const link = { context: REMOTE, attributes: { a: 'long', bad: { nested: true } as never, b: 2, c: 3 } };
    const span = tracer.start('s', undefined, {}, SpanKind.INTERNAL, [link]) as RecordingSpan;
    span.addEvent('e', { x: 'first', y: 'second' });
    expect(span.links?.map((l) => [l.attributes, l.droppedAttributesCount])).toEqual([
      [['a', 'lon', 'b', 2], 1],
    ]);
    expect(span.events?.map((e) => [e.attributes, e.droppedAttributesCount])).toEqual([[['x', 'fir'], 1]]);
    expect(lines).toEqual(['Invalid attribute value set for key: bad']);
  });

  it('ends once: hands the span to its sink, then ignores what comes after, with a diagnostic', () => {
    const lines = diagnostics();
    const { tracer, ended } = tracerWith();
    const span = tracer.start('once', undefined) as RecordingSpan;
    expect(span.isRecording()).toBe(true);
    span.end();
    const endTime = span.endTime;
    expect(endTime).toBeGreaterThanOrEqual(span.startTime);
    span.end();
    span.setAttribute('late', 1);
    span.setAttributes({ later: 2 });
    span.updateName('renamed');
    expect(ended).toEqual([span]);
    expect(span.isRecording()).toBe(false);
    expect(span.endTime).toBe(endTime);
    expect(span.attributes).toEqual([]);
    expect(span.name).toBe('once');
    expect(lines[0]).toBe(`once ${span.traceId}-${span.spanId} - You can only call end() on a span once.`);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^Cannot execute the operation on ended Span/),
      expect.stringMatching(/^Cannot execute the operation on ended Span/),
      expect.stringMatching(/^Cannot execute the operation on ended Span/),
    ]);
  });

  it('takes start and end times given as epoch milliseconds, Dates and HrTimes', () => {
    const { tracer } = tracerWith();
    const start = Date.now() - 1000;
    const span = tracer.start('timed', undefined, {}, SpanKind.INTERNAL, undefined, start) as RecordingSpan;
    span.end(new Date(start + 250));
    // Each epoch time is turned into the span's clock with Date.now() at that moment, which counts
    // whole milliseconds: two of them may be a millisecond apart, never more.
    expect(Math.abs(span.endTime - span.startTime - 250)).toBeLessThan(1);
    expect(performance.timeOrigin + span.startTime).toBeCloseTo(start, -1);
    const backwards = tracer.start('backwards', undefined, {}, SpanKind.INTERNAL, undefined, [
      Math.floor(start / 1000) + 10,
      0,
    ]) as RecordingSpan;
    backwards.end(start);
    expect(backwards.endTime).toBe(backwards.startTime);

    // Kept to the nanosecond (as whole milliseconds and nanoseconds), on either side of the clock's origin.
    const precise = tracer.start(
      'precise',
      undefined,
      {},
      SpanKind.INTERNAL,
      undefined,
      0.000_123_4,
    ) as RecordingSpan;
    precise.end(1.999_999_9);
    expect(precise.startTime).toBeCloseTo(0.000_123, 9);
    expect(precise.endTime).toBeCloseTo(1.999_999, 9);
    // Before the process started: times below the clock's zero, and a span that has ended all the same.
    const early = performance.timeOrigin - 60_000;
    const before = tracer.start(
      'before',
      undefined,
      {},
      SpanKind.INTERNAL,
      undefined,
      early,
    ) as RecordingSpan;
    before.end(early + 1.5);
    expect(before.startTime).toBeLessThan(-59_000);
    expect(Math.abs(before.endTime - before.startTime - 1.5)).toBeLessThan(1.001);
    expect(before.isRecording()).toBe(false);
  });
});
