import { AdapterError } from '../../sdk/adapter-error';
import type { Signal } from './signal';

/**
 * Short decimal text that reads back (as float64, then rounded to float32) to exactly this
 * float32 value: `-0.145`, not `-0.14499999582767487`. Negative zero stays `-0`.
 */
export function float32Text(value: number): string {
  if (Object.is(value, -0)) return '-0';
  // 9 significant digits always identify a float32; fewer usually do.
  for (let digits = 6; digits < 9; digits++) {
    const rounded = Number(value.toPrecision(digits));
    if (Math.fround(rounded) === value) return String(rounded);
  }
  return String(Number(value.toPrecision(9)));
}

/** Refuses a signal with NaN or infinite samples, which `format` (text) cannot carry. */
export function assertFiniteSamples(signal: Signal, format: string): void {
  for (const channel of signal.channels) {
    const index = channel.values.findIndex((value) => !Number.isFinite(value));
    if (index >= 0) {
      throw AdapterError.unprocessable(
        `channel "${channel.name}" sample ${index + 1} is ${channel.values[index]}, which ${format} cannot hold`,
      );
    }
  }
}
