import {
  createTraceState,
  TraceFlags,
  type HrTime,
  type Link,
  type SpanContext,
  type SpanKind,
  type SpanStatusCode,
} from '@opentelemetry/api';
import { hrTimeDuration, millisToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { ClockAnchor } from './export-thread-protocol';
import { SpanBatchReader } from './span-batch-reader';
import { spanIdHex, TraceId } from './span-ids';
import type { SpanBatch } from './span-data';

/** The spans of a batch again, as the SDK's serializers read them (on the export thread, for http/json). */
export function readSpans(
  batch: SpanBatch,
  clock: ClockAnchor,
  resource: Resource,
  scopes: readonly InstrumentationScope[],
): ReadableSpan[] {
  const offset = clock.epochMs - clock.perfMs;
  const time = (perfMs: number): HrTime => millisToHrTime(perfMs + offset);
  const traceState = (header: string | undefined) =>
    header === undefined ? undefined : createTraceState(header);
  const read = new SpanBatchReader(batch);
  const spans: ReadableSpan[] = [];
  while (!read.done) {
    const head = read.head();
    const scope = scopes[head.scope];
    const traceId = new TraceId(head.t0, head.t1, head.t2, head.t3).hex;
    const spanId = spanIdHex(head.high, head.low);
    const startTime = time(head.start);
    const endTime = time(head.end);
    const state = traceState(read.optional());
    const context: SpanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED, traceState: state };
    const name = read.string();
    const attributes = read.attributes();
    const events: TimedEvent[] = [];
    for (let n = head.events; n > 0; n--) {
      const eventTime = time(read.number());
      const eventName = read.string();
      const eventAttributes = read.attributes();
      events.push({
        name: eventName,
        time: eventTime,
        attributes: eventAttributes,
        droppedAttributesCount: read.number(),
      });
    }
    const links: Link[] = [];
    for (let n = head.links; n > 0; n--) {
      const linkTraceId = read.id();
      const linkSpanId = read.id();
      const linkState = traceState(read.optional());
      const linkAttributes = read.attributes();
      const dropped = read.number();
      const linked: SpanContext = {
        traceId: linkTraceId,
        spanId: linkSpanId,
        traceFlags: read.number(),
        isRemote: read.number() === 1,
      };
      if (linkState) linked.traceState = linkState;
      const link: Link = { context: linked };
      if (Object.keys(linkAttributes).length > 0) link.attributes = linkAttributes;
      if (dropped > 0) link.droppedAttributesCount = dropped;
      links.push(link);
    }
    const message = read.optional();
    const code = head.code as SpanStatusCode;
    const parentSpanId = head.parentHigh < 0 ? undefined : spanIdHex(head.parentHigh, head.parentLow);
    spans.push({
      name,
      kind: head.kind as SpanKind,
      spanContext: () => context,
      parentSpanContext:
        parentSpanId === undefined
          ? undefined
          : { traceId, spanId: parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: head.parentIsRemote },
      startTime,
      endTime,
      duration: hrTimeDuration(startTime, endTime),
      ended: true,
      status: message === undefined ? { code } : { code, message },
      attributes,
      droppedAttributesCount: head.droppedAttributes,
      events,
      droppedEventsCount: head.droppedEvents,
      links,
      droppedLinksCount: head.droppedLinks,
      resource,
      instrumentationScope: scope,
    });
  }
  return spans;
}
