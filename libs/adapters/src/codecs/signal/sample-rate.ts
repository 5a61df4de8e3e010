import { AdapterError } from '../../sdk/adapter-error';

/**
 * Sample rate from a time column: the median step, or, when sampling is regular (mean step
 * within 1% of the median), the mean step over the whole span, which undoes timestamp rounding.
 * Rounded to 6 significant digits. Undefined for fewer than two samples.
 */
export function sampleRateFromTimes(
  times: Float64Array,
  secondsPerUnit: number,
  column: string,
): number | undefined {
  const n = times.length;
  if (n < 2) return undefined;
  const steps = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) steps[i - 1] = times[i] - times[i - 1];
  steps.sort();
  const median = n % 2 === 0 ? steps[(n - 2) / 2] : (steps[(n - 3) / 2] + steps[(n - 1) / 2]) / 2;
  if (!(median > 0)) {
    throw AdapterError.unprocessable(`the time column "${column}" does not increase`);
  }
  const mean = (times[n - 1] - times[0]) / (n - 1);
  const step = Math.abs(mean - median) <= 0.01 * median ? mean : median;
  return Number((1 / (step * secondsPerUnit)).toPrecision(6));
}
