import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { SPAN_HEAD, Tag, type SpanBatch } from './span-data';

const decoder = new TextDecoder();

/** A span's fixed head, as SpanBatchWriter.write puts it first (span-data.ts, SPAN_HEAD). */
export interface SpanHead {
  scope: number;
  /** The trace id's four words, the span id's two, the parent's two (-1 and -1 without one). */
  t0: number;
  t1: number;
  t2: number;
  t3: number;
  high: number;
  low: number;
  parentHigh: number;
  parentLow: number;
  parentIsRemote: boolean;
  kind: number;
  /** performance.now() ms. */
  start: number;
  end: number;
  code: number;
  droppedAttributes: number;
  events: number;
  droppedEvents: number;
  links: number;
  droppedLinks: number;
}

/**
 * Reads a batch back (on the export thread), in the order SpanBatchWriter wrote it: a value at a
 * time, or a string's bytes where they are (`text` gives its length, `textAt` where its bytes
 * start) for a reader that copies them without making a string of them (otlp-protobuf.ts). It
 * keeps the batch's table of names and keys as it meets their first use.
 */
export class SpanBatchReader {
  private at = 0;
  /** Where the next string's bytes start. */
  private byteAt = 0;
  /** Where the string `text` last read starts. */
  textAt = 0;
  /** The table's strings, each as where it starts and its length. */
  private readonly texts: number[] = [];

  constructor(readonly batch: SpanBatch) {}

  get done(): boolean {
    return this.at >= this.batch.length;
  }

  number(): number {
    return this.batch.numbers[this.at++];
  }

  /** The next span's head (the only reader of its layout besides the writer). */
  head(): SpanHead {
    const n = this.batch.numbers;
    const at = this.at;
    this.at += SPAN_HEAD;
    return {
      scope: n[at],
      t0: n[at + 1],
      t1: n[at + 2],
      t2: n[at + 3],
      t3: n[at + 4],
      high: n[at + 5],
      low: n[at + 6],
      parentHigh: n[at + 7],
      parentLow: n[at + 8],
      parentIsRemote: n[at + 9] === 1,
      kind: n[at + 10],
      start: n[at + 11],
      end: n[at + 12],
      code: n[at + 13],
      droppedAttributes: n[at + 14],
      events: n[at + 15],
      droppedEvents: n[at + 16],
      links: n[at + 17],
      droppedLinks: n[at + 18],
    };
  }

  /** Whether the next value is an absent optional string (and if so, past it). */
  absent(): boolean {
    if (this.batch.numbers[this.at] !== -1) return false;
    this.at++;
    return true;
  }

  /** The next string's byte length, its bytes from `textAt` (a reference to the table, or the string itself). */
  text(): number {
    const n = this.number();
    if (n >= 0) return this.inPlace(n);
    const index = -2 - n;
    if (2 * index < this.texts.length) {
      this.textAt = this.texts[2 * index];
      return this.texts[2 * index + 1];
    }
    // The first use: the string follows, and is the table's next entry.
    const length = this.inPlace(this.number());
    this.texts.push(this.textAt, length);
    return length;
  }

  string(): string {
    const length = this.text();
    return decoder.decode(this.batch.bytes.subarray(this.textAt, this.textAt + length));
  }

  /** A link's id, as hex digits. */
  id(): string {
    const length = this.text();
    return Buffer.from(this.batch.bytes.buffer, this.batch.bytes.byteOffset + this.textAt, length).toString(
      'hex',
    );
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

  /** A string of `length` bytes written here: the reader moves past them. */
  private inPlace(length: number): number {
    this.textAt = this.byteAt;
    this.byteAt += length;
    return length;
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
