import type { Attributes } from '@opentelemetry/api';
import { SpanBatchReader, Tag, withRoom, type ClockAnchor, type SpanBatch } from './span-data';

/** An instrumentation scope as the request names it. */
export interface OtlpScope {
  name: string;
  version?: string;
  schemaUrl?: string;
}

/**
 * A batch of spans as the OTLP/HTTP protobuf body (an ExportTraceServiceRequest), written
 * straight from the packed batch (span-data.ts) on the export thread: its strings and ids are
 * already the bytes the body carries, so they are copied as they are; no ReadableSpan, no
 * attribute object, one pass. The bytes are those the SDK's ProtobufTraceSerializer writes for
 * the same spans (otlp-protobuf.spec.ts compares them): its field order and choices (an integer
 * as int_value, the span flags, which empty fields it writes or skips), the spans grouped by
 * scope, scopes in the order they first appear.
 */
export function encodeTraceRequest(
  batch: SpanBatch,
  clock: ClockAnchor,
  resource: Attributes,
  scopes: readonly OtlpScope[],
): Uint8Array {
  const read = new SpanBatchReader(batch);
  const offset = clock.epochMs - clock.perfMs;
  /** Each scope's spans, already framed as ScopeSpans' field 2, by scope index. */
  const byScope = new Map<number, ProtoWriter>();
  let size = 0;
  while (!read.done) {
    const index = read.number();
    let spans = byScope.get(index);
    if (!spans) byScope.set(index, (spans = new ProtoWriter(64 * 1024)));
    const before = spans.pos;
    spans.tag(2, LEN);
    const at = spans.begin();
    writeSpan(spans, read, offset);
    spans.end(at);
    size += spans.pos - before;
  }

  const out = new ProtoWriter(size + 1024);
  out.tag(1, LEN); // resource_spans
  const resourceSpans = out.begin();
  out.tag(1, LEN); // resource
  const resourceAt = out.begin();
  writeAttributeObject(out, 1, resource);
  out.tag(2, VARINT); // dropped_attributes_count
  out.varint(0);
  out.end(resourceAt);
  for (const [index, spans] of byScope) {
    const scope = scopes[index];
    out.tag(2, LEN); // scope_spans
    const scopeSpans = out.begin();
    out.tag(1, LEN); // scope
    const scopeAt = out.begin();
    out.tag(1, LEN);
    out.string(scope.name);
    if (scope.version) {
      out.tag(2, LEN);
      out.string(scope.version);
    }
    out.end(scopeAt);
    out.bytes(spans.buffer, spans.pos); // spans
    if (scope.schemaUrl) {
      out.tag(3, LEN);
      out.string(scope.schemaUrl);
    }
    out.end(scopeSpans);
  }
  out.end(resourceSpans);
  return out.finish();
}

