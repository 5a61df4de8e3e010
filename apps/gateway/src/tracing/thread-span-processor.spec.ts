import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../../../../test/otlp-receiver';
import { CompactTracerProvider } from './compact-tracer';
import { SpanBatchWriter } from './span-data';
import { spanLimitsFromEnv } from './span-limits';
import { ThreadSpanProcessor, type ThreadSpanProcessorOptions } from './thread-span-processor';
import { traceSampler } from './trace-sampler';

const SERVICE = 'thread-spec';

describe('ThreadSpanProcessor: spans exported from a worker thread', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function receiver(): Promise<OtlpReceiver> {
    const r = await startOtlpReceiver();
    cleanups.push(() => r.close());
    return r;
  }

  /** A tracer whose spans go to `url` through a ThreadSpanProcessor. */
  function tracerTo(
    url: string,
    options: ThreadSpanProcessorOptions = {},
    protocol: 'http/json' | 'http/protobuf' = 'http/protobuf',
  ) {
    const processor = new ThreadSpanProcessor(
      {
        url: `${url}/v1/traces`,
        protocol,
        resource: { 'service.name': SERVICE, 'service.version': '1.2.3' },
      },
      options,
    );
    const provider = new CompactTracerProvider({
      sample: traceSampler('always_on', 1),
      limits: spanLimitsFromEnv(),
      sink: processor,
    });
    cleanups.push(() => processor.shutdown());
    return { processor, tracer: provider.getTracer('omnigate') };
  }

  it.each(['http/protobuf', 'http/json'] as const)(
    'delivers each span over %s with its parent, attributes, events, links, status, trace state, times, scope and resource',
    async (protocol) => {
      const otlp = await receiver();
      const { processor, tracer } = tracerTo(otlp.url, { scheduledDelayMillis: 60_000 }, protocol);
      const before = Date.now();
      // A caller's context, with a tracestate, as propagation.extract makes it.
      const caller = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
        traceState: createTraceState('vendor=abc'),
      });
      const server = tracer.startSpan(
        'POST /v1/infer',
        { kind: SpanKind.SERVER, attributes: { 'http.route': '/v1/infer' } },
        caller,
      );
      const linked = server.spanContext();
      const hop = tracer.startSpan(
        'hop echo',
        {
          attributes: { 'omnigate.hop.index': 0, 'omnigate.route': ['a', 'b'] },
          links: [{ context: linked }],
        },
        trace.setSpan(ROOT_CONTEXT, server),
      );
      hop.recordException(new Error('adapter down'));
      hop.setStatus({ code: SpanStatusCode.ERROR, message: 'adapter down' });
      await new Promise((r) => setTimeout(r, 30));
      hop.end();
      server.setAttribute('http.response.status_code', 200);
      server.setAttribute('omnigate.note', 'naïve — 中文');
      server.end();
      const after = Date.now();
      // Nothing is exported before the batch is due...
      await new Promise((r) => setTimeout(r, 100));
      expect(otlp.spans).toEqual([]);
      // ...or flushed.
      await processor.forceFlush();

      expect(otlp.spans).toHaveLength(2);
      const [h, s] = otlp.spans;
      expect(s).toMatchObject({
        service: SERVICE,
        name: 'POST /v1/infer',
        spanId: linked.spanId,
        kind: 2,
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        parentSpanId: '00f067aa0ba902b7',
        traceState: 'vendor=abc',
        // Sampled, the parent remote.
        flags: 0x301,
        scope: 'omnigate',
        resource: { 'service.name': SERVICE, 'service.version': '1.2.3' },
        attributes: {
          'http.route': '/v1/infer',
          'http.response.status_code': 200,
          'omnigate.note': 'naïve — 中文',
        },
      });
      // Times on the wall clock (within a millisecond: the clocks are read apart), in order.
      expect(s.startMs).toBeGreaterThanOrEqual(before - 1);
      expect(s.endMs).toBeLessThanOrEqual(after + 1);
      expect(h.startMs).toBeGreaterThanOrEqual(s.startMs);
      expect(h.endMs - h.startMs).toBeGreaterThanOrEqual(29);
      expect(h.events[0].timeMs).toBeGreaterThanOrEqual(h.startMs);
      expect(h.events[0].timeMs).toBeLessThanOrEqual(h.endMs);
      expect(h).toMatchObject({
        service: SERVICE,
        name: 'hop echo',
        kind: 1,
        traceId: s.traceId,
        parentSpanId: s.spanId,
        traceState: 'vendor=abc',
        // Sampled, the parent local.
        flags: 0x101,
        status: { code: 2, message: 'adapter down' },
        attributes: { 'omnigate.hop.index': 0, 'omnigate.route': ['a', 'b'] },
        links: [{ traceId: s.traceId, spanId: s.spanId }],
      });
      expect(h.events).toEqual([
        expect.objectContaining({
          name: 'exception',
          attributes: expect.objectContaining({ 'exception.message': 'adapter down' }),
        }),
      ]);
      expect(processor.dropped).toBe(0);
    },
  );

  it('sends a batch once it is full, without waiting for the delay', async () => {
    const otlp = await receiver();
    const { tracer } = tracerTo(otlp.url, { scheduledDelayMillis: 60_000, maxExportBatchSize: 3 });
    for (let i = 0; i < 4; i++) tracer.startSpan(`s${i}`, {}, ROOT_CONTEXT).end();
    for (let i = 0; i < 100 && otlp.spans.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(otlp.spans.map((s) => s.name)).toEqual(['s0', 's1', 's2']);
  });

  it('drops and counts the spans past maxQueueSize while the collector has not answered', async () => {
    // A collector that holds every request until let go.
    const held: ServerResponse[] = [];
    const bodies: number[] = [];
    const slow = createServer((req: IncomingMessage, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        bodies.push(bytes);
        held.push(res);
      });
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    });
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    const { processor, tracer } = tracerTo(url, {
      maxQueueSize: 4,
      maxExportBatchSize: 2,
      scheduledDelayMillis: 60_000,
    });

    for (let i = 0; i < 10; i++) tracer.startSpan(`s${i}`, {}, ROOT_CONTEXT).end();
    // Two batches of two went to the thread; the other six had no room.
    expect(processor.dropped).toBe(6);
    for (let i = 0; i < 100 && held.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(held).toHaveLength(2);
    tracer.startSpan('still full', {}, ROOT_CONTEXT).end();
    expect(processor.dropped).toBe(7);

    // Once the collector answers, the queue has room again.
    const flushed = processor.forceFlush();
    for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    await flushed;
    tracer.startSpan('room again', {}, ROOT_CONTEXT).end();
    expect(processor.dropped).toBe(7);
    const again = processor.forceFlush();
    for (let i = 0; i < 100 && held.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    await again;
    expect(bodies).toHaveLength(3);
  });

  it('packs the spans a turn ended once it is done; one that cannot be packed drops its batch, not the process', async () => {
    const otlp = await receiver();
    const { processor, tracer } = tracerTo(otlp.url, { scheduledDelayMillis: 60_000 });
    const write = vi.spyOn(SpanBatchWriter.prototype, 'write');
    cleanups.push(async () => write.mockRestore());
    tracer.startSpan('kept 1', {}, ROOT_CONTEXT).end();
    tracer.startSpan('kept 2', {}, ROOT_CONTEXT).end();
    // Queued, not yet packed: that waits for the turn's end.
    expect(write).not.toHaveBeenCalled();
    await new Promise((r) => setImmediate(r));
    expect(write).toHaveBeenCalledTimes(2);
    await processor.forceFlush();

    tracer.startSpan('before it', {}, ROOT_CONTEXT).end();
    await new Promise((r) => setImmediate(r));
    write.mockImplementationOnce(() => {
      throw new Error('cannot pack');
    });
    tracer.startSpan('unpackable', {}, ROOT_CONTEXT).end();
    tracer.startSpan('after it', {}, ROOT_CONTEXT).end();
    await new Promise((r) => setImmediate(r));
    // The batch it was written into went with it: the span packed before it, and itself.
    expect(processor.dropped).toBe(2);
    await processor.forceFlush();
    expect(otlp.spans.map((s) => s.name)).toEqual(['kept 1', 'kept 2', 'after it']);
  });

  it('exports the spans still batched on shutdown, then takes no more', async () => {
    const otlp = await receiver();
    const { processor, tracer } = tracerTo(otlp.url, { scheduledDelayMillis: 60_000 });
    tracer.startSpan('last one', {}, ROOT_CONTEXT).end();
    tracer.startSpan('last two', {}, ROOT_CONTEXT).end();
    await processor.shutdown();
    expect(otlp.spans.map((s) => s.name)).toEqual(['last one', 'last two']);
    tracer.startSpan('after', {}, ROOT_CONTEXT).end();
    await processor.forceFlush();
    expect(otlp.spans).toHaveLength(2);
  });
});
