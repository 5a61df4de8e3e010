// Where a gateway's CPU goes, per call, from `perf record` samples (BENCH_PERF=1 in
// bench/observability.mjs records each side's process; see there). Unlike a V8 .cpuprofile, perf
// sees what V8's profiler folds into the JS function that called it: the builtins (inline-cache
// handlers, megamorphic property lookups, lazy compilation), the GC's own functions, malloc and
// the kernel. It samples with the cpu-clock software event, so it needs no hardware counters (a
// VM without a PMU, as here). JIT-compiled functions are named from the /tmp/perf-<pid>.map that
// node --perf-basic-prof writes (`JS:*name file:line` optimised, `JS:~` interpreted, `JS:^`
// baseline).
// Usage: node bench/perf-summary.mjs <a.data> <a's calls> [<b.data> <b's calls>] [topN=40]
//   By thread: the event loop's CPU per call (the thread whose id is the pid), the other threads'
//   (V8's GC and compiler helpers, libuv's pool, tracing's export thread), and each of those, the
//   busiest first (`thread 1` of a and of b need not be alike).
//   Self: the event loop's CPU per call by symbol (the function or builtin sampled).
//   By JS function: each sample counted for the nearest JS function on its stack, so a builtin's
//   time goes to the JS function that called it (a JS function's whole cost, builtins included).
//   With two recordings, b less a, sorted by the difference.
import { execFileSync } from 'node:child_process';

const args = process.argv.slice(2);
if (args.length < 2) {
  console.error('usage: node bench/perf-summary.mjs <a.data> <calls> [<b.data> <calls>] [topN]');
  process.exit(2);
}
const pairs = [[args[0], Number(args[1])]];
if (args.length >= 4) pairs.push([args[2], Number(args[3])]);
const top = Number(args[pairs.length * 2] ?? 40);

/** A recording's samples: per thread and, on the event loop, per symbol and per nearest JS frame (µs a call). */
function read(file, calls) {
  const script = execFileSync('perf', ['script', '-i', file, '-F', 'pid,tid,period,ip,sym'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const threads = new Map();
  const others = new Map();
  const self = new Map();
  const byJs = new Map();
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  // A sample: a header line `pid/tid period`, then its stack, leaf first, one frame a line.
  for (const sample of script.split('\n\n')) {
    const lines = sample.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    const head = lines[0].trim().split(/\s+/);
    const [pid, tid] = head[0].split('/');
    // cpu-clock's period is in nanoseconds.
    const us = Number(head[1]) / 1000 / calls;
    if (tid !== pid) {
      add(others, tid, us);
      continue;
    }
    add(threads, 'event loop', us);
    const frames = lines.slice(1).map(symbolOf);
    add(self, frames[0] ?? '?', us);
    add(byJs, frames.find((f) => f.startsWith('JS:')) ?? '(no JS frame)', us);
  }
  const busiest = [...others.values()].sort((x, y) => y - x);
  threads.set(
    `other threads`,
    busiest.reduce((t, v) => t + v, 0),
  );
  busiest.forEach((us, i) => threads.set(`thread ${i + 1}`, us));
  return { threads, self, byJs };
}

/** A stack line's symbol (`  ffffffff8224 pvm_irq_enable`), its repository paths shortened. */
function symbolOf(line) {
  const symbol = line.trim().replace(/^[0-9a-f]+\s+/, '');
  return symbol.replace(/\S*\/(node_modules|apps|libs)\//g, (_, dir) =>
    dir === 'node_modules' ? '' : `${dir}/`,
  );
}

function table(title, maps, n, sorted = true) {
  const keys = new Set(maps.flatMap((m) => [...m.keys()]));
  const rows = [...keys].map((k) => [k, ...maps.map((m) => m.get(k) ?? 0)]);
  const diff = (r) => (maps.length === 2 ? r[2] - r[1] : r[1]);
  if (sorted) rows.sort((x, y) => diff(y) - diff(x));
  // A busiest thread is in `other threads` already.
  const total = maps.map((m) => [...m].reduce((t, [k, v]) => (k.startsWith('thread ') ? t : t + v), 0));
  console.log(
    `\n${title} (µs a call${maps.length === 2 ? ': a, b, b - a' : ''}); total ${total.map((t) => t.toFixed(1)).join(', ')}`,
  );
  const line = (r) =>
    `${r
      .slice(1)
      .map((v) => v.toFixed(1).padStart(8))
      .join('')}${maps.length === 2 ? diff(r).toFixed(1).padStart(8) : ''}  ${r[0]}`;
  const shown =
    sorted && maps.length === 2 && rows.length > n
      ? [...rows.slice(0, n), null, ...rows.slice(-Math.ceil(n / 4))]
      : rows.slice(0, n);
  for (const r of shown) console.log(r ? line(r) : '  ...');
}

const recordings = pairs.map(([file, calls]) => read(file, calls));
console.log(pairs.map(([file, calls], i) => `${'ab'[i]}: ${file}, ${calls} calls`).join('\n'));
table(
  'by thread',
  recordings.map((r) => r.threads),
  12,
  false,
);
table(
  'event loop, self',
  recordings.map((r) => r.self),
  top,
);
table(
  'event loop, by nearest JS function (builtins included)',
  recordings.map((r) => r.byJs),
  top,
);
