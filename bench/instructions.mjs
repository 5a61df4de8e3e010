// Instructions a chat call costs, per side and per kind of code (issue 14: what tracing costs),
// counted by valgrind's callgrind: a count, not a time, so it does not move with the VM's speed
// or with what else the machine runs. It says what work tracing adds, not what the work costs in
// time: cache misses, stalls and the other core are not in it, nor calls/s.
//   Sides: off (METRICS=off, no tracing) and both (METRICS=on, tracing at 100 % to an OTLP/HTTP
//   receiver in this process), as in bench/observability.mjs; `alt` = both's settings on
//   BENCH_INSTR_ALT_MAIN. Each gateway runs under `valgrind --tool=callgrind` (ROLE=all,
//   QUEUE_DRIVER=bullmq, DISPATCH=auto) on one private redis-server, with the OpenAI-compatible
//   test server upstream, all sides at once (valgrind runs a process's threads one at a time, on
//   one core). Each side gets WARMUP calls at c=CONC, then callgrind counts the next CALLS.
//   Printed, in thousands of instructions a call: every thread, the event loop, the other threads
//   (the export thread, V8's helpers); then the same by kind of code (the tracing code's own, the
//   gateway's, each package's, Node's, V8's inline caches and other builtins, its runtime, the GC,
//   the optimising compiler, native code); with BENCH_INSTR_TOP=N, the N functions whose count
//   differs most from off's (JIT code named from --perf-basic-prof's map).
//   What does not settle: under valgrind V8 keeps optimising code thousands of calls after it
//   stops at full speed (the compiler's row, 250-580 thousand a call on either side, from run to
//   run), and code still unoptimised runs more instructions, so the totals differ by up to 10 %
//   from run to run. The tracing code's own rows repeat within 3 %.
// Usage: npm run build && node bench/instructions.mjs   (about 7 minutes). Knobs (env):
//   BENCH_INSTR_SIDES=off,both  BENCH_INSTR_WARMUP=12000  BENCH_INSTR_CALLS=3000  BENCH_INSTR_CONC=32
//   BENCH_INSTR_ALT_MAIN=path/to/main.js  BENCH_INSTR_TOP=0
//   BENCH_INSTR_SAMPLER=always_on  the traced sides' OTEL_TRACES_SAMPLER (always_off: what propagating
//                        the trace context costs without recording a span)
//   BENCH_INSTR_CACHE=1  also simulate the caches (--cache-sim=yes, the host's sizes): first-level
//                        instruction and data misses and last-level misses a call, by thread
//                        (about four times as slow: use fewer calls, e.g. WARMUP=8000 CALLS=2000)
//   BENCH_INSTR_NODE_ARGS="--no-concurrent-recompilation"  the gateways' Node options (by default
//   code is optimised on the event loop, so that it follows the calls, not valgrind's scheduling)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { snapshotGatewayBuild } from './lib/build.mjs';
import { postJson } from './lib/http.mjs';
import { benchRun } from './lib/lifecycle.mjs';
import { closedLoopCalls } from './lib/load.mjs';
import { markdownTable } from './lib/numbers.mjs';
import { startOtlpReceiver } from './lib/otlp-receiver.mjs';
import { startGatewayChild, startOpenAiTestServer, startRedis } from './lib/processes.mjs';
import { LOG_DIR, RESULTS_DIR, ROOT, SOURCE_MAIN } from './lib/shared.mjs';

const env = process.env;
const SIDES = (env.BENCH_INSTR_SIDES ?? `off,both${env.BENCH_INSTR_ALT_MAIN ? ',alt' : ''}`).split(',');
const WARMUP = Number(env.BENCH_INSTR_WARMUP ?? 12_000);
const CALLS = Number(env.BENCH_INSTR_CALLS ?? 3000);
const CONC = Number(env.BENCH_INSTR_CONC ?? 32);
const TOP = Number(env.BENCH_INSTR_TOP ?? 0);
const NODE_ARGS = (env.BENCH_INSTR_NODE_ARGS ?? '--no-concurrent-recompilation').split(' ').filter(Boolean);
const CACHE = env.BENCH_INSTR_CACHE === '1';
/** The simulated cache misses printed with BENCH_INSTR_CACHE (callgrind's event names). */
const MISSES = ['I1mr', 'D1mr', 'D1mw', 'ILmr', 'DLmr', 'DLmw'];
const OUT_DIR = join(RESULTS_DIR, 'callgrind');
const API_KEY = 'sk-test';
const BODY = JSON.stringify({ model: 'bench.chat', messages: [{ role: 'user', content: 'Say hello' }] });
const OTEL_KEYS = Object.keys(env).filter((k) => k.startsWith('OTEL_'));
const RUN_ID = `instr${process.pid}${Date.now().toString(36)}`;