/** Protobuf wire types. */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** The OTLP span flags: the W3C trace flags, and whether the parent's remoteness is known and true. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** A Span message (opentelemetry/proto/trace/v1/trace.proto), fields 1 to 16 in order. */
function writeSpan(w: ProtoWriter, read: SpanBatchReader, offset: number): void {
  w.tag(1, LEN);
  w.field(read); // trace_id
  w.tag(2, LEN);
  w.field(read); // span_id
  optionalString(w, 3, read); // trace_state
  const hasParent = !read.absent();
  if (hasParent) {
    w.tag(4, LEN);
    w.field(read); // parent_span_id
  }
  w.tag(5, LEN);
  w.field(read); // name
  w.tag(6, VARINT);
  w.varint(read.number() + 1); // kind: the API's SpanKind is the proto's less one
  w.tag(7, I64);
  w.time(read.number() + offset); // start_time_unix_nano
  w.tag(8, I64);
  w.time(read.number() + offset); // end_time_unix_nano
  writeAttributes(w, 9, read);
  w.tag(10, VARINT);
  w.varint(read.number()); // dropped_attributes_count
  for (let n = read.number(); n > 0; n--) {
    w.tag(11, LEN); // events
    const at = w.begin();
    w.tag(1, I64);
    w.time(read.number() + offset);
    w.tag(2, LEN);
    w.field(read);
    writeAttributes(w, 3, read);
    w.tag(4, VARINT);
    w.varint(read.number());
    w.end(at);
  }
  w.tag(12, VARINT);
  w.varint(read.number()); // dropped_events_count
  for (let n = read.number(); n > 0; n--) {
    w.tag(13, LEN); // links
    const at = w.begin();
    w.tag(1, LEN);
    w.field(read);
    w.tag(2, LEN);
    w.field(read);
    optionalString(w, 3, read);
    writeAttributes(w, 4, read);
    w.tag(5, VARINT);
    w.varint(read.number());
    const traceFlags = read.number();
    const remote = read.number() === 1;
    w.tag(6, I32);
    w.fixed32((traceFlags & 0xff) | HAS_IS_REMOTE | (remote ? IS_REMOTE : 0));
    w.end(at);
  }
  w.tag(14, VARINT);
  w.varint(read.number()); // dropped_links_count
  w.tag(15, LEN); // status
  const status = w.begin();
  optionalString(w, 2, read); // message
  w.tag(3, VARINT);
  w.varint(read.number()); // code
  w.end(status);
  const parentIsRemote = read.number() === 1;
  w.tag(16, I32); // flags: sampled (the only spans recorded), and the parent's remoteness
  w.fixed32(1 | HAS_IS_REMOTE | (hasParent && parentIsRemote ? IS_REMOTE : 0));
}

/** An optional string field, skipped when absent or empty (as the SDK skips it). */
function optionalString(w: ProtoWriter, field: number, read: SpanBatchReader): void {
  if (read.absent()) return;
  if (read.peek() === 0) {
    read.number();
    return;
  }
  w.tag(field, LEN);
  w.field(read);
}

/** Packed attributes as repeated KeyValue fields. */
function writeAttributes(w: ProtoWriter, field: number, read: SpanBatchReader): void {
  for (let n = read.number(); n > 0; n--) {
    w.tag(field, LEN);
    const keyValue = w.begin();
    w.tag(1, LEN);
    w.field(read); // key
    w.tag(2, LEN);
    const value = w.begin();
    writePackedValue(w, read);
    w.end(value);
    w.end(keyValue);
  }
}

/** A packed value as an AnyValue's fields. */
function writePackedValue(w: ProtoWriter, read: SpanBatchReader): void {
  switch (read.number() as Tag) {
    case Tag.String:
      w.tag(1, LEN);
      w.field(read);
      return;
    case Tag.Number:
      writeNumber(w, read.number());
      return;
    case Tag.Boolean:
      w.tag(2, VARINT);
      w.varint(read.number());
      return;
    case Tag.Array: {
      w.tag(5, LEN);
      const array = w.begin();
      for (let n = read.number(); n > 0; n--) {
        w.tag(1, LEN);
        const element = w.begin();
        writePackedValue(w, read);
        w.end(element);
      }
      w.end(array);
      return;
    }
    case Tag.Empty:
      return;
  }
}

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** A number as int_value when it is an integer in int64's range, else as double_value. */
function writeNumber(w: ProtoWriter, value: number): void {
  if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
    w.tag(3, VARINT);
    w.varint(value);
  } else {
    w.tag(4, I64);
    w.double(value);
  }
}

/**
 * An attribute object (the resource's, once a batch) as repeated KeyValue fields: strings,
 * numbers, booleans, arrays of them; as writePackedValue writes the packed ones.
 */
function writeAttributeObject(w: ProtoWriter, field: number, attributes: Attributes): void {
  for (const key of Object.keys(attributes)) {
    w.tag(field, LEN);
    const keyValue = w.begin();
    w.tag(1, LEN);
    w.string(key);
    w.tag(2, LEN);
    const value = w.begin();
    writeValue(w, attributes[key]);
    w.end(value);
    w.end(keyValue);
  }
}

