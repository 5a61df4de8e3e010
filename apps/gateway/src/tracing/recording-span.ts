import { performance } from 'node:perf_hooks';
import {
  diag,
  type SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
  type TraceState,
} from '@opentelemetry/api';
import { hrTimeToMilliseconds, isTimeInput, isTimeInputHrTime } from '@opentelemetry/core';
import { Status, validAttributeValue } from './otel-values';
import { LocalSpan } from './local-span';
import { spanIdHex, type TraceId } from './span-ids';
import {
  appendChecked,
  flatToObject,
  keyIndex,
  SharedAttributes,
  truncated,
  type FlatAttributes,
  type SharedList,
} from './span-attributes';
import type { SpanLimits } from './span-limits';

/** Where a span goes when it ends: the export queue (thread-span-processor.ts), or a test's list. */
export interface SpanSink {
  onEnd(span: RecordingSpan): void;
}

/** The instrumentation scope of a tracer, numbered so that a span names it by its index. */
export interface TracerScope {
  index: number;
  name: string;
  version?: string;
  schemaUrl?: string;
}

/** What a span needs of its tracer. */
export interface SpanOwner {
  readonly scope: TracerScope;
  readonly limits: SpanLimits;
  readonly sink: SpanSink;
}

/** An event of a span (an exception): its time is on the span's clock (see RecordingSpan.startTime). */
export interface SpanEvent {
  name: string;
  time: number;
  attributes: FlatAttributes;
  droppedAttributesCount: number;
}

/** A link of a span, its attributes flat. */
export interface SpanLink {
  context: SpanContext;
  attributes: FlatAttributes;
  droppedAttributesCount: number;
}

/** What few spans have, made for those only (see RecordingSpan.rare). */
interface RareSpanData {
  events?: SpanEvent[];
  droppedEvents: number;
  links?: SpanLink[];
  droppedLinks: number;
  statusMessage?: string;
}

/**
 * The own attributes of a span that has none: shared by all of them, never written to (a span's
 * first attribute gets it a list of its own).
 */
const NO_ATTRIBUTES: FlatAttributes = [];
/** Where appendAll gathers a span's first attributes (one list, reused: it is left empty). */
const gathered: FlatAttributes = [];

/** The whole nanoseconds `time` (ms) is past `ms`, its whole milliseconds (never rounded up). */
function nanosPast(time: number, ms: number): number {
  return Math.floor((time - ms) * 1e6);
}

/**
 * Milliseconds on performance.now()'s clock: what a span's times are kept as. `performance` is
 * perf_hooks' own: the global one is a getter of globalThis, called at every use.
 */
const now = () => performance.now();

/**
 * A span of the CompactTracer (compact-tracer.ts): always recorded and sampled (an unsampled
 * span is an UnsampledSpan, in compact-tracer.ts), it keeps its data as the export thread takes
 * it (flat attributes, times as performance.now() milliseconds, converted to epoch HrTime on the
 * thread) instead of the SDK's SpanImpl with its clock, HrTime conversions and per-span objects.
 * The methods behave as the SDK's span's do (limits, status rules, exceptions as events, the
 * warnings on an ended span).
 */
export class RecordingSpan extends LocalSpan implements Span {
  /**
   * Data for the export, read once the span has ended: its own attributes, after the shared ones
   * (none until one is set: a span's first attributes are a list of their own size, see appendAll).
   */
  attributes: FlatAttributes = NO_ATTRIBUTES;
  shared?: SharedList;
  droppedAttributesCount = 0;
  statusCode: SpanStatusCode = Status.UNSET;
  /** What few spans have (events, links, a status message), in an object made for those only. */
  private rare?: RareSpanData;
  /**
   * When it started and ended on performance.now()'s clock, as whole milliseconds and the
   * nanoseconds past them: small integers, kept in the span itself. A time as one number is a
   * double, which V8 keeps in a heap number of its own, two more objects a span for every
   * scavenge to copy (docs/benchmarks.md, Observability).
   */
  readonly startMs: number;
  readonly startNs: number;
  /** Set by end(): read only once `isRecording()` is false. */
  endMs = 0;
  endNs = 0;
  private done = false;