let redis;
const { children, mkTemp, cleanup, start } = benchRun({ redis: () => redis });
start(main);

async function main() {
  mkdirSync(LOG_DIR, { recursive: true });
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const build = snapshotGatewayBuild(SOURCE_MAIN, join(RESULTS_DIR, 'build-instructions'));
  const alt =
    env.BENCH_INSTR_ALT_MAIN &&
    snapshotGatewayBuild(env.BENCH_INSTR_ALT_MAIN, join(RESULTS_DIR, 'build-instructions-alt'));
  if (SIDES.includes('alt') && !alt) throw new Error('the side alt needs BENCH_INSTR_ALT_MAIN');
  console.log(`build ${build.source} (commit ${build.commit})${alt ? `; alt ${alt.source}` : ''}`);
  const upstream = await startOpenAiTestServer(children, {
    name: 'upstream',
    chunkDelayMs: 0,
    apiKey: API_KEY,
    logFile: join(LOG_DIR, 'instructions-upstream.log'),
  });
  redis = await startRedis(children, join(LOG_DIR, 'instructions-redis.log'));
  const receiver = await startOtlpReceiver();
  const backends = [
    { id: 'bench', baseUrl: upstream.url, apiKey: API_KEY, models: { chat: 'gpt-4o-mini' }, concurrency: 64 },
  ];
  const sides = await Promise.all(
    SIDES.map((key) => startSide(key, key === 'alt' ? alt : build, backends, receiver.url)),
  );
  const results = await Promise.all(sides.map((side) => measure(side)));
  const off = results.find((r) => r.key === 'off');
  /** The sides compared with off (none without it). */
  const others = off ? results.filter((r) => r !== off) : [];
  console.log(
    `\n${CALLS} calls at c=${CONC} after ${WARMUP} warm-up calls, thousands of instructions a call:\n`,
  );
  console.log(
    markdownTable(
      ['side', 'all threads', 'event loop', 'other threads', 'all threads, less off'],
      results.map((r) => [
        r.key,
        fmt(r.main + r.other),
        fmt(r.main),
        fmt(r.other),
        others.includes(r) ? fmt(r.main + r.other - off.main - off.other) : '',
      ]),
    ),
  );
  const kinds = [...new Set(results.flatMap((r) => [...r.byKind.keys()]))].sort();
  console.log('\nBy kind of code (self), thousands of instructions a call:\n');
  console.log(
    markdownTable(
      ['thread', 'code', ...results.map((r) => r.key), ...others.map((r) => `${r.key} less off`)],
      kinds
        .map((kind) => {
          const of = (r) => (r.byKind.get(kind) ?? 0) / CALLS / 1000;
          return [
            ...kind.split('\t'),
            ...results.map((r) => fmt(of(r))),
            ...others.map((r) => fmt(of(r) - of(off))),
          ];
        })
        .filter((row) => row.slice(2).some((v) => Math.abs(Number(v)) >= 0.5)),
      2,
    ),
  );
  if (CACHE) {
    console.log('\nSimulated cache misses (callgrind --cache-sim), thousands a call:\n');
    console.log(
      markdownTable(
        ['thread', 'miss', ...results.map((r) => r.key), ...others.map((r) => `${r.key} / off`)],
        ['event loop', 'other'].flatMap((thread) =>
          MISSES.map((name) => {
            const of = (r) => (r.misses.get(`${thread}\t${name}`) ?? 0) / CALLS / 1000;
            return [
              thread,
              name,
              ...results.map((r) => of(r).toFixed(2)),
              ...others.map((r) => (of(off) > 0 ? (of(r) / of(off)).toFixed(3) : '')),
            ];
          }),
        ),
        2,
      ),
    );
  }
  if (TOP > 0) for (const r of others) printTop(off, r);
  console.log(`\nthe OTLP receiver got ${receiver.counts.posts} posts, ${receiver.counts.bytes} bytes`);
  await cleanup();
  process.exit(0);
}

