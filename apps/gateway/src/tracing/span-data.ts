import { withRoom } from './protobuf-writer';
import { HEX_VALUES } from './span-ids';
import type { RecordingSpan } from './recording-span';
import type { FlatAttributes, PackedAttributes, SharedList } from './span-attributes';

/**
 * What the export thread gets of ended spans: a batch packed into two arrays, in
 * SpanBatchWriter's order: the bytes of every string of every span, one after the other (UTF-8;
 * link ids as the bytes their hex digits stand for, as OTLP sends them), and the numbers (a
 * span's fixed head, ids as 32-bit words among them, and the byte length of each string). Both
 * arrays' buffers are transferred to the thread and given back for the next batch: the post
 * copies nothing, far cheaper, on the event loop and on the thread, than cloning an object, or a
 * string, per span. The thread writes the protobuf body straight from them (otlp-protobuf.ts), or
 * makes the SDK's ReadableSpans again (readable-spans.ts), both through SpanBatchReader
 * (span-batch-reader.ts).
 *
 * A string is its byte length (≥ 0), then its bytes. Span names, attribute keys and event names,
 * few and repeated span after span, are written once a batch: the first time as a reference to a
 * new entry of the batch's table (`-2 - index`, index the table's length) followed by the string,
 * then as that reference alone. -1 is an absent optional string.
 */
export interface SpanBatch {
  /** The strings' bytes (the array is longer than they: each string's length is among the numbers). */
  bytes: Uint8Array;
  numbers: Float64Array;
  /** The numbers used: the array is longer. */
  length: number;
}

/** How an attribute value is packed: its tag, then the value. */
export enum Tag {
  String = 0,
  Number = 1,
  Boolean = 2,
  Array = 3,
  /** A null or undefined element of an array. */
  Empty = 4,
}

const encoder = new TextEncoder();
/**
 * String.prototype.charCodeAt, called on a string rather than loaded from it. The strings spans
 * hold come in many of V8's shapes (sequential, sliced, cons, thin, internalized...), so a
 * `value.charCodeAt(i)` in the packer went megamorphic in the gateway: a stub-cache lookup for
 * every character, about 10 thousand instructions a call (docs/benchmarks.md, Observability).
 */
const charCodeAt = String.prototype.charCodeAt;
/** Strings of at most this many characters are copied by SpanBatchWriter.string's own loop. */
const LOOP_CHARACTERS = 16;

/**
 * The numbers every span starts with, in this order: its scope's index, its trace id's four
 * words, its id's two, its parent's two (-1 and -1 without one), whether the parent is remote,
 * its kind, start and end times (performance.now() ms), status code, dropped attributes count,
 * events count, dropped events count, links count and dropped links count (read back whole by
 * SpanBatchReader.head).
 */
export const SPAN_HEAD = 19;

/** Packs ended spans into a batch (on the gateway's thread: appends, no encoding). */
export class SpanBatchWriter {
  private bytes: Uint8Array;
  private byteLength = 0;
  private numbers: Float64Array;
  private length = 0;
  /** Arrays of batches sent and read, to write the next ones in. */
  private readonly spare: { bytes: Uint8Array; numbers: Float64Array }[] = [];
  /** The batch's table of names and keys (see SpanBatch); none in a writer of shared attributes. */
  private readonly texts: Map<string, number> | undefined;

  constructor(
    private numberCapacity = 4096,
    private byteCapacity = 64 * 1024,
    texts = true,
  ) {
    this.numbers = new Float64Array(numberCapacity);
    this.bytes = new Uint8Array(byteCapacity);
    this.texts = texts ? new Map() : undefined;
  }

  /** A batch's arrays the export thread has read and given back. */
  recycle(arrays: { bytes: Uint8Array; numbers: Float64Array }): void {
    if (this.spare.length < 4) this.spare.push({ bytes: arrays.bytes, numbers: arrays.numbers });
  }

  /** The bytes packed so far: a batch is sent before it grows too large. */
  get bytesWritten(): number {
    return this.byteLength;
  }

