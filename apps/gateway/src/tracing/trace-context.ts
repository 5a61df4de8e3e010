import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/**
 * The gateway's side of tracing, on the OpenTelemetry API alone (the SDK is tracing-sdk.ts).
 * Every function is a no-op, allocating nothing, until the SDK has started (enableTracing).
 */
let enabled = false;

/** Called once the SDK is registered: spans and carriers are made from then on. */
export function enableTracing(): void {
  enabled = true;
}

export function tracingEnabled(): boolean {
  return enabled;
}

/** W3C trace context headers (`traceparent`, maybe `tracestate`), as carried in a hop's job data. */
export type TraceCarrier = Record<string, string>;

const tracer = () => trace.getTracer('omnigate');

/** The active span's context as a carrier, for a hop queued now; undefined when tracing is off or no span is active. */
export function currentCarrier(): TraceCarrier | undefined {
  if (!enabled) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** Starts a span whose parent is the context `carrier` holds (none: a root span). */
export function startSpan(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  carrier: Record<string, string | string[] | undefined> | undefined,
): { span: Span; context: Context } {
  const parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  const span = tracer().startSpan(name, { kind, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** What identifies a hop run on its span. */
export interface HopSpanFields {
  jobId: string;
  adapter: string;
  task: string;
  hop: number;
  generation: number;
  trace?: TraceCarrier;
}

/** A span for one run of a hop, child of the request that queued it; undefined when tracing is off. */
export function startHopSpan(hop: HopSpanFields, attempt: number): Span | undefined {
  if (!enabled) return undefined;
  return startSpan(
    `hop ${hop.adapter}`,
    SpanKind.INTERNAL,
    {
      'omnigate.job.id': hop.jobId,
      'omnigate.adapter.id': hop.adapter,
      'omnigate.task': hop.task,
      'omnigate.hop.index': hop.hop,
      'omnigate.hop.generation': hop.generation,
      'omnigate.hop.attempt': attempt,
    },
    hop.trace,
  ).span;
}

/**
 * Ends a hop's span with its outcome; a failure (retried or final) is recorded with an error
 * status, a cancellation is not an error.
 */
export function endHopSpan(span: Span, outcome: string, error?: unknown): void {
  span.setAttribute('omnigate.hop.outcome', outcome);
  if (error !== undefined && (outcome === 'failed' || outcome === 'retried')) {
    const err = error instanceof Error ? error : new Error(String(error));
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  }
  span.end();
}
