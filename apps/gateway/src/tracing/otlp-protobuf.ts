import type { Attributes } from '@opentelemetry/api';
import type { ClockAnchor } from './export-thread-protocol';
import { I32, I64, LEN, ProtoWriter, VARINT } from './protobuf-writer';
import { SpanBatchReader, type SpanHead } from './span-batch-reader';
import { Tag, type SpanBatch } from './span-data';

/** An instrumentation scope as the request names it. */
export interface OtlpScope {
  name: string;
  version?: string;
  schemaUrl?: string;
}

/**
 * A batch of spans as the OTLP/HTTP protobuf body (an ExportTraceServiceRequest), written
 * straight from the packed batch (span-data.ts) on the export thread: its strings are already
 * the bytes the body carries, so they are copied as they are, and ids are words written as their
 * bytes; no ReadableSpan, no attribute object, one pass. The bytes are those the SDK's ProtobufTraceSerializer writes for
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
    const head = read.head();
    let spans = byScope.get(head.scope);
    if (!spans) byScope.set(head.scope, (spans = new ProtoWriter(64 * 1024)));
    const before = spans.pos;
    spans.tag(2, LEN);
    const at = spans.begin();
    writeSpan(spans, head, read, offset);
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

/** The OTLP span flags: the W3C trace flags, and whether the parent's remoteness is known and true. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** A Span message (opentelemetry/proto/trace/v1/trace.proto), fields 1 to 16 in order: its head, and what follows it. */
function writeSpan(w: ProtoWriter, head: SpanHead, read: SpanBatchReader, offset: number): void {
  w.tag(1, LEN); // trace_id
  w.varint(16);
  w.word(head.t0);
  w.word(head.t1);
  w.word(head.t2);
  w.word(head.t3);
  w.tag(2, LEN); // span_id
  w.varint(8);
  w.word(head.high);
  w.word(head.low);
  optionalString(w, 3, read); // trace_state
  const hasParent = head.parentHigh >= 0;
  if (hasParent) {
    w.tag(4, LEN); // parent_span_id
    w.varint(8);
    w.word(head.parentHigh);
    w.word(head.parentLow);
  }
  w.tag(5, LEN);
  copyField(w, read); // name
  w.tag(6, VARINT);
  w.varint(head.kind + 1); // kind: the API's SpanKind is the proto's less one
  w.tag(7, I64);
  w.time(head.start + offset); // start_time_unix_nano
  w.tag(8, I64);
  w.time(head.end + offset); // end_time_unix_nano
  writeAttributes(w, 9, read);
  w.tag(10, VARINT);
  w.varint(head.droppedAttributes); // dropped_attributes_count
  for (let n = head.events; n > 0; n--) {
    w.tag(11, LEN); // events
    const at = w.begin();
    w.tag(1, I64);
    w.time(read.number() + offset);
    w.tag(2, LEN);
    copyField(w, read);
    writeAttributes(w, 3, read);
    w.tag(4, VARINT);
    w.varint(read.number());
    w.end(at);
  }
  w.tag(12, VARINT);
  w.varint(head.droppedEvents); // dropped_events_count
  for (let n = head.links; n > 0; n--) {
    w.tag(13, LEN); // links
    const at = w.begin();
    w.tag(1, LEN);
    copyField(w, read);
    w.tag(2, LEN);
    copyField(w, read);
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
  w.varint(head.droppedLinks); // dropped_links_count
  w.tag(15, LEN); // status
  const status = w.begin();
  optionalString(w, 2, read); // message
  w.tag(3, VARINT);
  w.varint(head.code); // code
  w.end(status);
  w.tag(16, I32); // flags: sampled (the only spans recorded), and the parent's remoteness
  w.fixed32(1 | HAS_IS_REMOTE | (hasParent && head.parentIsRemote ? IS_REMOTE : 0));
}

/** The batch's next string or id, as a length-delimited field's content (its bytes as they are). */
function copyField(w: ProtoWriter, read: SpanBatchReader): void {
  const length = read.text();
  w.lengthDelimited(read.batch.bytes, read.textAt, length);
}

/** An optional string field, skipped when absent or empty (as the SDK skips it). */
function optionalString(w: ProtoWriter, field: number, read: SpanBatchReader): void {
  if (read.absent()) return;
  const length = read.text();
  if (length === 0) return;
  w.tag(field, LEN);
  w.lengthDelimited(read.batch.bytes, read.textAt, length);
}

/** Packed attributes as repeated KeyValue fields. */
function writeAttributes(w: ProtoWriter, field: number, read: SpanBatchReader): void {
  for (let n = read.number(); n > 0; n--) {
    w.tag(field, LEN);
    const keyValue = w.begin();
    w.tag(1, LEN);
    copyField(w, read); // key
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
      copyField(w, read);
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
