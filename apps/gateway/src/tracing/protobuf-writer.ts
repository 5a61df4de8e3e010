/** Protobuf wire types. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

const encoder = new TextEncoder();

/**
 * Protobuf's wire format into a growing buffer. A length-delimited field's length is given one
 * byte ahead (`begin`) and widened when its content turns out longer (`end`), as the SDK's writer
 * does: one pass, the lengths as short as they can be.
 */
export class ProtoWriter {
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
    // Tags and most lengths: one byte.
    if (value >= 0 && value < 0x80) {
      b[this.pos++] = value;
      return;
    }
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

  /** A 32-bit word's 4 bytes, big-endian (a part of an id, as OTLP sends ids). */
  word(value: number): void {
    this.room(4);
    this.view.setUint32(this.pos, value >>> 0, false);
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

  /** A length-delimited field's content: `length` bytes of `source` from `from`. */
  lengthDelimited(source: Uint8Array, from: number, length: number): void {
    this.varint(length);
    this.room(length);
    const b = this.buffer;
    const at = this.pos;
    // A subarray costs more than copying a short string a byte at a time.
    if (length > 32) b.set(source.subarray(from, from + length), at);
    else for (let i = 0; i < length; i++) b[at + i] = source[from + i];
    this.pos = at + length;
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

  /**
   * Room for `bytes` more. The check is made for every field, so it is kept small enough to be
   * inlined, and growing is a call of its own: calling withRoom for each check cost about an
   * eighth of the encoding's instructions (docs/benchmarks.md, Observability).
   */
  private room(bytes: number): void {
    if (this.pos + bytes > this.buffer.length) this.grow(bytes);
  }

  private grow(bytes: number): void {
    this.buffer = withRoom(this.buffer, this.pos, this.pos + bytes);
    this.view = new DataView(this.buffer.buffer);
  }
}

/**
 * `array` when it holds `needed` elements, else a copy of its first `used` in one doubled as often
 * as needed (the writers of span batches and of protobuf bodies grow alike).
 */
export function withRoom<T extends Uint8Array | Float64Array>(array: T, used: number, needed: number): T {
  if (needed <= array.length) return array;
  let capacity = Math.max(1, array.length) * 2;
  while (capacity < needed) capacity *= 2;
  const grown = new (array.constructor as new (length: number) => T)(capacity);
  grown.set(array.subarray(0, used));
  return grown;
}