  constructor(
    readonly owner: SpanOwner,
    public name: string,
    readonly kind: SpanKind,
    trace: TraceId,
    /** The parent's span id's words; 0 and 0 without a parent (no span id is all zeros). */
    readonly parentHigh: number,
    readonly parentLow: number,
    /** Whether the parent is another process's (from a carrier). */
    readonly parentIsRemote: boolean,
    traceState: TraceState | undefined,
    attributes: Attributes | SharedAttributes | undefined,
    links: Link[] | undefined,
    startTime: TimeInput | undefined,
  ) {
    super(trace, traceState);
    const start = startTime === undefined ? now() : toClock(startTime);
    // `+ 0`: never -0, which is not a small integer to V8.
    this.startMs = Math.floor(start) + 0;
    this.startNs = nanosPast(start, this.startMs);
    if (links) for (const link of links) this.addLink(link);
    if (attributes instanceof SharedAttributes) {
      this.shared = attributes.list(owner.limits);
      this.droppedAttributesCount = this.shared.dropped;
    } else if (attributes) {
      this.appendAll(attributes);
    }
  }

  /** performance.now() when it started (ms). */
  get startTime(): number {
    return this.startMs + this.startNs / 1e6;
  }

  /** performance.now() when it ended (ms); -1 until it has. */
  get endTime(): number {
    return this.done ? this.endMs + this.endNs / 1e6 : -1;
  }

  get events(): SpanEvent[] | undefined {
    return this.rare?.events;
  }

  get droppedEventsCount(): number {
    return this.rare?.droppedEvents ?? 0;
  }

  get links(): SpanLink[] | undefined {
    return this.rare?.links;
  }

  get droppedLinksCount(): number {
    return this.rare?.droppedLinks ?? 0;
  }

  get statusMessage(): string | undefined {
    return this.rare?.statusMessage;
  }

  get sampled(): boolean {
    return true;
  }

  /** The parent's span id's hex digits, when it has a parent. */
  get parentSpanId(): string | undefined {
    return (this.parentHigh | this.parentLow) === 0 ? undefined : spanIdHex(this.parentHigh, this.parentLow);
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (value == null || this.ended()) return this;
    if (key.length === 0) {
      diag.warn(`Invalid attribute key: ${key}`);
      return this;
    }
    if (!validAttributeValue(value)) {
      diag.warn(`Invalid attribute value set for key: ${key}`);
      return this;
    }
    const { attributeCountLimit, attributeValueLengthLimit } = this.owner.limits;
    const shared = this.shared;
    if (shared && keyIndex(shared.list, key) >= 0) {
      // One of the shared ones changes: the span's own copy of them, then its own attributes.
      this.attributes = shared.list.concat(this.attributes);
      this.shared = undefined;
    }
    const list = this.attributes;
    const at = keyIndex(list, key);
    if (at >= 0) list[at + 1] = truncated(value, attributeValueLengthLimit);
    else if ((list.length + (this.shared?.list.length ?? 0)) / 2 >= attributeCountLimit) {
      this.droppedAttributesCount++;
    } else if (list === NO_ATTRIBUTES) this.attributes = [key, truncated(value, attributeValueLengthLimit)];
    else list.push(key, truncated(value, attributeValueLengthLimit));
    return this;
  }