  /** The batch so far; the writer starts a new one, as large as this one had to grow. */
  take(): SpanBatch {
    const batch = { bytes: this.bytes, numbers: this.numbers, length: this.length };
    this.numberCapacity = Math.max(this.numberCapacity, this.numbers.length);
    this.byteCapacity = Math.max(this.byteCapacity, this.bytes.length);
    const spare = this.spare.pop();
    this.numbers =
      spare && spare.numbers.length >= this.numberCapacity
        ? spare.numbers
        : new Float64Array(this.numberCapacity);
    this.bytes =
      spare && spare.bytes.length >= this.byteCapacity ? spare.bytes : new Uint8Array(this.byteCapacity);
    this.length = 0;
    this.byteLength = 0;
    this.texts?.clear();
    return batch;
  }

  /**
   * A span's data: its head (SPAN_HEAD), then its trace state, name, attributes, events, links
   * and status message, in the order of the OTLP Span message's fields (otlp-protobuf.ts writes
   * them as it reads them).
   */
  write(span: RecordingSpan): void {
    if (this.length + SPAN_HEAD > this.numbers.length) this.numberRoom(SPAN_HEAD);
    const events = span.events;
    const links = span.links;
    const trace = span.trace;
    const n = this.numbers;
    const at = this.length;
    n[at] = span.owner.scope.index;
    // The ids' words unsigned (a span keeps them signed: span-ids.ts).
    n[at + 1] = trace.w0 >>> 0;
    n[at + 2] = trace.w1 >>> 0;
    n[at + 3] = trace.w2 >>> 0;
    n[at + 4] = trace.w3 >>> 0;
    n[at + 5] = span.idHigh >>> 0;
    n[at + 6] = span.idLow >>> 0;
    const parented = (span.parentHigh | span.parentLow) !== 0;
    n[at + 7] = parented ? span.parentHigh >>> 0 : -1;
    n[at + 8] = parented ? span.parentLow >>> 0 : -1;
    n[at + 9] = span.parentIsRemote ? 1 : 0;
    n[at + 10] = span.kind;
    // From the span's whole ms and ns (its getters' doubles would be heap numbers if not inlined).
    n[at + 11] = span.startMs + span.startNs / 1e6;
    n[at + 12] = span.endMs + span.endNs / 1e6;
    n[at + 13] = span.statusCode;
    n[at + 14] = span.droppedAttributesCount;
    n[at + 15] = events?.length ?? 0;
    n[at + 16] = span.droppedEventsCount;
    n[at + 17] = links?.length ?? 0;
    n[at + 18] = span.droppedLinksCount;
    this.length = at + SPAN_HEAD;
    this.optional(span.traceState?.serialize());
    this.text(span.name);
    this.attributes(span.attributes, span.shared);
    if (events) {
      for (const event of events) {
        this.number(event.time);
        this.text(event.name);
        this.attributes(event.attributes);
        this.number(event.droppedAttributesCount);
      }
    }
    if (links) {
      for (const { context, attributes, droppedAttributesCount } of links) {
        this.id(context.traceId);
        this.id(context.spanId);
        this.optional(context.traceState?.serialize());
        this.attributes(attributes);
        this.number(droppedAttributesCount);
        this.number(context.traceFlags);
        this.number(context.isRemote === true ? 1 : 0);
      }
    }
    this.optional(span.statusMessage);
  }

  private number(value: number): void {
    if (this.length === this.numbers.length) this.numberRoom(1);
    this.numbers[this.length++] = value;
  }

  /**
   * Room for `count` more numbers. The arrays are stored back only when they grow: a store of
   * an object into the writer (old) is a write barrier, and one per number and string cost the
   * gateway 17–27 µs of its event loop a call (docs/benchmarks.md, Observability).
   */
  private numberRoom(count: number): void {
    if (this.length + count > this.numbers.length) {
      this.numbers = withRoom(this.numbers, this.length, this.length + count);
    }
  }

