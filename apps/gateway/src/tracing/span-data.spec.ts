import { createTraceState, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REMOTE, tracerWith } from './tracing.testing';
import type { RecordingSpan } from './recording-span';
import { SharedAttributes } from './span-attributes';
import { readSpans } from './readable-spans';
import { SpanBatchWriter, type SpanBatch } from './span-data';

describe('span batches: from the gateway to its export thread', () => {
  const { tracer, ended, provider } = tracerWith();
  /** A batch read back as the export thread reads it: the clock now, no resource attributes, one scope. */
  const readBack = (batch: SpanBatch) =>
    readSpans(batch, { epochMs: Date.now(), perfMs: performance.now() }, resourceFromAttributes({}), [
      { name: 'omnigate' },
    ]);

  it('packs ended spans into a batch the export thread reads back as the SDK would have made them', () => {
    const other = provider.getTracer('other', '2.0');
    const traceState = createTraceState('vendor=abc');
    const server = tracer.start(
      'POST /v1/infer',
      { ...REMOTE, traceState },
      {
        'http.route': '/v1/infer',
        'omnigate.note': 'naïve — 中文',
      },
      SpanKind.SERVER,
    ) as RecordingSpan;
    const hop = other.start(
      'hop',
      server,
      {
        count: 3,
        ratio: 0.5,
        ok: true,
        route: ['a', 'b'],
        gaps: ['x', null, 'y'] as never,
      },
      SpanKind.CLIENT,
      [{ context: { ...REMOTE, traceState }, attributes: { why: 'batch' } }],
    ) as RecordingSpan;
    hop.recordException(new Error('down'));
    hop.setStatus({ code: SpanStatusCode.ERROR, message: 'down' });
    hop.end();
    server.end();

    const writer = new SpanBatchWriter(8);
    for (const span of ended) writer.write(span);
    const batch = writer.take();
    // What the processor posts: a structured clone, the arrays' buffers transferred.
    const copy = structuredClone(batch, {
      transfer: [batch.bytes.buffer as ArrayBuffer, batch.numbers.buffer as ArrayBuffer],
    });
    const clock = { epochMs: Date.now(), perfMs: performance.now() };
    const resource = resourceFromAttributes({ 'service.name': 'spec' });
    const scopes = [
      { name: 'omnigate', version: undefined, schemaUrl: undefined },
      { name: 'other', version: '2.0', schemaUrl: undefined },
    ];
    const [h, s] = readSpans(copy, clock, resource, scopes);

    const epoch = (perfMs: number) => perfMs + clock.epochMs - clock.perfMs;
    expect(s).toMatchObject({
      name: 'POST /v1/infer',
      kind: SpanKind.SERVER,
      parentSpanContext: { traceId: REMOTE.traceId, spanId: REMOTE.spanId, isRemote: true },
      status: { code: SpanStatusCode.UNSET },
      attributes: { 'http.route': '/v1/infer', 'omnigate.note': 'naïve — 中文' },
      events: [],
      links: [],
      droppedAttributesCount: 0,
      resource,
      instrumentationScope: scopes[0],
    });
    expect(s.spanContext()).toMatchObject({ traceId: REMOTE.traceId, spanId: server.spanId, traceFlags: 1 });
    expect(s.spanContext().traceState?.serialize()).toBe('vendor=abc');
    expect(hrTimeToMilliseconds(s.startTime)).toBeCloseTo(epoch(server.startTime), 2);
    expect(hrTimeToMilliseconds(s.endTime)).toBeCloseTo(epoch(server.endTime), 2);
    expect(hrTimeToMilliseconds(s.duration)).toBeCloseTo(server.endTime - server.startTime, 3);

    expect(h).toMatchObject({
      name: 'hop',
      kind: SpanKind.CLIENT,
      parentSpanContext: { spanId: server.spanId, isRemote: false },
      status: { code: SpanStatusCode.ERROR, message: 'down' },
      attributes: { count: 3, ratio: 0.5, ok: true, route: ['a', 'b'], gaps: ['x', null, 'y'] },
      instrumentationScope: scopes[1],
    });
    expect(h.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([
      ['exception', 'down'],
    ]);
    expect(hrTimeToMilliseconds(h.events[0].time)).toBeCloseTo(epoch(hop.events![0].time), 2);
    expect(h.links).toHaveLength(1);
    expect(h.links[0].context).toMatchObject({
      traceId: REMOTE.traceId,
      spanId: REMOTE.spanId,
      isRemote: true,
    });
    expect(h.links[0].context.traceState?.serialize()).toBe('vendor=abc');
    expect(h.links[0].attributes).toEqual({ why: 'batch' });
  });

  it('carries every id: a root span, and parents whose words are zero or over 2^31', () => {
    ended.length = 0;
    const root = tracer.start('root', undefined) as RecordingSpan;
    const ids = ['0000000000000001', 'ffffffffffffffff', '80000000fffffffe'];
    for (const spanId of ids) tracer.start(spanId, { ...REMOTE, spanId }).end();
    root.end();
    const writer = new SpanBatchWriter();
    for (const span of ended) writer.write(span);
    const read = readBack(writer.take());
    expect(read.map((s) => [s.name, s.parentSpanContext?.spanId])).toEqual([
      ...ids.map((id) => [id, id]),
      ['root', undefined],
    ]);
    expect(read.map((s) => s.spanContext().spanId)).toEqual(ended.map((s) => s.spanId));
    expect(read.at(-1)!.spanContext().traceId).toBe(root.traceId);
  });

  it('grows a batch past its first capacity, and writes the next in an array given back', () => {
    ended.length = 0;
    for (let i = 0; i < 50; i++) tracer.start(`s${i}`, undefined, { i, text: 'x'.repeat(i) }).end();
    const writer = new SpanBatchWriter(16, 64);
    for (const span of ended) writer.write(span);
    const first = writer.take();
    expect(first.numbers.length).toBeGreaterThan(16);
    expect(first.bytes.length).toBeGreaterThan(64);
    const spans = readBack(first);
    expect(spans.map((s) => [s.name, s.attributes.i, s.attributes.text])).toEqual(
      ended.map((_, i) => [`s${i}`, i, 'x'.repeat(i)]),
    );
    // Given back while the next batch is written: the one after is written in it.
    writer.recycle(first);
    writer.write(ended[6]);
    const second = writer.take();
    writer.write(ended[7]);
    const third = writer.take();
    expect(second.numbers).not.toBe(first.numbers);
    expect(third.numbers).toBe(first.numbers);
    expect(third.bytes).toBe(first.bytes);
    // Each batch has its own table of names and keys: its first use of one writes it again.
    expect(readBack(second).map((s) => [s.name, s.attributes])).toEqual([
      ['s6', { i: 6, text: 'x'.repeat(6) }],
    ]);
    expect(readBack(third).map((s) => [s.name, s.attributes])).toEqual([
      ['s7', { i: 7, text: 'x'.repeat(7) }],
    ]);
  });

  it('packs strings of every length and shape as their UTF-8 bytes', () => {
    ended.length = 0;
    const long = 'naïve — 中文 and an emoji 🛰️, '.repeat(3);
    const values = [
      randomUUID(), // a cons string
      `${'a'.repeat(20)}${Date.now()}`.slice(3), // a sliced one
      long,
      long.slice(0, 17), // non-ASCII only at the end of a long one
      `${'b'.repeat(16)}é`, // 17 characters, the 17th not ASCII
      'ü'.repeat(16),
      '',
    ];
    for (const [i, value] of values.entries()) tracer.start(value, undefined, { value, i }).end();
    const writer = new SpanBatchWriter(8, 8);
    for (const span of ended) writer.write(span);
    expect(readBack(writer.take()).map((s) => [s.name, s.attributes.value])).toEqual(
      values.map((value) => [value, value]),
    );
  });

  it('writes a span name or an attribute key once a batch, then refers to it', () => {
    ended.length = 0;
    const name = 'POST /v1/chat/completions';
    const key = 'omnigate.a.rather.long.attribute.key';
    for (let i = 0; i < 100; i++) tracer.start(name, undefined, { [key]: i }).end();
    const writer = new SpanBatchWriter();
    for (const span of ended) writer.write(span);
    // Each span's own strings are its name and key alone: written in full once, not 100 times.
    expect(writer.bytesWritten).toBe(name.length + key.length);
    const spans = readBack(writer.take());
    expect(spans.map((s) => [s.name, s.attributes])).toEqual(ended.map((_, i) => [name, { [key]: i }]));
  });

  it('packs shared attributes once and writes them before each span’s own', () => {
    ended.length = 0;
    const shared = new SharedAttributes({ 'gen_ai.request.model': 'modèle-中文', route: ['a', 'b'], n: 1 });
    for (let i = 0; i < 20; i++) {
      const span = tracer.start(`call ${i}`, undefined, shared);
      if (i % 2 === 0) span.setAttribute('own', `x${i}`);
      if (i === 3) span.setAttribute('n', 2);
      span.end();
    }
    const writer = new SpanBatchWriter(8, 16);
    for (const span of ended) writer.write(span);
    const spans = readBack(writer.take());
    expect(spans.map((s) => s.attributes)).toEqual(
      ended.map((_, i) => ({
        'gen_ai.request.model': 'modèle-中文',
        route: ['a', 'b'],
        n: i === 3 ? 2 : 1,
        ...(i % 2 === 0 ? { own: `x${i}` } : {}),
      })),
    );
    expect(ended[0].shared?.packed).toBeDefined();
    expect(ended[0].shared).toBe(ended[1].shared);
  });
});
