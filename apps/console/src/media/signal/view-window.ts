import type { SignalData } from './signal-data';

/** The series uPlot draws: x, then one array per channel (null for a gap). */
export type PlotSeries = [number[], ...(number | null)[][]];

/** The index of the first x ≥ `value` (x ascending). */
export function lowerBound(x: Float64Array, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The points of `data` between `from` and `to` reduced to at most two per pixel bucket (the min
 * and max of each channel in it), so that drawing costs the same for ten samples or ten million;
 * the neighbours just outside the window are kept so the lines reach its edges.
 */
export function viewWindow(data: SignalData, from: number, to: number, buckets: number): PlotSeries {
  const { x, channels } = data;
  const start = Math.max(0, lowerBound(x, from) - 1);
  const end = Math.min(x.length, lowerBound(x, to) + 1);
  const count = end - start;
  const xs: number[] = [];
  const ys = channels.map(() => [] as (number | null)[]);
  const put = (i: number) => {
    xs.push(x[i]);
    for (let c = 0; c < channels.length; c++) {
      const v = channels[c].values[i];
      ys[c].push(Number.isNaN(v) ? null : v);
    }
  };
  if (count <= 2 * buckets) {
    for (let i = start; i < end; i++) put(i);
    return [xs, ...ys];
  }
  const per = count / buckets;
  for (let b = 0; b < buckets; b++) {
    const i0 = start + Math.floor(b * per);
    const i1 = Math.min(end, start + Math.floor((b + 1) * per));
    if (i1 <= i0) continue;
    xs.push(x[i0], x[i0 + ((i1 - i0) >> 1)]);
    for (let c = 0; c < channels.length; c++) {
      const v = channels[c].values;
      let lo = NaN;
      let hi = NaN;
      for (let i = i0; i < i1; i++) {
        const s = v[i];
        if (!(lo <= s)) lo = Number.isNaN(s) ? lo : s;
        if (!(hi >= s)) hi = Number.isNaN(s) ? hi : s;
      }
      ys[c].push(Number.isNaN(lo) ? null : lo, Number.isNaN(hi) ? null : hi);
    }
  }
  return [xs, ...ys];
}
