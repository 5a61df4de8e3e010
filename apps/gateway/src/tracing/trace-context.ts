import {
  isSpanContextValid,
  type SpanKind,
  type Attributes,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { parseTraceParent, TraceState } from '@opentelemetry/core';
import { CarriedContext, type CompactTracer } from './compact-tracer';
import { LocalSpan } from './local-span';
import { Kind, SAMPLED, Status } from './otel-values';
import type { SharedAttributes } from './span-attributes';
import { lowerHexWord, TraceId } from './span-ids';

/**
 * The gateway's side of tracing, on the OpenTelemetry API's types and its own tracer
 * (tracing-sdk.ts starts it). Every function is a no-op, allocating nothing, until tracing has
 * started (enableTracing).
 *
 * Parents are passed explicitly (a Span within a process, a carrier across processes): no
 * context manager is registered, because AsyncLocalStorage's async hooks cost every promise of
 * the process about a fifth of its throughput on Node 20 (docs/benchmarks.md, Observability).
 */
let enabled = false;
/** The gateway's tracer, once tracing is on. */
let started: CompactTracer | undefined;
/** The tracer spans are made with: `started`, unless tracing is paused (pauseTracing). */
let tracer: CompactTracer | undefined;

/** How many spans the exporter dropped so far (its queue full), once tracing is on. */
let dropped: () => number = () => 0;

/**
 * Called once tracing has started: spans and carriers are made from then on, by `with`.
 * `droppedSpans`: the count of spans its exporter dropped, for the metrics.
 */
export function enableTracing(with_: CompactTracer, droppedSpans?: () => number): void {
  started = tracer = with_;
  if (droppedSpans) dropped = droppedSpans;
  enabled = true;
}

/**
 * Pauses tracing (no span made, no context propagated: as if it were off) or resumes it: for an
 * operator (TRACING_PAUSE_SIGNAL), and for measuring what tracing costs within one process.
 */
export function pauseTracing(paused: boolean): void {
  tracer = paused ? undefined : started;
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

/**
 * Starts a span under `parent`; undefined when tracing is off. `attributes`: its first ones, or
 * attributes shared by many spans (made once: see SharedAttributes).
 */
export function startSpan(
  name: string,
  parent: TraceParent,
  attributes?: Attributes | SharedAttributes,
  kind: SpanKind = Kind.INTERNAL,
  links?: Link[],
): Span | undefined {
  if (!tracer) return undefined;
  // A carrier without a valid traceparent (a caller that does not trace) starts a trace.
  const under =
    parent === undefined || parent instanceof LocalSpan
      ? parent
      : parent instanceof LocalCarrier
        ? LocalCarrier.parentOf(parent)
        : isSpan(parent)
          ? parent.spanContext()
          : extract(parent);
  return tracer.start(name, under, attributes, kind, links);
}

/**
 * The carrier of a span of this process (carrierOf): its W3C headers, and the span's context as
 * words, so that a child started in this process from the carrier (a job's hop in the direct
 * lane, which gets the job's carrier in memory) hangs under the span without reading the headers
 * back. The context is a private field: JSON, structured clones, spreads and header lists carry
 * the headers alone, and a carrier read back elsewhere is a plain one. Not the span itself: a
 * record keeps its carrier as long as the record is kept.
 */
class LocalCarrier {
  [header: string]: string;
  // The span's context, kept as its words (no object of its own: a record keeps its carrier).
  readonly #trace: TraceId;
  readonly #high: number;
  readonly #low: number;
  readonly #flags: number;
  readonly #state: SpanContext['traceState'];

  constructor(span: LocalSpan) {
    this.#trace = span.trace;
    this.#high = span.idHigh;
    this.#low = span.idLow;
    this.#flags = span.sampled ? SAMPLED : 0;
    this.#state = span.traceState;
    this.traceparent = span.traceparent();
    if (span.traceState) this.tracestate = span.traceState.serialize();
  }

  static parentOf(carrier: LocalCarrier): CarriedContext {
    const parent = new CarriedContext(carrier.#trace, carrier.#high, carrier.#low, carrier.#flags, false);
    if (carrier.#state) parent.traceState = carrier.#state;
    return parent;
  }
}

/**
 * The W3C headers naming `span` as the parent: for job data, a record, an outgoing request (what
 * the W3C propagator's inject writes; none for an invalid context).
 */
export function carrierOf(span: Span): TraceCarrier {
  if (span instanceof LocalSpan) return new LocalCarrier(span);
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  const flags = (context.traceFlags & 0xff).toString(16).padStart(2, '0');
  const traceparent = `00-${context.traceId}-${context.spanId}-${flags}`;
  return context.traceState ? { traceparent, tracestate: context.traceState.serialize() } : { traceparent };
}

/** The W3C `traceparent` naming `span` (what carrierOf's carrier holds, without the carrier). */
export function traceparentHeader(span: Span): string | undefined {
  return span instanceof LocalSpan ? span.traceparent() : carrierOf(span).traceparent;
}

/**
 * The remote context a carrier names, as the W3C propagator's extract reads it (the first of
 * repeated headers; repeated tracestate headers joined); undefined without a valid traceparent.
 */
function extract(carrier: TraceCarrier): SpanContext | undefined {
  const header = carrier.traceparent as string | string[] | undefined;
  const traceparent = Array.isArray(header) ? header[0] : header;
  if (typeof traceparent !== 'string') return undefined;
  const context = parseTraceparent(traceparent);
  if (!context) return undefined;
  const state = carrier.tracestate as string | string[] | undefined;
  if (state) context.traceState = new TraceState(Array.isArray(state) ? state.join(',') : state);
  return context;
}

/**
 * parseTraceParent's answer as a remote context, without its regular expression for the usual
 * form (version 00: 55 characters, lowercase hex, ids not all zeros), which is all the gateway's
 * own carriers: the ids read as words as they are checked.
 */
function parseTraceparent(header: string): SpanContext | undefined {
  if (
    header.length !== 55 ||
    !header.startsWith('00-') ||
    header.charCodeAt(35) !== DASH ||
    header.charCodeAt(52) !== DASH
  ) {
    const parsed = parseTraceParent(header);
    return parsed ? { ...parsed, isRemote: true } : undefined;
  }
  const w0 = lowerHexWord(header, 3);
  const w1 = lowerHexWord(header, 11);
  const w2 = lowerHexWord(header, 19);
  const w3 = lowerHexWord(header, 27);
  const high = lowerHexWord(header, 36);
  const low = lowerHexWord(header, 44);
  const flags = lowerHexWord(header, 53, 2);
  // Of this shape, the regular expression takes exactly what is hex with ids not all zeros.
  if (w0 < 0 || w1 < 0 || w2 < 0 || w3 < 0 || high < 0 || low < 0 || flags < 0) return undefined;
  if ((w0 | w1 | w2 | w3) === 0 || (high | low) === 0) return undefined;
  return new CarriedContext(new TraceId(w0 | 0, w1 | 0, w2 | 0, w3 | 0), high | 0, low | 0, flags);
}

const DASH = 45;

/** A link to the span a carrier names (a batch line's to its batch); none for an unreadable carrier. */
export function linkTo(carrier: TraceCarrier | undefined): Link[] | undefined {
  if (!enabled || !carrier) return undefined;
  const linked = extract(carrier);
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
    span.setStatus({ code: Status.ERROR, message: err.message });
  }
  span.end();
}

/**
 * Runs `fn` in a span under `parent` (when tracing is on): the span ends when `fn` settles, with
 * its error recorded. Without tracing, just `fn()`. One promise link when `fn` is asynchronous
 * and tracing on, none when it is off (no async frame of its own: this is on every request's path).
 */
export function inSpan<T>(
  name: string,
  parent: TraceParent,
  fn: (span: Span | undefined) => Promise<T> | T,
  attributes?: Attributes,
): Promise<T> {
  const span = parent === undefined ? undefined : startSpan(name, parent, attributes);
  let result: Promise<T> | T;
  try {
    result = fn(span);
  } catch (err) {
    if (span) endSpan(span, err);
    return Promise.reject(err as Error);
  }
  if (!isThenable(result)) {
    span?.end();
    return Promise.resolve(result);
  }
  if (!span) return Promise.resolve(result);
  return Promise.resolve(result).then(
    (value) => {
      span.end();
      return value;
    },
    (err: unknown) => {
      endSpan(span, err);
      throw err;
    },
  );
}

function isThenable<T>(value: Promise<T> | T): value is Promise<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

/** `inSpan` for a synchronous `fn`: its value, or its error thrown, the span ended either way. */
export function inSpanSync<T>(
  name: string,
  parent: TraceParent,
  fn: (span: Span | undefined) => T,
  attributes?: Attributes,
): T {
  const span = parent === undefined ? undefined : startSpan(name, parent, attributes);
  if (!span) return fn(undefined);
  try {
    const result = fn(span);
    span.end();
    return result;
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
}
