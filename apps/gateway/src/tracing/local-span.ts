import type { SpanContext, TraceState } from '@opentelemetry/api';
import { randomLowWord, randomWord, spanIdHex, traceparentOf, type TraceId } from './span-ids';

/**
 * What a span of this process is, recorded (RecordingSpan) or not (UnsampledSpan): its trace,
 * its id as two random words, and the hex digits of both made only when asked for. Its children
 * and its carriers (trace-context.ts) read the words, not the digits back.
 */
export abstract class LocalSpan {
  /** The span's id, as two signed words (random: span-ids.ts). */
  readonly idHigh: number;
  readonly idLow: number;
  private spanHex?: string;
  private header?: string;
  private context?: SpanContext;

  constructor(
    readonly trace: TraceId,
    readonly traceState: TraceState | undefined,
  ) {
    this.idHigh = randomWord();
    this.idLow = randomLowWord(this.idHigh);
  }

  /** Whether the span is sampled: its W3C trace flags, 01 or 00. */
  abstract get sampled(): boolean;

  /** The trace id's 32 hex digits. */
  get traceId(): string {
    return this.trace.hex;
  }

  /** The span id's 16 hex digits (made when first asked for). */
  get spanId(): string {
    return (this.spanHex ??= spanIdHex(this.idHigh, this.idLow));
  }

  spanContext(): SpanContext {
    return (this.context ??= {
      traceId: this.traceId,
      spanId: this.spanId,
      traceFlags: this.sampled ? 1 : 0,
      isRemote: false,
      ...(this.traceState && { traceState: this.traceState }),
    });
  }

  /** The span's W3C `traceparent`: the header its children in other processes hang under (made once). */
  traceparent(): string {
    return (this.header ??= traceparentOf(this.trace, this.idHigh, this.idLow, this.sampled));
  }
}