  /** A string's UTF-8 bytes, and their count. */
  private string(value: string): void {
    // Typed a string for the compiler (a no-op on one), so that its length is read without a lookup.
    value = String(value);
    const count = value.length;
    if (count > LOOP_CHARACTERS) {
      // Past a few characters, the encoder's copy costs less than the loop's reads, whatever the
      // string's shape (a cons string, such as randomUUID()'s ids, costs the loop the most).
      this.room(count * 3);
      const written = encoder.encodeInto(value, this.bytes.subarray(this.byteLength)).written;
      this.byteLength += written;
      this.number(written);
      return;
    }
    this.room(count);
    const bytes = this.bytes;
    let at = this.byteLength;
    for (let i = 0; i < count; i++) {
      const code = charCodeAt.call(value, i);
      if (code > 0x7f) {
        // Beyond ASCII: the rest encoded (at most 3 bytes a UTF-16 unit).
        const start = this.byteLength;
        this.byteLength = at;
        this.room((count - i) * 3);
        this.byteLength += encoder.encodeInto(value.slice(i), this.bytes.subarray(this.byteLength)).written;
        this.number(this.byteLength - start);
        return;
      }
      bytes[at++] = code;
    }
    this.byteLength = at;
    this.number(count);
  }

  /** A name or key: a reference to the batch's table, and the string the first time (see SpanBatch). */
  private text(value: string): void {
    const texts = this.texts;
    if (!texts) return this.string(value);
    const known = texts.get(value);
    if (known !== undefined) return this.number(-2 - known);
    const index = texts.size;
    texts.set(value, index);
    this.number(-2 - index);
    this.string(value);
  }

  /** An id's hex digits as the bytes they stand for (as OTLP sends it), and their count. */
  private id(hex: string): void {
    const count = hex.length >>> 1;
    this.room(count);
    const bytes = this.bytes;
    let at = this.byteLength;
    for (let i = 0; i < count; i++) {
      bytes[at++] =
        (HEX_VALUES[hex.charCodeAt(2 * i) & 0x7f] << 4) | HEX_VALUES[hex.charCodeAt(2 * i + 1) & 0x7f];
    }
    this.byteLength = at;
    this.number(count);
  }

  /** Room for `count` more bytes. */
  private room(count: number): void {
    if (this.byteLength + count > this.bytes.length) {
      this.bytes = withRoom(this.bytes, this.byteLength, this.byteLength + count);
    }
  }

  /** A string or nothing (length -1). */
  private optional(value: string | undefined): void {
    if (value === undefined) this.number(-1);
    else this.string(value);
  }

  /** Attributes: their count, then each key and value (shared ones first, packed once for all spans). */
  private attributes(list: FlatAttributes, shared?: SharedList): void {
    if (!shared) {
      this.number(list.length / 2);
      this.entries(list);
      return;
    }
    this.number((shared.list.length + list.length) / 2);
    const packed = (shared.packed ??= SpanBatchWriter.pack(shared.list));
    this.numberRoom(packed.numbers.length);
    this.numbers.set(packed.numbers, this.length);
    this.length += packed.numbers.length;
    this.room(packed.bytes.length);
    this.bytes.set(packed.bytes, this.byteLength);
    this.byteLength += packed.bytes.length;
    this.entries(list);
  }

  private entries(list: FlatAttributes): void {
    for (let i = 0; i < list.length; i += 2) {
      this.text(list[i] as string);
      this.value(list[i + 1]);
    }
  }

  /**
   * The entries of a flat list, packed as `attributes` appends them after their count (keys as
   * strings: the pack goes into every batch, whatever its table).
   */
  static pack(list: FlatAttributes): PackedAttributes {
    const writer = new SpanBatchWriter(2 * list.length, 64 * list.length, false);
    writer.entries(list);
    return {
      numbers: writer.numbers.slice(0, writer.length),
      bytes: writer.bytes.slice(0, writer.byteLength),
    };
  }

  /** A value as tracing keeps them: a string, number or boolean, or an array of them (with gaps). */
  private value(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.number(Tag.String);
        this.string(value);
        return;
      case 'number':
        this.number(Tag.Number);
        this.number(value);
        return;
      case 'boolean':
        this.number(Tag.Boolean);
        this.number(value ? 1 : 0);
        return;
      default:
        if (Array.isArray(value)) {
          this.number(Tag.Array);
          this.number(value.length);
          for (const element of value as unknown[]) this.value(element);
        } else this.number(Tag.Empty);
    }
  }
}
