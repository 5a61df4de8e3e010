import {
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

/**
 * The gateway's side of tracing, on the OpenTelemetry API alone (the SDK is tracing-sdk.ts).
 * Every function is a no-op, allocating nothing, until the SDK has started (enableTracing).
 *
 * Parents are passed explicitly (a Span within a process, a carrier across processes): no
 * context manager is registered, because AsyncLocalStorage's async hooks cost every promise of
 * the process about a fifth of its throughput on Node 20 (docs/benchmarks.md, Observability).
 */
let enabled = false;
/** The registered provider's tracer, got once (not per span) when tracing is turned on. */
let tracer: Tracer | undefined;

/** How many spans the exporter dropped so far (its queue full), once tracing is on. */
let dropped: () => number = () => 0;

/**
 * Called once the SDK is registered: spans and carriers are made from then on. `droppedSpans`:
 * the count of spans its exporter dropped, for the metrics.
 */
export function enableTracing(droppedSpans?: () => number): void {
  tracer = trace.getTracer('omnigate');
  if (droppedSpans) dropped = droppedSpans;
  enabled = true;
}

/** Spans made and dropped unexported so far: the export queue was full (a collector slow or away). */
export function droppedSpans(): number {
  return dropped();
}

export function tracingEnabled(): boolean {
  return enabled;
}

/** W3C trace context headers (`traceparent`, maybe `tracestate`), as carried in job data and records. */
export type TraceCarrier = Record<string, string>;

/** Where a span hangs: a span of this process, the carrier of one from elsewhere, or nothing (a root span). */
export type TraceParent = Span | TraceCarrier | undefined;

function isSpan(parent: Span | TraceCarrier): parent is Span {
  return typeof (parent as Span).spanContext === 'function';
}

/** Starts a span under `parent`; undefined when tracing is off. */
export function startSpan(
  name: string,
  parent: TraceParent,
  attributes: Attributes = {},
  kind: SpanKind = SpanKind.INTERNAL,
  links?: Link[],
): Span | undefined {
  if (!tracer) return undefined;
  // A carrier without a traceparent (a request from a caller that does not trace) starts a trace.
  const context =
    parent === undefined
      ? ROOT_CONTEXT
      : isSpan(parent)
        ? trace.setSpan(ROOT_CONTEXT, parent)
        : parent.traceparent === undefined
          ? ROOT_CONTEXT
          : propagation.extract(ROOT_CONTEXT, parent);
  return tracer.startSpan(name, links ? { kind, attributes, links } : { kind, attributes }, context);
}

/** The W3C headers naming `span` as the parent: for job data, a record, an outgoing request. */
export function carrierOf(span: Span): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier;
}

/** A link to the span a carrier names (a batch line's to its batch); none for an unreadable carrier. */
export function linkTo(carrier: TraceCarrier | undefined): Link[] | undefined {
  if (!enabled || !carrier) return undefined;
  const linked = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier));
  return linked ? [{ context: linked }] : undefined;
}

/** The trace id a carrier's `traceparent` names (`00-<trace id>-<span id>-<flags>`). */
export function traceIdOf(carrier: TraceCarrier | undefined): string | undefined {
  const traceparent = carrier?.traceparent;
  return traceparent && traceparent.length >= 55 ? traceparent.slice(3, 35) : undefined;
}

/**
 * Ends a span with its outcome: an error (a failure, retried or final) is recorded with an error
 * status; an outcome without one (a cancellation) is not an error.
 */
export function endSpan(span: Span, error?: unknown, attributes?: Attributes): void {
  if (attributes) span.setAttributes(attributes);
  if (error !== undefined) {
    const err = error instanceof Error ? error : new Error(String(error));
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  }
  span.end();
}

/**
 * Runs `fn` in a span under `parent` (when tracing is on): the span ends when `fn` settles, with
 * its error recorded. Without tracing, just `fn()`.
 */
export async function inSpan<T>(
  name: string,
  parent: TraceParent,
  fn: (span: Span | undefined) => Promise<T> | T,
  attributes?: Attributes,
): Promise<T> {
  const span = parent === undefined ? undefined : startSpan(name, parent, attributes);
  if (!span) return fn(undefined);
  try {
    const result = await fn(span);
    span.end();
    return result;
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
}