function writeValue(w: ProtoWriter, value: unknown): void {
  if (typeof value === 'string') {
    w.tag(1, LEN);
    w.string(value);
  } else if (typeof value === 'boolean') {
    w.tag(2, VARINT);
    w.varint(value ? 1 : 0);
  } else if (typeof value === 'number') writeNumber(w, value);
  else if (Array.isArray(value)) {
    w.tag(5, LEN);
    const array = w.begin();
    for (const element of value as unknown[]) {
      w.tag(1, LEN);
      const at = w.begin();
      writeValue(w, element);
      w.end(at);
    }
    w.end(array);
  }
}

const encoder = new TextEncoder();

/**
 * Protobuf's wire format into a growing buffer. A length-delimited field's length is given one
 * byte ahead (`begin`) and widened when its content turns out longer (`end`), as the SDK's writer
 * does: one pass, the lengths as short as they can be.
 */
class ProtoWriter {
  buffer: Uint8Array;
  pos = 0;
  private view: DataView;

  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
    this.view = new DataView(this.buffer.buffer);
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.pos);
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  varint(value: number): void {
    this.room(10);
    const b = this.buffer;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        b[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[this.pos++] = v;
      return;
    }
    // Beyond 32 bits: the 64-bit two's complement, low and high halves (10 bytes for a negative).
    const magnitude = Math.abs(value);
    let low = magnitude >>> 0;
    let high = (magnitude / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      b[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    b[this.pos++] = low & 0x7f;
  }

  fixed32(value: number): void {
    this.room(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  double(value: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /**
   * Epoch milliseconds as fixed64 nanoseconds, exactly as the SDK gets there (millisToHrTime,
   * then writeHrTimeAsFixed64): whole seconds and rounded nanoseconds, multiplied in parts that
   * stay exact in a double.
   */
  time(epochMs: number): void {
    const seconds = Math.trunc(epochMs / 1000);
    const nanos = Math.round((epochMs % 1000) * 1e6);
    const fromLow = (seconds & 0xffff) * 1e9;
    const fromHigh = ((seconds / 0x10000) >>> 0) * 1e9;
    const low = (fromLow >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + nanos;
    const high =
      Math.floor(fromLow / 0x100000000) + ((fromHigh / 0x10000) >>> 0) + Math.floor(low / 0x100000000);
    this.room(8);
    this.view.setUint32(this.pos, low >>> 0, true);
    this.view.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  /** A string field's length and UTF-8 bytes. */
  string(value: string): void {
    const encoded = encoder.encode(value);
    this.varint(encoded.length);
    this.bytes(encoded, encoded.length);
  }

  /** The next string or id of a batch: its length and bytes, copied as they are. */
  field(read: SpanBatchReader): void {
    const length = read.number();
    const from = read.byteAt;
    read.byteAt += length;
    this.varint(length);
    this.room(length);
    const source = read.batch.bytes;
    if (length > 32) this.buffer.set(source.subarray(from, from + length), this.pos);
    else for (let i = 0; i < length; i++) this.buffer[this.pos + i] = source[from + i];
    this.pos += length;
  }

  /** Bytes as they are (already framed fields). */
  bytes(source: Uint8Array, length: number): void {
    this.room(length);
    this.buffer.set(source.subarray(0, length), this.pos);
    this.pos += length;
  }

  /** Starts a length-delimited field's content: where its length goes, one byte kept for it. */
  begin(): number {
    this.room(1);
    return this.pos++;
  }

  /** Ends the content begun at `at`: its length written there, the content moved if it needs more bytes. */
  end(at: number): void {
    const length = this.pos - at - 1;
    if (length < 0x80) {
      this.buffer[at] = length;
      return;
    }
    const size = length < 0x4000 ? 2 : length < 0x200000 ? 3 : length < 0x10000000 ? 4 : 5;
    this.room(size - 1);
    this.buffer.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = length;
    for (let i = 0; i < size - 1; i++, v >>>= 7) this.buffer[at + i] = (v & 0x7f) | 0x80;
    this.buffer[at + size - 1] = v;
  }

  /** Room for `bytes` more. */
  private room(bytes: number): void {
    const grown = withRoom(this.buffer, this.pos, this.pos + bytes);
    if (grown === this.buffer) return;
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}