async function startSide(key, build, backends, receiverUrl) {
  const traced = key !== 'off';
  const gateway = await startGatewayChild(children, {
    name: key,
    main: build.main,
    cwd: ROOT,
    logFile: join(LOG_DIR, `instructions-${key}.log`),
    publicEnv: {
      ROLE: 'all',
      QUEUE_DRIVER: 'bullmq',
      DISPATCH: 'auto',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      METRICS: traced ? 'on' : 'off',
      ...(traced && {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_TRACES_SAMPLER: env.BENCH_INSTR_SAMPLER ?? 'always_on',
        OTEL_SERVICE_NAME: 'omnigate-bench',
      }),
    },
    privateEnv: {
      QUEUE_PREFIX: `${RUN_ID}-${key}`,
      OPENAI_BACKENDS: JSON.stringify(backends),
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      // Counted, a call runs tens of times slower than at full speed.
      REDIS_COMMAND_TIMEOUT_MS: '60000',
    },
    dropEnv: ['ADAPTER_MODULES', 'API_KEYS', ...(traced ? [] : OTEL_KEYS)],
    launcher: [
      'valgrind',
      '--tool=callgrind',
      '--smc-check=all-non-file',
      '--instr-atstart=no',
      '--separate-threads=yes',
      ...(CACHE ? ['--cache-sim=yes'] : []),
      `--callgrind-out-file=${join(OUT_DIR, `${key}.%p`)}`,
    ],
    nodeArgs: ['--perf-basic-prof', ...NODE_ARGS],
    readyTimeoutMs: 20 * 60_000,
    blobDir: mkTemp(`omnigate-instr-blobs-${key}-`),
  });
  return { key, pid: gateway.proc.pid, url: gateway.url };
}

async function measure(side) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONC });
  const call = async () => {
    const r = await postJson(`${side.url}/v1/chat/completions`, BODY, agent);
    if (r.status !== 200 || !r.text.includes('Echo: Say hello'))
      throw new Error(`${side.key}: ${r.status} ${r.text.slice(0, 300)}`);
  };
  const t0 = Date.now();
  await closedLoopCalls(CONC, WARMUP, call);
  console.log(`${side.key}: ${WARMUP} warm-up calls in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  callgrind(side.pid, '-i', 'on');
  const t1 = Date.now();
  await closedLoopCalls(CONC, CALLS, call);
  callgrind(side.pid, '-i', 'off');
  // The dump's files are written by the time callgrind_control returns.
  callgrind(side.pid, '-d');
  console.log(`${side.key}: ${CALLS} counted calls in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
  agent.destroy();
  return { key: side.key, ...readDump(side.key, side.pid) };
}

function callgrind(pid, ...args) {
  // vgdb names its pipes after $HOST, which the gateway's HOST (its listen address) also sets.
  execFileSync('callgrind_control', [...args, String(pid)], {
    stdio: 'ignore',
    env: { ...process.env, HOST: '127.0.0.1' },
  });
}

/**
 * The dump's counts: callgrind writes one file a thread (`<side>.<pid>.1-<thread>` for the first
 * dump asked for; thread 01 is the event loop), each function's own instructions on `fn=` blocks'
 * cost lines. Returns the totals of the event loop and of the other threads, and the counts by
 * thread and kind of code, and by thread and function.
 */
function readDump(key, pid) {
  const files = readdirSync(OUT_DIR).filter((f) => f.startsWith(`${key}.${pid}.`));
  const jit = jitNames(pid);
  const byKind = new Map();
  const byFn = new Map();
  let main = 0;
  let other = 0;
  const misses = new Map();
  for (const file of files) {
    const thread = file.endsWith('-01') ? 'event loop' : 'other';
    const text = readFileSync(join(OUT_DIR, file), 'utf8');
    const events = /^events: (.*)$/m.exec(text)[1].split(' ');
    for (const [fn, counts] of selfCosts(text, jit)) {
      const ir = counts[0];
      if (thread === 'event loop') main += ir;
      else other += ir;
      add(byKind, `${thread}\t${kindOf(fn)}`, ir);
      add(byFn, `${thread}\t${fn}`, ir);
      for (const name of MISSES) {
        const at = events.indexOf(name);
        if (at >= 0) add(misses, `${thread}\t${name}`, counts[at] ?? 0);
      }
    }
  }
  return { main: main / CALLS / 1000, other: other / CALLS / 1000, byKind, byFn, misses };
}

const add = (map, key, n) => map.set(key, (map.get(key) ?? 0) + n);

/**
 * Own counts by function, an array of the dump's events each (instructions first): `fn=` names
 * (compressed names followed), summed over their cost lines (a line may leave out trailing zeros).
 */
