// Number helpers shared by the benchmark scripts (bench/run.mjs, bench/detect-upload.mjs).

/** `v` rounded to `digits` decimals; null when it is not a finite number (NaN, Infinity, undefined). */
export function round(v, digits) {
  const f = 10 ** digits;
  return Number.isFinite(v) ? Math.round(v * f) / f : null;
}

/** The p-th percentile (nearest rank) of an ascending array; NaN when it is empty. */
export function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** `v` with `digits` decimals, or 'n/a' for null, undefined and NaN. */
export function fmt(v, digits = 2) {
  return v === null || v === undefined || Number.isNaN(v) ? 'n/a' : Number(v).toFixed(digits);
}
