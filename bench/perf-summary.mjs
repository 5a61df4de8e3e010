// Where a gateway's CPU goes, per call, from `perf record` samples (BENCH_PERF=1 in
// bench/observability.mjs records each side's process; see there). Unlike a V8 .cpuprofile, perf
// sees what V8's profiler folds into the JS function that called it: the builtins (inline-cache
// handlers, megamorphic property lookups, lazy compilation), the GC's own functions, malloc and
// the kernel. It samples with the cpu-clock software event, so it needs no hardware counters (a
// VM without a PMU, as here). JIT-compiled functions are named from the /tmp/perf-<pid>.map that
// node --perf-basic-prof writes (`JS:*name file:line` optimised, `JS:~` interpreted, `JS:^`
// baseline); those maps stay in /tmp after the bench, and are needed until the data is summarised.
// Usage: node bench/perf-summary.mjs <a.data> <a's calls> [<b.data> <b's calls>] [topN=40]
//   By thread: the event loop's CPU per call (the thread whose id is the pid), the other threads'
//   (V8's GC and compiler helpers, libuv's pool, tracing's export thread), and each of those, the
//   busiest first (`thread 1` of a and of b need not be alike).
//   Self: the event loop's CPU per call by symbol (the function or builtin sampled).
//   By JS function: each sample counted for the nearest JS function on its stack, so a builtin's
//   time goes to the JS function that called it (a JS function's whole cost, builtins included).
//   With two recordings, b less a, sorted by the difference.
import { execFileSync } from 'node:child_process';
import { perCallArgs, printPerCall } from './lib/per-call.mjs';

const { pairs, top } = perCallArgs(
  process.argv.slice(2),
  'node bench/perf-summary.mjs <a.data> <calls> [<b.data> <calls>] [topN]',
  40,
);

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
    'other threads',
    busiest.reduce((t, v) => t + v, 0),
  );
  // Each busiest thread is listed after the total is taken: it is in `other threads` already.
  const total = [...threads.values()].reduce((t, v) => t + v, 0);
  busiest.forEach((us, i) => threads.set(`thread ${i + 1}`, us));
  return { threads, total, self, byJs };
}

/** A stack line's symbol (`  ffffffff8224 pvm_irq_enable`), its repository paths shortened. */
function symbolOf(line) {
  const symbol = line.trim().replace(/^[0-9a-f]+\s+/, '');
  return symbol.replace(/\S*\/(node_modules|apps|libs)\//g, (_, dir) =>
    dir === 'node_modules' ? '' : `${dir}/`,
  );
}

const recordings = pairs.map(([file, calls]) => read(file, calls));
console.log(pairs.map(([file, calls], i) => `${'ab'[i]}: ${file}, ${calls} calls`).join('\n'));
printPerCall(
  'by thread',
  recordings.map((r) => r.threads),
  { top: 12, sorted: false, total: recordings.map((r) => r.total) },
);
printPerCall(
  'event loop, self',
  recordings.map((r) => r.self),
  { top },
);
printPerCall(
  'event loop, by nearest JS function (builtins included)',
  recordings.map((r) => r.byJs),
  { top },
);
