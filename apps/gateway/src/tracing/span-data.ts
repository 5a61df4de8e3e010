import {
  createTraceState,
  type Attributes,
  type HrTime,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
} from '@opentelemetry/api';
import { hrTimeDuration, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/**
 * What the export thread gets of an ended span: plain data, copied by postMessage (structured
 * clone). The SDK's span holds its processor, limits and resource and cannot be cloned; a trace
 * state (a class in the SDK) travels as its header value.
 */
export interface SpanData {
  name: string;
  kind: SpanKind;
  context: ContextData;
  parent?: ContextData;
  startTime: HrTime;
  endTime: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: TimedEvent[];
  droppedEventsCount: number;
  links: { context: ContextData; attributes?: Attributes; droppedAttributesCount?: number }[];
  droppedLinksCount: number;
  /** The same object for the spans of one tracer: a message clones it once. */
  scope: InstrumentationScope;
}

/** A SpanContext with its trace state as the `tracestate` header value. */
export type ContextData = Omit<SpanContext, 'traceState'> & { traceState?: string };

/** Between the gateway and its export thread (span-export-thread.ts). */
export type ToExportThread =
  | { type: 'spans'; spans: SpanData[] }
  /** Answered with `flushed` once every span sent before it was exported (or failed). */
  | { type: 'flush'; id: number }
  /** Flushes, shuts the exporter down, answers `flushed`. */
  | { type: 'shutdown'; id: number };

export type FromExportThread =
  /** `count` spans of a `spans` message are done with, exported or not. */
  | { type: 'exported'; count: number }
  | { type: 'flushed'; id: number }
  /** The exporter's diagnostics, for the gateway's log. */
  | { type: 'diag'; level: 'error' | 'warn'; message: string };

/** What the export thread is started with (its workerData). */
export interface ExportThreadOptions {
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** The tracer provider's resource, its attributes. */
  resource: Attributes;
  /** A batch's export time limit: past it, its spans are given up and the next batch goes. */
  exportTimeoutMillis: number;
}

/** The context as it is when it has no trace state (most do): no copy made. */
function contextData(context: SpanContext): ContextData {
  if (!context.traceState) return context as ContextData;
  const { traceState, ...rest } = context;
  return { ...rest, traceState: traceState.serialize() };
}

/** The data of an ended span (on the gateway's thread: cheap, no encoding). */
export function spanData(span: ReadableSpan): SpanData {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  return {
    name: span.name,
    kind: span.kind,
    context: contextData(context),
    parent: parent && contextData(parent),
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events,
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.length
      ? span.links.map((link) => ({ ...link, context: contextData(link.context) }))
      : [],
    droppedLinksCount: span.droppedLinksCount,
    scope: span.instrumentationScope,
  };
}

function spanContext(data: ContextData): SpanContext {
  const { traceState, ...rest } = data;
  return traceState ? { ...rest, traceState: createTraceState(traceState) } : rest;
}

/** The span again, as the SDK's exporters read it (in the export thread). */
export function readableSpan(data: SpanData, resource: Resource): ReadableSpan {
  const context = spanContext(data.context);
  return {
    name: data.name,
    kind: data.kind,
    spanContext: () => context,
    ...(data.parent && { parentSpanContext: spanContext(data.parent) }),
    startTime: data.startTime,
    endTime: data.endTime,
    duration: hrTimeDuration(data.startTime, data.endTime),
    ended: true,
    status: data.status,
    attributes: data.attributes,
    droppedAttributesCount: data.droppedAttributesCount,
    events: data.events,
    droppedEventsCount: data.droppedEventsCount,
    links: data.links.map((link) => ({ ...link, context: spanContext(link.context) })),
    droppedLinksCount: data.droppedLinksCount,
    resource,
    instrumentationScope: data.scope,
  };
}
