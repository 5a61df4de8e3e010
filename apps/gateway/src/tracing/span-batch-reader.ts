import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { Tag, type SpanBatch } from './span-data';

const decoder = new TextDecoder();

/**
 * Reads a batch back (on the export thread), in the order SpanBatchWriter wrote it: a value at a
 * time, or a string's bytes where they are (its length, then `byteAt` moves past them) for a
 * reader that copies them without making a string of them (otlp-protobuf.ts).
 */
export class SpanBatchReader {
  private at = 0;
  /** Where the next string's bytes start. */
  byteAt = 0;

  constructor(readonly batch: SpanBatch) {}

  get done(): boolean {
    return this.at >= this.batch.length;
  }

  number(): number {
    return this.batch.numbers[this.at++];
  }

  /** The next number, without moving past it. */
  peek(): number {
    return this.batch.numbers[this.at];
  }

  /** Whether the next value is an absent optional string (and if so, past it). */
  absent(): boolean {
    if (this.batch.numbers[this.at] !== -1) return false;
    this.at++;
    return true;
  }

  string(): string {
    return decoder.decode(this.next());
  }

  /** An id, as hex digits. */
  id(): string {
    const bytes = this.next();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  }

  optionalId(): string | undefined {
    return this.absent() ? undefined : this.id();
  }

  /** The next string's bytes. */
  private next(): Uint8Array {
    const length = this.number();
    const start = this.byteAt;
    this.byteAt += length;
    return this.batch.bytes.subarray(start, this.byteAt);
  }

  optional(): string | undefined {
    return this.absent() ? undefined : this.string();
  }

  attributes(): Attributes {
    const attributes: Attributes = {};
    for (let n = this.number(); n > 0; n--) {
      const key = this.string();
      attributes[key] = this.value() as AttributeValue;
    }
    return attributes;
  }

  private value(): unknown {
    const tag = this.number() as Tag;
    switch (tag) {
      case Tag.String:
        return this.string();
      case Tag.Number:
        return this.number();
      case Tag.Boolean:
        return this.number() === 1;
      case Tag.Array: {
        const values: unknown[] = [];
        for (let n = this.number(); n > 0; n--) values.push(this.value());
        return values;
      }
      case Tag.Empty:
        return null;
    }
  }
}
