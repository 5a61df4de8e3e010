import { withRoom } from './protobuf-writer';
import { HEX_VALUES, type TraceId } from './span-ids';
import type { RecordingSpan } from './recording-span';
import type { FlatAttributes, PackedAttributes, SharedList } from './span-attributes';

/**
 * What the export thread gets of ended spans: a batch packed into two arrays, in
 * SpanBatchWriter's order: the bytes of every string of every span, one after the other (UTF-8;
 * ids as the bytes their hex digits stand for, as OTLP sends them), and the numbers (with the
 * byte length of each string). Both arrays' buffers are transferred to the thread and given back
 * for the next batch: the post copies nothing, far cheaper, on the event loop and on the thread,
 * than cloning an object, or a string, per span. The thread writes the protobuf body straight
 * from them (otlp-protobuf.ts), or makes the SDK's ReadableSpans again (readable-spans.ts), both
 * through SpanBatchReader (span-batch-reader.ts).
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

/** Packs ended spans into a batch (on the gateway's thread: appends, no encoding). */
export class SpanBatchWriter {
  private bytes: Uint8Array;
  private byteLength = 0;
  private numbers: Float64Array;
  private length = 0;
  /** Arrays of batches sent and read, to write the next ones in. */
  private readonly spare: { bytes: Uint8Array; numbers: Float64Array }[] = [];

  constructor(
    private numberCapacity = 4096,
    private byteCapacity = 64 * 1024,
  ) {
    this.numbers = new Float64Array(numberCapacity);
    this.bytes = new Uint8Array(byteCapacity);
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
    return batch;
  }

  /**
   * A span's data, in the order of the OTLP Span message's fields (otlp-protobuf.ts writes them as
   * it reads them).
   */
  write(span: RecordingSpan): void {
    this.number(span.owner.scope.index);
    this.traceIdWords(span.trace);
    this.spanIdWords(span.idHigh, span.idLow);
    this.optional(span.traceState?.serialize());
    if (span.parentHigh < 0) this.number(-1);
    else this.spanIdWords(span.parentHigh, span.parentLow);
    this.string(span.name);
    this.number(span.kind);
    this.number(span.startTime);
    this.number(span.endTime);
    this.attributes(span.attributes, span.shared);
    this.number(span.droppedAttributesCount);
    const events = span.events;
    this.number(events?.length ?? 0);
    if (events) {
      for (const event of events) {
        this.number(event.time);
        this.string(event.name);
        this.attributes(event.attributes);
        this.number(event.droppedAttributesCount);
      }
    }
    this.number(span.droppedEventsCount);
    const links = span.links;
    this.number(links?.length ?? 0);
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
    this.number(span.droppedLinksCount);
    this.optional(span.statusMessage);
    this.number(span.statusCode);
    this.number(span.parentIsRemote ? 1 : 0);
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
    const count = value.length;
    this.room(count);
    const bytes = this.bytes;
    let at = this.byteLength;
    for (let i = 0; i < count; i++) {
      const code = value.charCodeAt(i);
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

  /** A trace id (kept as words: span-ids.ts): its 16 bytes, big-endian as OTLP sends it, and their count. */
  private traceIdWords({ w0, w1, w2, w3 }: TraceId): void {
    this.room(16);
    this.word(w0);
    this.word(w1);
    this.word(w2);
    this.word(w3);
    this.number(16);
  }

  /** A span id's 8 bytes (from its two words), and their count. */
  private spanIdWords(high: number, low: number): void {
    this.room(8);
    this.word(high);
    this.word(low);
    this.number(8);
  }

  /** A word's 4 bytes, big-endian (room made by the caller). */
  private word(word: number): void {
    const bytes = this.bytes;
    const at = this.byteLength;
    bytes[at] = word >>> 24;
    bytes[at + 1] = (word >>> 16) & 0xff;
    bytes[at + 2] = (word >>> 8) & 0xff;
    bytes[at + 3] = word & 0xff;
    this.byteLength = at + 4;
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
      this.string(list[i] as string);
      this.value(list[i + 1]);
    }
  }

  /** The entries of a flat list, packed as `attributes` appends them after their count. */
  static pack(list: FlatAttributes): PackedAttributes {
    const writer = new SpanBatchWriter(2 * list.length, 64 * list.length);
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