function selfCosts(text, jit) {
  const names = new Map();
  const costs = new Map();
  let fn;
  let inCall = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) {
      fn = compressed(line.slice(3), names);
      // JIT code: an address (with a suffix such as '2 for a recursion level).
      if (fn.startsWith('0x')) fn = jit?.(parseInt(fn, 16)) ?? 'JIT code (unnamed)';
    } else if (line.startsWith('cfn=')) compressed(line.slice(4), names);
    else if (line.startsWith('calls=')) inCall = true;
    else {
      const c = line.charCodeAt(0);
      if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 42)) continue;
      // The line after calls= is the call's inclusive cost, not the caller's own.
      if (inCall) inCall = false;
      else if (fn) {
        const parts = line.split(' ');
        let sums = costs.get(fn);
        if (!sums) costs.set(fn, (sums = []));
        for (let i = 1; i < parts.length; i++) sums[i - 1] = (sums[i - 1] ?? 0) + Number(parts[i]);
      }
    }
  }
  return costs;
}

/** What kind of code a function is: the gateway's tracing, its other code, a package, Node, V8 (by part), native. */
function kindOf(fn) {
  if (fn.startsWith('JS:')) {
    if (fn.includes('/tracing/')) return 'JS: tracing';
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(fn);
    if (pkg) return `JS: ${pkg[1]}`;
    if (fn.includes(' node:')) return 'JS: Node';
    if (fn.includes('/build-instructions')) return 'JS: gateway';
    return 'JS: other';
  }
  if (fn.startsWith('Builtins_'))
    return fn.includes('IC') ? 'V8 builtins: inline caches' : 'V8 builtins: other';
  if (fn.includes('compiler::')) return 'V8 optimising compiler';
  if (GC.test(fn)) return 'V8 GC';
  if (fn.includes('v8::')) return 'V8 runtime';
  return 'native (libc, libuv, Node, ...)';
}

const GC =
  /Scaveng|Marking|Sweep|heap::|Heap::|Evacuat|MemoryChunk|MarkCompact|SizeFromMap|IteratePointers|ActiveSystemPages|PagedSpace|LocalHeap|MemoryAllocator/;

function compressed(spec, names) {
  const m = /^\((\d+)\)(?: (.*))?$/.exec(spec);
  if (!m) return spec;
  if (m[2] !== undefined) names.set(m[1], m[2]);
  return names.get(m[1]) ?? spec;
}

/**
 * An address in JIT code named from /tmp/perf-<pid>.map (--perf-basic-prof; under valgrind node
 * keeps the pid). The map only grows: code moved or collected keeps its line, and later code may
 * take its addresses, so an address is named by the latest line that covers it (a search for any
 * covering line named some functions after code long gone).
 */
function jitNames(pid) {
  let entries;
  try {
    entries = readFileSync(`/tmp/perf-${pid}.map`, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line, order) => {
        const [start, size, ...name] = line.split(' ');
        const from = parseInt(start, 16);
        return { from, to: from + parseInt(size, 16), name: name.join(' '), order };
      })
      .sort((x, y) => x.from - y.from);
  } catch {
    return undefined;
  }
  const longest = entries.reduce((most, e) => Math.max(most, e.to - e.from), 0);
  const named = new Map();
  return (address) => {
    if (named.has(address)) return named.get(address);
    // The last line starting at or before the address, then back over those long enough to reach it.
    let lo = 0;
    let hi = entries.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid].from <= address) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let latest;
    for (let i = last; i >= 0 && entries[i].from > address - longest; i--) {
      const e = entries[i];
      if (address < e.to && (!latest || e.order > latest.order)) latest = e;
    }
    named.set(address, latest?.name);
    return latest?.name;
  };
}

function printTop(off, side) {
  const keys = new Set([...off.byFn.keys(), ...side.byFn.keys()]);
  for (const thread of ['event loop', 'other']) {
    const diffs = [...keys]
      .filter((key) => key.startsWith(`${thread}\t`))
      .map((key) => [
        key.slice(thread.length + 1),
        (off.byFn.get(key) ?? 0) / CALLS,
        ((side.byFn.get(key) ?? 0) - (off.byFn.get(key) ?? 0)) / CALLS,
      ])
      .sort((a, b) => Math.abs(b[2]) - Math.abs(a[2]))
      .slice(0, TOP);
    console.log(`\n${side.key} against off, ${thread} thread(s), instructions a call by function (self):\n`);
    console.log(
      markdownTable(
        ['function', 'off', 'Δ a call'],
        diffs.map(([n, o, d]) => [n.replaceAll('|', '/').slice(0, 110), o.toFixed(0), d.toFixed(0)]),
      ),
    );
  }
}

const fmt = (v) => v.toFixed(1);
