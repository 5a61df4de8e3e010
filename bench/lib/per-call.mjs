// The command line and the table of the bench's per-call summaries of one recording or two
// compared (alloc-summary.mjs, perf-summary.mjs): `<a> <a's calls> [<b> <b's calls>] [topN]`.

/** The recordings named on the command line with their calls, and topN; exits with `usage` if none. */
export function perCallArgs(argv, usage, defaultTop) {
  const pairs = [];
  if (argv.length >= 2) pairs.push([argv[0], Number(argv[1])]);
  if (argv.length >= 4) pairs.push([argv[2], Number(argv[3])]);
  if (pairs.length === 0 || pairs.some(([, calls]) => !(calls > 0))) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return { pairs, top: Number(argv[pairs.length * 2] ?? defaultTop) };
}

/**
 * A table of per-call values by key, of one map or two (then b less a): sorted by value (or by
 * the difference), the top `top` rows and, for two, the `top / 4` most negative; or, unsorted, the
 * rows as the maps give them. `total`: each map's total (default: the sum of its values).
 */
export function printPerCall(title, maps, { top, sorted = true, unit = 'µs', digits = 1, total } = {}) {
  const keys = new Set(maps.flatMap((m) => [...m.keys()]));
  const rows = [...keys].map((k) => [k, ...maps.map((m) => m.get(k) ?? 0)]);
  const two = maps.length === 2;
  const value = (r) => (two ? r[2] - r[1] : r[1]);
  if (sorted) rows.sort((x, y) => value(y) - value(x));
  const totals = total ?? maps.map((m) => [...m.values()].reduce((t, v) => t + v, 0));
  console.log(
    `\n${title} (${unit} a call${two ? ': a, b, b - a' : ''}); total ${totals.map((t) => t.toFixed(digits)).join(', ')}`,
  );
  const cells = (r) => [...r.slice(1), ...(two ? [value(r)] : [])];
  const line = (r) =>
    `${cells(r)
      .map((v) => v.toFixed(digits).padStart(9))
      .join('')}  ${r[0]}`;
  const shown =
    sorted && two && rows.length > top
      ? [...rows.slice(0, top), null, ...rows.slice(-Math.ceil(top / 4))]
      : rows.slice(0, top);
  for (const r of shown) console.log(r ? line(r) : '  ...');
}
