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
  /** Data for the export, read once the span has ended: its own attributes, after the shared ones. */
  attributes: FlatAttributes = [];
  shared?: SharedList;
  droppedAttributesCount = 0;
  events?: SpanEvent[];
  droppedEventsCount = 0;
  links?: SpanLink[];
  droppedLinksCount = 0;
  statusCode: SpanStatusCode = Status.UNSET;
  statusMessage?: string;
  /** performance.now() when it started and ended (ms). */
  readonly startTime: number;
  endTime = -1;

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
    this.startTime = startTime === undefined ? now() : toClock(startTime);
    if (links) for (const link of links) this.addLink(link);
    if (attributes instanceof SharedAttributes) {
      this.shared = attributes.list(owner.limits);
      this.droppedAttributesCount = this.shared.dropped;
    } else if (attributes) {
      this.droppedAttributesCount = appendChecked(this.attributes, attributes, owner.limits);
    }
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
    } else list.push(key, truncated(value, attributeValueLengthLimit));
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) this.setAttribute(key, attributes[key]);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended()) return this;
    const { eventCountLimit, attributePerEventCountLimit } = this.owner.limits;
    if (eventCountLimit === 0) {
      diag.warn('No events allowed.');
      this.droppedEventsCount++;
      return this;
    }
    const events = (this.events ??= []);
    if (events.length >= eventCountLimit) {
      events.shift();
      this.droppedEventsCount++;
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
    if (linkCountLimit === 0) {
      this.droppedLinksCount++;
      return this;
    }
    const links = (this.links ??= []);
    if (links.length >= linkCountLimit) {
      links.shift();
      this.droppedLinksCount++;
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
    this.statusMessage = undefined;
    if (status.code === Status.ERROR) {
      if (typeof status.message === 'string') this.statusMessage = status.message;
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
    if (this.endTime >= 0) {
      diag.error(`${this.name} ${this.traceId}-${this.spanId} - You can only call end() on a span once.`);
      return;
    }
    let end = endTime === undefined ? now() : toClock(endTime);
    if (end < this.startTime) {
      diag.warn('Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.');
      end = this.startTime;
    }
    this.endTime = end;
    if (this.droppedEventsCount > 0) {
      diag.warn(`Dropped ${this.droppedEventsCount} events because eventCountLimit reached`);
    }
    if (this.droppedLinksCount > 0) {
      diag.warn(`Dropped ${this.droppedLinksCount} links because linkCountLimit reached`);
    }
    this.owner.sink.onEnd(this);
  }

  isRecording(): boolean {
    return this.endTime < 0;
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
    if (this.endTime < 0) return false;
    diag.warn(
      `Cannot execute the operation on ended Span {traceId: ${this.traceId}, spanId: ${this.spanId}}`,
    );
    return true;
  }

  /** An event's or a link's attributes, valid ones only, at most `limit` of them, and how many were left out. */
  private limited(attributes: Attributes | undefined, limit: number): [FlatAttributes, number] {
    const list: FlatAttributes = [];
    let dropped = 0;
    for (const key in attributes) {
      if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
      const value = attributes[key];
      if (key.length === 0 || !validAttributeValue(value)) {
        diag.warn(`Invalid attribute value set for key: ${key}`);
        continue;
      }
      if (value == null) continue;
      if (list.length / 2 >= limit) dropped++;
      else list.push(key, truncated(value, this.owner.limits.attributeValueLengthLimit));
    }
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
