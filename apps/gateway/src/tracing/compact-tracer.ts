import {
  context as contextApi,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  type SpanKind,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type TimeInput,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { Kind } from './otel-values';
import { RecordingSpan, type SpanOwner, type SpanSink, type TracerScope } from './recording-span';
import type { SharedAttributes } from './span-attributes';
import { LocalSpan } from './local-span';
import { spanIdHex, TraceId, wordOfHex } from './span-ids';
import type { SpanLimits } from './span-limits';
import type { SampleDecision } from './trace-sampler';

/** What every tracer of a provider shares. */
export interface CompactTracerOptions {
  sample: SampleDecision;
  limits: SpanLimits;
  sink: SpanSink;
}

/**
 * The gateway's tracer provider (registered as the API's global one): the tracers of
 * compact-tracer, one per instrumentation scope.
 */
export class CompactTracerProvider implements TracerProvider {
  private readonly tracers = new Map<string, CompactTracer>();

  constructor(private readonly options: CompactTracerOptions) {}

  getTracer(name: string, version?: string, options?: TracerOptions): CompactTracer {
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    let tracer = this.tracers.get(key);
    if (!tracer) {
      const scope = { index: this.tracers.size, name, version, schemaUrl: options?.schemaUrl };
      tracer = new CompactTracer(scope, this.options);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }
}

/**
 * A Tracer of the OpenTelemetry API whose spans are RecordingSpans (recording-span.ts): the
 * SDK's Tracer's decisions (the configured sampler, a child in its parent's trace with its trace
 * state, an unsampled span non-recording but still propagated, suppressed tracing honoured)
 * without its per-span cost. `start` takes the parent itself, not a Context: the gateway passes
 * parents explicitly (trace-context.ts), and a Context per span is an allocation it can spare.
 */
export class CompactTracer implements Tracer, SpanOwner {
  readonly limits: SpanLimits;
  readonly sink: SpanSink;
  private readonly sample: SampleDecision;

  constructor(
    readonly scope: TracerScope,
    options: CompactTracerOptions,
  ) {
    this.limits = options.limits;
    this.sink = options.sink;
    this.sample = options.sample;
  }

  startSpan(name: string, options: SpanOptions = {}, context: Context = contextApi.active()): Span {
    if (isTracingSuppressed(context)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const span = options.root ? undefined : trace.getSpan(context);
    const parent = span instanceof LocalSpan ? span : span?.spanContext();
    return this.start(name, parent, options.attributes, options.kind, options.links, options.startTime);
  }

  /**
   * A span under `parent` (a span of this tracer, or the context of any other; none: a new
   * trace): a RecordingSpan when sampled, else an UnsampledSpan, whose context still carries
   * the trace.
   */
  start(
    name: string,
    parent: LocalSpan | SpanContext | undefined,
    attributes?: Attributes | SharedAttributes,
    kind: SpanKind = Kind.INTERNAL,
    links?: Link[],
    startTime?: TimeInput,
  ): Span {
    if (parent instanceof LocalSpan) {
      // A span of this process: parent-based samplers follow whether it was sampled.
      const local = parent.sampled ? LOCAL_SAMPLED : LOCAL_UNSAMPLED;
      if (!this.sample(local, parent.trace)) return new UnsampledSpan(parent.trace, parent.traceState);
      return new RecordingSpan(
        this,
        name,
        kind,
        parent.trace,
        parent.idHigh,
        parent.idLow,
        false,
        parent.traceState,
        attributes,
        links,
        startTime,
      );
    }
    const context = parent;
    // A carrier's context was checked as it was read (or made here): its words are ready.
    const carried = context instanceof CarriedContext;
    const valid = carried || (context !== undefined && isSpanContextValid(context));
    const trace = carried ? context.trace : valid ? TraceId.fromHex(context.traceId) : TraceId.random();
    const traceState = valid ? context.traceState : undefined;
    if (!this.sample(valid ? context : undefined, trace)) return new UnsampledSpan(trace, traceState);
    return new RecordingSpan(
      this,
      name,
      kind,
      trace,
      carried ? context.high : valid ? wordOfHex(context.spanId, 0) : 0,
      carried ? context.low : valid ? wordOfHex(context.spanId, 8) : 0,
      valid && context.isRemote === true,
      traceState,
      attributes,
      links,
      startTime,
    );
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...args: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = args[args.length - 1] as (span: Span) => ReturnType<F>;
    const options = args.length > 1 ? (args[0] as SpanOptions) : undefined;
    const parentContext = args.length === 3 ? args[1] : contextApi.active();
    const span = this.startSpan(name, options, parentContext);
    return contextApi.with(trace.setSpan(parentContext, span), fn, undefined, span);
  }
}

/**
 * The context a carrier names (trace-context.ts), its ids as words, their hex digits made only if
 * asked for: another process's span, as read from a valid W3C `traceparent`, or one of this
 * process's, kept by the carrier made of it (not remote).
 */
export class CarriedContext implements SpanContext {
  traceState?: SpanContext['traceState'];

  constructor(
    readonly trace: TraceId,
    readonly high: number,
    readonly low: number,
    readonly traceFlags: number,
    readonly isRemote = true,
  ) {}

  get traceId(): string {
    return this.trace.hex;
  }

  get spanId(): string {
    return spanIdHex(this.high, this.low);
  }
}

/** The parent contexts a span of this process stands for, to the sampler. */
const LOCAL_SAMPLED = { traceFlags: TraceFlags.SAMPLED, isRemote: false };
const LOCAL_UNSAMPLED = { traceFlags: TraceFlags.NONE, isRemote: false };

/**
 * An unsampled span: it records nothing (every method a no-op, as the API's non-recording span),
 * but its context (flags 00) still carries the trace. A LocalSpan, as a RecordingSpan is, so that
 * its children and its carriers take the same paths (no hex digits read back, no regular
 * expression).
 */
export class UnsampledSpan extends LocalSpan implements Span {
  get sampled(): boolean {
    return false;
  }

  setAttribute(): this {
    return this;
  }

  setAttributes(): this {
    return this;
  }

  addEvent(): this {
    return this;
  }

  addLink(): this {
    return this;
  }

  addLinks(): this {
    return this;
  }

  setStatus(): this {
    return this;
  }

  updateName(): this {
    return this;
  }

  end(): void {}

  isRecording(): boolean {
    return false;
  }

  recordException(): void {}
}
