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

/** The median of `values` (any order; the mean of the middle two for an even count); NaN when empty. */
export function median(values) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `v` with `digits` decimals, or 'n/a' for null, undefined and NaN. */
export function fmt(v, digits = 2) {
  return v === null || v === undefined || Number.isNaN(v) ? 'n/a' : Number(v).toFixed(digits);
}

/**
 * p50/p90/p99/mean/min/max of `values` (any order; NaN and undefined dropped), each rounded to
 * `digits` decimals, and how many there were.
 */
export function latencyStats(values, digits = 3) {
  const sorted = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  const mean = sorted.reduce((a, v) => a + v, 0) / sorted.length;
  return {
    n: sorted.length,
    p50: round(pct(sorted, 50), digits),
    p90: round(pct(sorted, 90), digits),
    p99: round(pct(sorted, 99), digits),
    mean: round(mean, digits + 1),
    min: round(sorted[0], digits),
    max: round(sorted[sorted.length - 1], digits),
  };
}

/**
 * A Markdown table as lines of text: `head` and `rows` are arrays of strings; the first
 * `leftCols` columns are left-aligned, the rest right-aligned.
 */
export function markdownTable(head, rows, leftCols = 1) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i < leftCols ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w, i) => (i < leftCols ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