  /**
   * Sets each of them, as setAttribute does; on a span without attributes of its own yet, their
   * list is made as long as they need (a list grown by pushes has room for 16 values).
   */
  setAttributes(attributes: Attributes): this {
    if (this.attributes === NO_ATTRIBUTES && !this.done && !this.sharesAKeyOf(attributes)) {
      this.appendAll(attributes);
      return this;
    }
    for (const key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) this.setAttribute(key, attributes[key]);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended()) return this;
    const { eventCountLimit, attributePerEventCountLimit } = this.owner.limits;
    const rare = this.rareData();
    if (eventCountLimit === 0) {
      diag.warn('No events allowed.');
      rare.droppedEvents++;
      return this;
    }
    const events = (rare.events ??= []);
    if (events.length >= eventCountLimit) {
      events.shift();
      rare.droppedEvents++;
    }
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) {
      if (!isTimeInput(time)) time = attributesOrTime;
    } else attributes = attributesOrTime;
    const [list, dropped] = this.limited(attributes, attributePerEventCountLimit);
    events.push({
      name,
      time: time === undefined ? now() : toClock(time),
      attributes: list,
      droppedAttributesCount: dropped,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended()) return this;
    const { linkCountLimit, attributePerLinkCountLimit } = this.owner.limits;
    const rare = this.rareData();
    if (linkCountLimit === 0) {
      rare.droppedLinks++;
      return this;
    }
    const links = (rare.links ??= []);
    if (links.length >= linkCountLimit) {
      links.shift();
      rare.droppedLinks++;
    }
    const [list, dropped] = this.limited(link.attributes, attributePerLinkCountLimit);
    links.push({ context: link.context, attributes: list, droppedAttributesCount: dropped });
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  /** As the SDK's: UNSET changes nothing, OK is final, a message only with ERROR. */
  setStatus(status: SpanStatus): this {
    if (this.ended() || status.code === Status.UNSET || this.statusCode === Status.OK) {
      return this;
    }
    this.statusCode = status.code;
    if (this.rare) this.rare.statusMessage = undefined;
    if (status.code === Status.ERROR) {
      if (typeof status.message === 'string') this.rareData().statusMessage = status.message;
      else if (status.message != null) {
        diag.warn(`Dropping invalid status.message of type '${typeof status.message}', expected 'string'`);
      }
    }
    return this;
  }

  updateName(name: string): this {
    if (!this.ended()) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.done) {
      diag.error(`${this.name} ${this.traceId}-${this.spanId} - You can only call end() on a span once.`);
      return;
    }
    const end = endTime === undefined ? now() : toClock(endTime);
    if (end < this.startTime) {
      diag.warn('Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.');
      this.endMs = this.startMs;
      this.endNs = this.startNs;
    } else {
      this.endMs = Math.floor(end) + 0;
      this.endNs = nanosPast(end, this.endMs);
    }
    this.done = true;
    const rare = this.rare;
    if (rare && rare.droppedEvents > 0) {
      diag.warn(`Dropped ${rare.droppedEvents} events because eventCountLimit reached`);
    }
    if (rare && rare.droppedLinks > 0) {
      diag.warn(`Dropped ${rare.droppedLinks} links because linkCountLimit reached`);
    }
    this.owner.sink.onEnd(this);
  }

  isRecording(): boolean {
    return !this.done;
  }

  /** As the SDK's: an `exception` event with exception.type, .message and .stacktrace. */
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      if (exception.code) attributes['exception.type'] = exception.code.toString();
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) {
      this.addEvent('exception', attributes, time);
    } else diag.warn(`Failed to record an exception ${String(exception)}`);
  }

  /** The attributes as an object (for tests and logs; the export reads the flat list). */
  attributeObject(): Attributes {
    return flatToObject(this.shared ? this.shared.list.concat(this.attributes) : this.attributes);
  }

  private ended(): boolean {
    if (!this.done) return false;
    diag.warn(
      `Cannot execute the operation on ended Span {traceId: ${this.traceId}, spanId: ${this.spanId}}`,
    );
    return true;
  }

  /**
   * The valid ones of `attributes` (the span has none of its own yet, and shares none of their
   * keys: no key is looked for), gathered in `gathered` and copied to a list of their own size.
   */
  private appendAll(attributes: Attributes): void {
    gathered.length = 0;
    const limits = this.owner.limits;
    const room = limits.attributeCountLimit - (this.shared ? this.shared.list.length / 2 : 0);
    this.droppedAttributesCount += appendChecked(gathered, attributes, room, limits);
    if (gathered.length > 0) this.attributes = gathered.slice();
    gathered.length = 0;
  }

  /** Whether one of the keys of `attributes` is among the span's shared ones. */
  private sharesAKeyOf(attributes: Attributes): boolean {
    const shared = this.shared;
    if (!shared) return false;
    for (const key in attributes) if (keyIndex(shared.list, key) >= 0) return true;
    return false;
  }

  private rareData(): RareSpanData {
    return (this.rare ??= { droppedEvents: 0, droppedLinks: 0 });
  }

  /** An event's or a link's attributes, valid ones only, at most `limit` of them, and how many were left out. */
  private limited(attributes: Attributes | undefined, limit: number): [FlatAttributes, number] {
    const list: FlatAttributes = [];
    const dropped = attributes ? appendChecked(list, attributes, limit, this.owner.limits) : 0;
    return [list, dropped];
  }
}

/**
 * A time given to the API (epoch ms, a performance.now() reading, a Date, an HrTime) on
 * performance.now()'s clock. A number not after now is a performance.now() reading, as in the SDK.
 */
function toClock(time: TimeInput): number {
  const perf = now();
  if (typeof time === 'number') return time <= perf ? time : time - (Date.now() - perf);
  const epochMs =
    time instanceof Date ? time.getTime() : isTimeInputHrTime(time) ? hrTimeToMilliseconds(time) : Date.now();
  return epochMs - (Date.now() - perf);
}
