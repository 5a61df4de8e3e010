import { createTraceState, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { REMOTE, tracerWith } from './tracing.testing';
import { encodeTraceRequest } from './otlp-protobuf';
import type { RecordingSpan } from './recording-span';
import { readSpans } from './readable-spans';
import { SpanBatchWriter } from './span-data';

describe('encodeTraceRequest: the OTLP protobuf body straight from a packed batch', () => {
  const { tracer: omnigate, ended, provider } = tracerWith();
  const other = provider.getTracer('other', '2.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
  const resourceAttributes = { 'service.name': 'spec', 'service.version': '1.2.3', 'process.pid': 4242 };
  const scopes = [
    { name: 'omnigate', version: undefined, schemaUrl: undefined },
    { name: 'other', version: '2.0', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' },
  ];

  /** The batch of the spans ended so far, as the export thread gets it (a structured clone). */
  function batchOfEnded() {
    const writer = new SpanBatchWriter(8);
    for (const span of ended.splice(0)) writer.write(span);
    const batch = writer.take();
    return structuredClone(batch, {
      transfer: [batch.bytes.buffer as ArrayBuffer, batch.numbers.buffer as ArrayBuffer],
    });
  }

  /** Both encodings of one batch: ours, and the SDK's serializer on the spans read back. */
  function bothEncodings() {
    const batch = batchOfEnded();
    const clock = { epochMs: Date.now(), perfMs: performance.now() };
    const ours = encodeTraceRequest(batch, clock, resourceAttributes, scopes);
    const spans = readSpans(batch, clock, resourceFromAttributes(resourceAttributes), scopes);
    return { ours, sdk: ProtobufTraceSerializer.serializeRequest(spans)!, spans };
  }

  it("writes the same bytes as the SDK's serializer, field by field, for every kind of span data", () => {
    const traceState = createTraceState('vendor=abc,other=x');
    const server = omnigate.start(
      'POST /v1/infer',
      { ...REMOTE, traceState },
      { 'http.route': '/v1/infer', 'omnigate.note': 'naïve — 中文 🙂' },
      SpanKind.SERVER,
    ) as RecordingSpan;
    const hop = other.start(
      'hop',
      server,
      {
        count: 3,
        negative: -7,
        big: 2 ** 40,
        huge: 2 ** 62,
        ratio: 0.5,
        notFinite: Number.POSITIVE_INFINITY,
        ok: true,
        no: false,
        route: ['a', 'b'],
        numbers: [1, 2.5, -3],
        gaps: ['x', null, 'y'] as never,
        empty: '',
      },
      SpanKind.CLIENT,
      [
        { context: { ...REMOTE, traceState }, attributes: { why: 'batch' } },
        { context: { ...REMOTE, isRemote: false, traceFlags: TraceFlags.NONE } },
      ],
    ) as RecordingSpan;
    hop.recordException(new Error('down'));
    hop.addEvent('note', { detail: 'x'.repeat(300) });
    hop.setStatus({ code: SpanStatusCode.ERROR, message: 'down' });
    hop.end();
    // Interleaved scopes: the request groups them, in the order they first appear.
    omnigate.start('root', undefined, { long: 'é'.repeat(9000) }, SpanKind.PRODUCER).end();
    const failedQuietly = omnigate.start('empty status message', server) as RecordingSpan;
    failedQuietly.setStatus({ code: SpanStatusCode.ERROR, message: '' });
    failedQuietly.end();
    omnigate.start('ok', server).setStatus({ code: SpanStatusCode.OK }).end();
    server.end();

    const { ours, sdk, spans } = bothEncodings();
    expect(spans).toHaveLength(5);
    expect(ours.length).toBeGreaterThan(18_000); // lengths of 1, 2 and 3 bytes
    expect(Buffer.from(ours).equals(Buffer.from(sdk))).toBe(true);
  });

  it('matches it for a full batch of ordinary calls, and for one span', () => {
    for (let i = 0; i < 512; i++) {
      const root = omnigate.start('POST /v1/chat/completions', undefined, { 'http.request.method': 'POST' });
      omnigate.start('detect', root as RecordingSpan, { 'omnigate.modality': 'text' }).end();
      root.setAttribute('http.response.status_code', 200);
      root.end();
    }
    const full = bothEncodings();
    expect(full.spans).toHaveLength(1024);
    expect(Buffer.from(full.ours).equals(Buffer.from(full.sdk))).toBe(true);

    omnigate.start('alone', undefined).end();
    const one = bothEncodings();
    expect(Buffer.from(one.ours).equals(Buffer.from(one.sdk))).toBe(true);
  });
});
