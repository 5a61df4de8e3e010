// The cost of metrics and tracing (issue 14, section Benchmarks), in one run:
//   Throughput: omnigate sides, each a child process of the same build copy
//   (bench/results/build-observability/), ROLE=all, QUEUE_DRIVER=bullmq, DISPATCH=auto,
//   LOG_LEVEL=warn, NODE_ENV=production, on one private redis-server (a QUEUE_PREFIX each):
//     off      METRICS=off, tracing off (no OTEL_* variable)
//     metrics  METRICS=on, tracing off
//     both     METRICS=on, tracing on: OTEL_EXPORTER_OTLP_ENDPOINT at a tiny OTLP/HTTP receiver in
//              this process (node:http, 200 to every POST /v1/traces, counting posts and bytes),
//              OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, OTEL_TRACES_SAMPLER=always_on
//     (and, named in BENCH_OBS_SIDES only, for finding where a cost lies:)
//     paused    both's settings, its tracing paused from the start (TRACING_PAUSE_SIGNAL): what
//               tracing set up costs when it makes no span
//     unsampled both's settings with OTEL_TRACES_SAMPLER=always_off: the trace context still
//               propagated, no span recorded
//   Upstream: the repository's OpenAI-compatible test server in a child process (OPENAI_BACKENDS
//   backend `bench`, model bench.chat). Load: c=CONC, POST /v1/chat/completions non-streamed.
//   Interleaved (the verdict): every side's gateway runs at once and the load moves from one to
//   the next every INTERLEAVE_MS (1 s), in turn, over warm connections (bench/lib/interleave.mjs),
//   for INTERLEAVE_S s in all, over INTERLEAVE_SETS sets of processes started afresh. This VM's
//   speed drifts by tens of percent over seconds: runs of a few seconds one after the other
//   differ by more than what they compare, windows of a second in turn cancel most of it, and
//   several sets of processes average their own state (heap, compiled code). calls/s of each
//   side over its windows, its ratio to off, the median of the cycles' ratios (a cycle: one
//   window of every side), the mean of the sets' ratios with its standard error (a set's processes
//   have their own speed, by several percent: the sets are what sample it, so the standard error
//   says how far one run's ratio can be trusted), main-thread CPU per call.
//   Rounds (BENCH_OBS_ROUNDS, 0 by default): the earlier way, each side alone in turn for
//   WARMUP_S s warm-up then DURATION_S s, autocannon, ROUNDS rounds in a rotating order.
//   Target (issue 14): both/off >= 0.95 (and metrics/off, reported alike).
//   Scrape: one more gateway, ROLE=api, QUEUE_DRIVER=bullmq, on the same redis, with enough
//   OPENAI_BACKENDS that its adapters x 2 lanes make SCRAPE_QUEUES queues in omnigate_queue_hops
//   (the queue gauges read Redis at most once a second). GET /metrics: the first scrape; UNCACHED
//   scrapes each more than a second after the last (the queues read again); SCRAPES scrapes back
//   to back (cached within the second, but once a second). Time per scrape (mean, p50, p99), the
//   exposition's size, Redis commands per scrape (INFO commandstats before and after, less an
//   idle window of the same length and the INFO calls themselves).
// Usage: npm run bench:observability   (builds, then runs this file; about 3 minutes). Knobs (env):
//   BENCH_GATEWAY_MAIN=path/to/main.js  compiled gateway (default dist/apps/gateway/apps/gateway/src/main.js)
//   BENCH_OBS_CONC=32  BENCH_OBS_WARMUP_S=2  BENCH_OBS_INTERLEAVE_S=80  BENCH_OBS_INTERLEAVE_MS=1000
//   BENCH_OBS_INTERLEAVE_SETS=4  BENCH_OBS_ROUNDS=0  BENCH_OBS_S=4
//   BENCH_OBS_QUEUES=50  BENCH_OBS_SCRAPES=200  BENCH_OBS_UNCACHED=20
//   BENCH_OUT=observability.json (under bench/results/; the Markdown tables go beside it as .md)
//   BENCH_STRICT=1  also exit 1 when the target is missed
//   For the CPU cost of one side at a time (the throughput of a shared machine is noise, its CPU
//   per call much less so):
//   BENCH_OBS_SIDES=off,metrics,both  the sides to run (a subset: ratios only for those present)
//   BENCH_OBS_SCRAPE=0  skip the scrape part
//   BENCH_OBS_RATE=0  calls/s for the whole load instead of as fast as c=CONC goes (0: unlimited);
//                     a fixed rate gives each side the same work, so its CPU per call compares
//   BENCH_OBS_SAMPLER=always_on  the both side's OTEL_TRACES_SAMPLER (always_off: the trace context
//                     still propagated, nothing recorded: what propagation alone costs)
//   BENCH_OBS_RESTART_EVERY=0  start every side afresh every N rounds (0: one process per side for
//                     the whole run): a process's own state (its heap, its compiled code) then
//                     varies within the run instead of biasing all of it
//   BENCH_OBS_NODE_ARGS="--max-semi-space-size=64"  Node options of every gateway side
//   BENCH_OBS_VARIANT_ARGS="--use-largepages=on"  Node options of the sides named with `-v` (a side's
//                     settings with these options too: BENCH_OBS_SIDES=off,both,off-v,both-v compares
//                     both/off with and without them in one run)
//   BENCH_OBS_TOGGLE_S=0  also (after the rounds) TOGGLE_S s of load at c=CONC on one more gateway
//                     with both's settings and TRACING_PAUSE_SIGNAL=SIGUSR2, whose tracing this bench
//                     pauses and resumes every BENCH_OBS_TOGGLE_MS=1000 ms: calls/s and main-thread
//                     CPU per call in the windows with tracing on against those with it paused, in
//                     one process. It understates tracing's cost by about half against the
//                     interleaved sides (docs/benchmarks.md): what a process that traces costs
//                     beside one that never has is not in it. BENCH_OBS_SIDES= (empty) runs only this.
//   BENCH_OBS_ALT_MAIN=path/to/main.js  adds the side `alt`: both's settings on another build (a
//                     change to tracing against the current one, in the same run; alt/off shown);
//                     with TOGGLE_S, a second toggled gateway runs the alt build, and the load moves
//                     between the two every BENCH_OBS_TOGGLE_SEGMENT_S=10 s (each build's on/paused
//                     from the same stretch of the machine's time, alternated)
//   BENCH_CPU_PROF=1  run the gateways with --cpu-prof (profiles in bench/results/profiles;
//                     summarise with node bench/profile-summary.mjs <file>)
//   BENCH_OBS_PIN=1   every side's event loop (its main thread) on CPU 0 and everything else (its
//                     other threads, redis, the upstream, this process's load) on CPU 1 (taskset), so
//                     that the event loop has a core to itself: what is left of a cost then is the
//                     event loop's own work, not its sharing a core
//   BENCH_PERF=1      also record each side's whole process with `perf record` (linux-perf; the
//                     cpu-clock software event, so no hardware counters needed) over each set's
//                     interleaved load, the gateways run with --perf-basic-prof so that JIT code is
//                     named: bench/results/perf/<side>-set<N>.data, and the command that compares two
//                     (bench/perf-summary.mjs: CPU per call by thread, by symbol with V8's builtins,
//                     GC, malloc and the kernel, and by nearest JS function) is printed
//   What each side allocates a call: BENCH_OBS_NODE_ARGS="--import $PWD/bench/lib/alloc-profile.mjs"
//                     (each gateway's main-thread allocations, the collected ones included, in
//                     bench/results/alloc-profiles/<pid>-0.heapprofile; compare two with
//                     node bench/alloc-summary.mjs <off's> <its calls> <both's> <its calls>)
//   The gateway's CPU is shown for the whole process and for its main thread (the event loop)
//   alone: work a worker thread does (tracing's export) is in the first, not the second.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { snapshotGatewayBuild } from './lib/build.mjs';
import { httpRequest } from './lib/http.mjs';
import { interleavedLoad, interleavedSummary } from './lib/interleave.mjs';
import { benchRun } from './lib/lifecycle.mjs';
import { cpuWindow, machineInfo } from './lib/machine.mjs';
import { startOtlpReceiver } from './lib/otlp-receiver.mjs';
import { fmt, latencyStats, markdownTable, median, pct, round } from './lib/numbers.mjs';
import {
  cpuProfileArgs,
  redisCommandStats,
  redisVersion,
  startGatewayChild,
  startOpenAiTestServer,
  startRedis,
  stopChild,
} from './lib/processes.mjs';
import { LOG_DIR, PROFILE_DIR, RESULTS_DIR, ROOT, SOURCE_MAIN } from './lib/shared.mjs';

const env = process.env;
const CONC = Number(env.BENCH_OBS_CONC ?? 32);
const WARMUP_S = Number(env.BENCH_OBS_WARMUP_S ?? 2);
const DURATION_S = Number(env.BENCH_OBS_S ?? 4);
const ROUNDS = Number(env.BENCH_OBS_ROUNDS ?? 0);
const INTERLEAVE_S = Number(env.BENCH_OBS_INTERLEAVE_S ?? 80);
const INTERLEAVE_MS = Number(env.BENCH_OBS_INTERLEAVE_MS ?? 1000);
const INTERLEAVE_SETS = Number(env.BENCH_OBS_INTERLEAVE_SETS ?? 4);
const SCRAPE_QUEUES = Number(env.BENCH_OBS_QUEUES ?? 50);
const SCRAPES = Number(env.BENCH_OBS_SCRAPES ?? 200);
const UNCACHED = Number(env.BENCH_OBS_UNCACHED ?? 20);
const STRICT = env.BENCH_STRICT === '1';
const RESTART_EVERY = Number(env.BENCH_OBS_RESTART_EVERY ?? 0);
const ALT_MAIN = env.BENCH_OBS_ALT_MAIN;
const SIDES = (env.BENCH_OBS_SIDES ?? `off,metrics,both${ALT_MAIN ? ',alt' : ''}`)
  .split(',')
  .map((k) => k.trim())
  .filter(Boolean);
const TOGGLE_S = Number(env.BENCH_OBS_TOGGLE_S ?? 0);
const TOGGLE_MS = Number(env.BENCH_OBS_TOGGLE_MS ?? 1000);
const TOGGLE_SEGMENT_S = Number(env.BENCH_OBS_TOGGLE_SEGMENT_S ?? 10);
/** The sides whose gateway traces (the OTEL_* settings of `both`). */
const TRACED_SIDES = ['both', 'paused', 'unsampled', 'alt', 'toggle', 'toggle-alt'];
const SCRAPE = env.BENCH_OBS_SCRAPE !== '0';
const RATE = Number(env.BENCH_OBS_RATE ?? 0);
const CPU_PROF = env.BENCH_CPU_PROF === '1';
const PERF = env.BENCH_PERF === '1';
const PIN = env.BENCH_OBS_PIN === '1';
const PERF_DIR = join(RESULTS_DIR, 'perf');
const NODE_ARGS = (env.BENCH_OBS_NODE_ARGS ?? '').split(' ').filter(Boolean);
const VARIANT_ARGS = (env.BENCH_OBS_VARIANT_ARGS ?? '').split(' ').filter(Boolean);
/** A side's settings: those of its name without `-v` (which adds VARIANT_ARGS). */
const baseOf = (key) => (key.endsWith('-v') ? key.slice(0, -2) : key);
const TARGET = 0.95;
const SNAPSHOT_DIR = join(RESULTS_DIR, 'build-observability');
const RUN_ID = `obs${process.pid}${Date.now().toString(36)}`;
const API_KEY = 'sk-test';
const BODY = JSON.stringify({ model: 'bench.chat', messages: [{ role: 'user', content: 'Say hello' }] });
const OTEL_KEYS = Object.keys(env).filter((k) => k.startsWith('OTEL_'));

let redis;
const { children, mkTemp, cleanup, start } = benchRun({ redis: () => redis });
start(main);

async function main() {
  mkdirSync(LOG_DIR, { recursive: true });
  const machine = machineInfo();
  const build = snapshotGatewayBuild(SOURCE_MAIN, SNAPSHOT_DIR);
  console.log(`build ${build.source} (commit ${build.commit}, built ${build.builtAt})`);
  const altBuild = ALT_MAIN && snapshotGatewayBuild(ALT_MAIN, `${SNAPSHOT_DIR}-alt`);
  if (altBuild)
    console.log(`alt build ${altBuild.source} (commit ${altBuild.commit}, built ${altBuild.builtAt})`);
  const upstream = await startOpenAiTestServer(children, {
    name: 'upstream',
    chunkDelayMs: 0,
    apiKey: API_KEY,
    logFile: join(LOG_DIR, 'observability-upstream.log'),
  });
  redis = await startRedis(children, join(LOG_DIR, 'observability-redis.log'));
  machine.redisVersion = await redisVersion(redis.client);
  const receiver = await startOtlpReceiver();
  console.log(`OTLP receiver on ${receiver.url}`);
  const backends = [backend('bench', upstream)];

  for (const key of SIDES) {
    const known = ['off', 'metrics', 'both', 'paused', 'unsampled', ...(altBuild ? ['alt'] : [])];
    if (!known.includes(baseOf(key)) || (key !== baseOf(key) && VARIANT_ARGS.length === 0))
      throw new Error(`no side ${key}`);
  }
  const buildOf = (key) => (baseOf(key) === 'alt' ? altBuild : build);
  const sides = [];
  if (ROUNDS > 0) {
    for (const key of SIDES) sides.push(await gatewaySide(key, buildOf(key), backends, receiver));
    for (const side of sides) await check(side);
  }

  const t0 = Date.now();
  // A side started afresh: the same settings, a new process (and so a new heap and new JIT state).
  const restart = async (side) => {
    await stopChild(children, side.gateway);
    const fresh = await gatewaySide(side.key, buildOf(side.key), backends, receiver);
    await check(fresh);
    return fresh;
  };
  const throughputRuns = ROUNDS > 0 ? await throughput(sides, upstream, restart) : [];
  for (const side of sides) await stopChild(children, side.gateway);
  const interleaved =
    INTERLEAVE_S > 0 && SIDES.includes('off')
      ? await interleave(buildOf, backends, receiver, upstream.proc.pid)
      : undefined;
  const tracedPosts = { ...receiver.counts };
  const toggleBuilds = [['toggle', build], ...(altBuild ? [['toggle-alt', altBuild]] : [])];
  const toggled = TOGGLE_S > 0 ? await pausedAndResumed(toggleBuilds, backends, receiver) : undefined;

  const scrape = SCRAPE ? await scrapeCost(build, upstream) : undefined;
  const wallS = Math.round((Date.now() - t0) / 1000);

  const byKey = Object.fromEntries(throughputRuns.map((r) => [r.side, r]));
  const over = (key) => (byKey[key] && byKey.off ? round(byKey[key].rps / byKey.off.rps, 3) : undefined);
  // Each round's sides run one after the other: the ratio within a round leaves out most of the
  // drift of a shared machine's speed from round to round, so its median is the steadier view.
  const paired = (key) => {
    if (!byKey[key] || !byKey.off) return undefined;
    return round(median(byKey[key].rounds.map((v, r) => v / byKey.off.rounds[r])), 3);
  };
  const roundsSummary = {
    metricsOverOff: over('metrics'),
    bothOverOff: over('both'),
    pairedMedian: { metricsOverOff: paired('metrics'), bothOverOff: paired('both') },
    ...(byKey.alt && {
      altOverOff: over('alt'),
      altOverBoth: byKey.both && round(byKey.alt.rps / byKey.both.rps, 3),
      altPairedMedianOverOff: paired('alt'),
    }),
  };
  // The verdict from the interleaved load when it ran (the same stretch of the machine's time),
  // else from the rounds; the rounds' own ratios are kept apart under `rounds`.
  const summary = interleaved
    ? {
        metricsOverOff: interleaved.sides.metrics?.overBase,
        bothOverOff: interleaved.sides.both?.overBase,
        cycleMedian: {
          metricsOverOff: interleaved.sides.metrics?.cycleMedian,
          bothOverOff: interleaved.sides.both?.cycleMedian,
        },
      }
    : { metricsOverOff: roundsSummary.metricsOverOff, bothOverOff: roundsSummary.bothOverOff };
  if (throughputRuns.length) summary.rounds = roundsSummary;
  summary.pass = summary.bothOverOff >= TARGET && (summary.metricsOverOff ?? 1) >= TARGET;
  const tables = [
    interleaved ? interleavedMarkdown(interleaved, tracedPosts) : '',
    throughputRuns.length ? markdown(throughputRuns, roundsSummary, tracedPosts) : '',
    scrape ? scrapeMarkdown(scrape) : '',
    toggled ? toggleMarkdown(toggled) : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  console.log(`\n${tables}`);

  const command = env.BENCH_GATEWAY_MAIN
    ? `BENCH_GATEWAY_MAIN=${env.BENCH_GATEWAY_MAIN} node bench/observability.mjs`
    : 'npm run bench:observability';
  const output = {
    generatedAt: new Date().toISOString(),
    command,
    build,
    machine,
    settings: {
      conc: CONC,
      rate: RATE || undefined,
      restartEvery: RESTART_EVERY || undefined,
      sides: SIDES,
      warmupS: WARMUP_S,
      durationS: DURATION_S,
      rounds: ROUNDS,
      interleaveS: INTERLEAVE_S,
      interleaveMs: INTERLEAVE_MS,
      interleaveSets: INTERLEAVE_SETS,
      SCRAPES,
      UNCACHED,
      cpuProf: CPU_PROF,
    },
    throughput: throughputRuns,
    ...(interleaved && { interleaved }),
    ...(toggled && { pausedAndResumed: toggled }),
    otlp: tracedPosts,
    summary,
    target: `both/off and metrics/off req/s >= ${TARGET} (c=${CONC}${RATE ? `, not at a fixed rate: ${RATE}/s here` : ''})`,
    scrape,
    loadAvgAtEnd: round(os.loadavg()[0], 2),
    wallS,
  };
  const file = join(RESULTS_DIR, env.BENCH_OUT ?? 'observability.json');
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  writeFileSync(file.replace(/\.json$/, '') + '.md', `${tables}\n`);
  console.log(`\nresults: ${file} (${wallS} s measured)`);
  await receiver.close();
  await cleanup();
  process.exit(STRICT && !summary.pass ? 1 : 0);
}

function backend(id, server, concurrency = 64) {
  return { id, baseUrl: server.url, apiKey: API_KEY, models: { chat: 'gpt-4o-mini' }, concurrency };
}

async function gatewaySide(key, build, backends, receiver) {
  const base = baseOf(key);
  const publicEnv = {
    ROLE: 'all',
    QUEUE_DRIVER: 'bullmq',
    DISPATCH: 'auto',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    METRICS: base === 'off' ? 'off' : 'on',
    ...(TRACED_SIDES.includes(base) && {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_SAMPLER: base === 'unsampled' ? 'always_off' : (env.BENCH_OBS_SAMPLER ?? 'always_on'),
      OTEL_SERVICE_NAME: 'omnigate-bench',
    }),
    ...((base.startsWith('toggle') || base === 'paused') && { TRACING_PAUSE_SIGNAL: 'SIGUSR2' }),
  };
  const gateway = await startGatewayChild(children, {
    name: key,
    main: build.main,
    cwd: ROOT,
    logFile: join(LOG_DIR, `observability-gateway-${key}.log`),
    publicEnv,
    privateEnv: {
      QUEUE_PREFIX: `${RUN_ID}-${key}`,
      OPENAI_BACKENDS: JSON.stringify(backends),
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
    },
    dropEnv: [
      'ADAPTER_MODULES',
      'API_KEYS',
      'OPENAI_API_KEY',
      ...(TRACED_SIDES.includes(base) ? [] : OTEL_KEYS),
    ],
    nodeArgs: [
      ...NODE_ARGS,
      ...(key === base ? [] : VARIANT_ARGS),
      ...cpuProfileArgs(CPU_PROF, PROFILE_DIR, `observability-${key}`),
      ...(PERF ? ['--perf-basic-prof'] : []),
    ],
    blobDir: mkTemp(`omnigate-obs-blobs-${key}-`),
  });
  // `paused`: tracing set up as on `both`, then paused at once (what being set up costs).
  if (base === 'paused') process.kill(gateway.proc.pid, 'SIGUSR2');
  return { key, gateway, pid: gateway.proc.pid, url: gateway.url };
}

/** One chat call answered by the upstream through the route, and /metrics there or not. */
async function check(side) {
  const r = await httpRequest(`${side.url}/v1/chat/completions`, {
    method: 'POST',
    body: BODY,
    headers: { 'content-type': 'application/json' },
  });
  const content = r.json?.choices?.[0]?.message?.content;
  if (r.status !== 200 || content !== 'Echo: Say hello')
    throw new Error(`${side.key}: ${r.status} ${r.text.slice(0, 300)}`);
  const m = await httpRequest(`${side.url}/metrics`);
  const expected = baseOf(side.key) === 'off' ? 404 : 200;
  if (m.status !== expected) throw new Error(`${side.key}: GET /metrics ${m.status}, not ${expected}`);
  console.log(`${side.key}: answers; GET /metrics ${m.status}`);
}

function rotate(sides, k) {
  const i = k % sides.length;
  return [...sides.slice(i), ...sides.slice(0, i)];
}

/** Chat calls at c=CONC for `seconds`; `onAnswer(statusCode)` is told of each answer as it comes. */
async function chatLoad(side, seconds, onAnswer) {
  const instance = autocannon({
    url: `${side.url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: BODY,
    connections: CONC,
    ...(RATE > 0 && { overallRate: RATE }),
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  });
  if (onAnswer) instance.on('response', (_client, statusCode) => onAnswer(statusCode));
  const result = await instance;
  return {
    ok: result['2xx'],
    bad: result.non2xx + result.errors + result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

async function throughput(sides, upstream, restart) {
  const totals = new Map(
    sides.map((s) => [s.key, { ok: 0, bad: 0, seconds: 0, cpuS: {}, rounds: [], mainMsRounds: [] }]),
  );
  console.log(
    `\nc=${CONC}${RATE ? ` at ${RATE} calls/s` : ''}: ${ROUNDS} rounds, per side ${WARMUP_S} s warm-up + ${DURATION_S} s measured`,
  );
  for (let r = 0; r < ROUNDS; r++) {
    if (RESTART_EVERY > 0 && r > 0 && r % RESTART_EVERY === 0) {
      for (let i = 0; i < sides.length; i++) sides[i] = await restart(sides[i]);
    }
    for (const s of rotate(sides, r)) {
      const t = totals.get(s.key);
      if (WARMUP_S > 0) await chatLoad(s, WARMUP_S);
      const window = cpuWindow({
        side: s.pid,
        // The main thread's own line in /proc (its task id is the process id).
        sideMain: `${s.pid}/task/${s.pid}`,
        upstream: upstream.proc.pid,
        redis: redis.proc.pid,
      });
      const res = await chatLoad(s, DURATION_S);
      const cpu = window.end();
      t.ok += res.ok;
      t.bad += res.bad;
      t.seconds += res.seconds;
      t.rounds.push(round(res.ok / res.seconds, 1));
      const mainMs = (1000 * cpu.cpuS.sideMain) / res.ok;
      t.mainMsRounds.push(round(mainMs, 3));
      for (const [k, v] of Object.entries(cpu.cpuS)) t.cpuS[k] = (t.cpuS[k] ?? 0) + v;
      console.log(
        `  round ${r + 1} ${s.key.padEnd(7)} ${fmt(res.ok / res.seconds, 0)} req/s  p99 ${res.p99} ms  gateway main thread ${fmt(mainMs, 3)} ms/call${res.bad ? `  ${res.bad} BAD` : ''}`,
      );
    }
  }
  return sides.map((s) => {
    const t = totals.get(s.key);
    if (t.bad > 0) throw new Error(`${s.key}: ${t.bad} failed calls at c=${CONC}`);
    return {
      side: s.key,
      calls: t.ok,
      seconds: round(t.seconds, 3),
      rps: round(t.ok / t.seconds, 1),
      rounds: t.rounds,
      mainThreadMsPerCallRounds: t.mainMsRounds,
      cpuMsPerCall: Object.fromEntries(
        Object.entries(t.cpuS).map(([k, v]) => [k, round((1000 * v) / t.ok, 3)]),
      ),
    };
  });
}

/**
 * The sides' throughput from one stretch of the machine's time: every side's gateway runs at
 * once and the load (c=CONC) moves from one to the next every INTERLEAVE_MS, in turn, for
 * INTERLEAVE_S s in all, over INTERLEAVE_SETS sets of processes started afresh (a process's own
 * state, its heap and its compiled code, varies from one to the next by a few percent).
 */
async function interleave(buildOf, backends, receiver, upstreamPid) {
  const runs = [];
  const recordings = [];
  for (let set = 0; set < INTERLEAVE_SETS; set++) {
    const sides = [];
    for (const key of SIDES) sides.push(await gatewaySide(key, buildOf(key), backends, receiver));
    for (const side of sides) await check(side);
    for (const side of sides) if (WARMUP_S > 0) await chatLoad(side, WARMUP_S);
    if (PIN) pinEventLoops(sides, [redis.proc.pid, upstreamPid, process.pid]);
    const perf = PERF ? sides.map((side) => perfRecord(side, set + 1)) : [];
    const windows = await interleavedLoad(sides, {
      conc: CONC,
      seconds: INTERLEAVE_S / INTERLEAVE_SETS,
      windowMs: INTERLEAVE_MS,
      request: {
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: BODY,
      },
    });
    for (const recording of perf) {
      await recording.stop();
      const calls = windows.filter((w) => w.key === recording.key).reduce((t, w) => t + w.calls, 0);
      recordings.push({ set: set + 1, key: recording.key, file: recording.file, calls });
    }
    for (const side of sides) await stopChild(children, side.gateway);
    const bad = windows.reduce((t, w) => t + w.bad, 0);
    if (bad > 0) throw new Error(`interleaved set ${set + 1}: ${bad} failed calls at c=${CONC}`);
    runs.push(windows);
    const one = interleavedSummary([windows], SIDES, 'off');
    console.log(
      `  set ${set + 1}: ${SIDES.map((k) => `${k} ${fmt(one.sides[k].callsPerS, 0)}/s`).join(', ')}`,
    );
  }
  if (recordings.length > 0) {
    console.log(
      '\nperf recordings (compare two: node bench/perf-summary.mjs <a.data> <calls> <b.data> <calls>):',
    );
    for (const r of recordings) console.log(`  set ${r.set} ${r.key}: ${r.file} ${r.calls}`);
  }
  return {
    ...interleavedSummary(runs, SIDES, 'off'),
    seconds: INTERLEAVE_S,
    windowMs: INTERLEAVE_MS,
    sets: INTERLEAVE_SETS,
    // Each set's windows in order, for how a side's speed moves within a set's processes' life.
    windows: runs.map((windows) =>
      windows.map(({ key, ms, calls, mainCpuS }) => ({ key, ms, calls, mainCpuS })),
    ),
    ...(recordings.length > 0 && { perf: recordings }),
  };
}

/**
 * BENCH_OBS_PIN: every side's event loop (its main thread) on CPU 0, everything else (the
 * sides' other threads: V8's helpers, tracing's export thread, libuv's pool; redis; the upstream;
 * this process, the load) on CPU 1, so that the event loop under load has a core of its own.
 */
function pinEventLoops(sides, otherPids) {
  const pin = (cpu, tid) => execFileSync('taskset', ['-p', '-c', String(cpu), tid], { stdio: 'ignore' });
  const threads = (pid) => readdirSync(`/proc/${pid}/task`);
  for (const side of sides) for (const tid of threads(side.pid)) pin(tid === String(side.pid) ? 0 : 1, tid);
  for (const pid of otherPids) for (const tid of threads(pid)) pin(1, tid);
}

/**
 * `perf record` of a side's process (all its threads, with call stacks) until `stop()`: the
 * cpu-clock software event at 1999 Hz, which needs no hardware counters.
 */
function perfRecord(side, set) {
  mkdirSync(PERF_DIR, { recursive: true });
  const file = join(PERF_DIR, `${side.key}-set${set}.data`);
  const proc = spawn(
    'perf',
    ['record', '-e', 'cpu-clock', '-F', '1999', '-g', '-p', String(side.pid), '-o', file, '--quiet'],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => {
    proc.once('exit', resolve);
    proc.once('error', (err) => {
      console.error(`perf record could not start (is linux-perf installed?): ${err.message}`);
      resolve();
    });
  });
  return {
    key: side.key,
    file,
    stop: async () => {
      proc.kill('SIGINT');
      await exited;
    },
  };
}

function interleavedMarkdown(interleaved, otlp) {
  const table = markdownTable(
    [
      'side (interleaved)',
      'windows',
      'calls/s',
      '/ off',
      'median of cycles',
      'quartiles',
      'mean of sets ± s.e.',
      'main thread CPU ms/call',
      'read / write syscalls a call',
    ],
    SIDES.map((key) => {
      const s = interleaved.sides[key];
      return [
        key,
        String(s.windows),
        fmt(s.callsPerS, 0),
        key === 'off' ? '1.000' : fmt(s.overBase, 3),
        key === 'off' ? '' : fmt(s.cycleMedian, 3),
        key === 'off' ? '' : s.cycleQuartiles.map((q) => fmt(q, 3)).join(', '),
        key === 'off' || s.runStdError === undefined ? '' : `${fmt(s.runMean, 3)} ± ${fmt(s.runStdError, 3)}`,
        fmt(s.mainMsPerCall, 3),
        `${fmt(s.readsPerCall, 2)} / ${fmt(s.writesPerCall, 2)}`,
      ];
    }),
  );
  const verdict = (v) => (v >= TARGET ? 'pass' : 'miss');
  const ratios = SIDES.filter((k) => k !== 'off').map((k) => {
    const s = interleaved.sides[k];
    const sets =
      s.runStdError === undefined ? '' : `, by set ${fmt(s.runMean, 3)} ± ${fmt(s.runStdError, 3)}`;
    return `${k}/off ${fmt(s.overBase, 3)} (${verdict(s.overBase)}${sets})`;
  });
  return [
    table,
    '',
    `${ratios.join(', ')} against >= ${TARGET}; c=${CONC}, the load moved between the sides every ${interleaved.windowMs} ms for ${interleaved.seconds} s over ${interleaved.sets} sets of processes (${interleaved.cycles} cycles); the receiver got ${otlp.posts} OTLP posts, ${otlp.bytes} bytes`,
  ].join('\n');
}

/**
 * One gateway with tracing at 100 % under load at c=CONC for TOGGLE_S s, its tracing paused and
 * resumed (SIGUSR2, TRACING_PAUSE_SIGNAL) every TOGGLE_MS: each window's calls (answers counted as
 * they come) and the gateway's main-thread CPU. The first window of each stretch of load (the load
 * starting) is left out. Windows next to each other ran a moment apart in the same process, so the
 * median of their ratios leaves out the machine's drift and the process's own state. With an alt
 * build, a second such gateway runs it, and the load moves between the two every TOGGLE_SEGMENT_S
 * s: each build's ratios come from the same stretch of the machine's time, alternated.
 */
async function pausedAndResumed(builds, backends, receiver) {
  const sides = [];
  for (const [key, build] of builds) {
    const side = await gatewaySide(key, build, backends, receiver);
    await check(side);
    if (WARMUP_S > 0) await chatLoad(side, WARMUP_S);
    sides.push({ key, side, on: true, windows: [] });
  }
  const segment = sides.length > 1 ? TOGGLE_SEGMENT_S : TOGGLE_S;
  for (let done = 0; done < TOGGLE_S; done += segment) {
    for (const toggled of sides) await toggleStretch(toggled, Math.min(segment, TOGGLE_S - done));
  }
  for (const { side } of sides) await stopChild(children, side.gateway);
  return Object.fromEntries(sides.map(({ key, windows }) => [key, summarizeToggle(windows)]));
}

/** `seconds` of load on a toggled gateway, its tracing paused or resumed every TOGGLE_MS. */
async function toggleStretch(toggled, seconds) {
  const { side } = toggled;
  const main = { sideMain: `${side.pid}/task/${side.pid}` };
  const windows = [];
  let calls = 0;
  let started = { at: performance.now(), cpu: cpuWindow(main) };
  const timer = setInterval(() => {
    const cpu = started.cpu.end();
    windows.push({ on: toggled.on, ms: performance.now() - started.at, calls, mainCpuS: cpu.cpuS.sideMain });
    calls = 0;
    toggled.on = !toggled.on;
    process.kill(side.pid, 'SIGUSR2');
    started = { at: performance.now(), cpu: cpuWindow(main) };
  }, TOGGLE_MS);
  const { bad } = await chatLoad(side, seconds, (statusCode) => {
    if (statusCode === 200) calls++;
  });
  clearInterval(timer);
  if (bad > 0) throw new Error(`${toggled.key}: ${bad} failed calls at c=${CONC}`);
  // The first window had the load starting; windows next to each other only within a stretch.
  toggled.windows.push(windows.slice(1));
}

/** On against paused over a gateway's stretches of windows. */
function summarizeToggle(stretches) {
  const rate = (w) => w.calls / w.ms;
  const pairs = [];
  for (const kept of stretches) {
    for (let i = 1; i < kept.length; i++) {
      const [a, b] = kept[i].on ? [kept[i], kept[i - 1]] : [kept[i - 1], kept[i]];
      pairs.push(rate(a) / rate(b));
    }
  }
  const kept = stretches.flat();
  const sorted = Float64Array.from(pairs).sort();
  const sum = (state, f) => kept.filter((w) => w.on === state).reduce((t, w) => t + f(w), 0);
  const of = (state) => ({
    windows: kept.filter((w) => w.on === state).length,
    callsPerS: round((1000 * sum(state, (w) => w.calls)) / sum(state, (w) => w.ms), 1),
    mainMsPerCall: round((1000 * sum(state, (w) => w.mainCpuS)) / sum(state, (w) => w.calls), 3),
  });
  const traced = of(true);
  const paused = of(false);
  return {
    seconds: TOGGLE_S,
    windowMs: TOGGLE_MS,
    sampler: env.BENCH_OBS_SAMPLER ?? 'always_on',
    traced,
    paused,
    ratio: round(traced.callsPerS / paused.callsPerS, 3),
    pairs: pairs.length,
    pairedMedian: round(median(pairs), 3),
    pairedQuartiles: [round(pct(sorted, 25), 3), round(pct(sorted, 75), 3)],
  };
}

function toggleMarkdown(toggled) {
  const rows = [];
  for (const [key, t] of Object.entries(toggled)) {
    const build = key === 'toggle' ? '' : ' (alt build)';
    rows.push(
      [
        `on (${t.sampler})${build}`,
        String(t.traced.windows),
        fmt(t.traced.callsPerS, 0),
        fmt(t.traced.mainMsPerCall, 3),
      ],
      [
        `paused${build}`,
        String(t.paused.windows),
        fmt(t.paused.callsPerS, 0),
        fmt(t.paused.mainMsPerCall, 3),
      ],
    );
  }
  const table = markdownTable(
    ['tracing (one process, alternating)', 'windows', 'calls/s', 'main thread CPU ms/call'],
    rows,
  );
  const lines = Object.entries(toggled).map(([key, t]) => {
    const verdict = t.pairedMedian >= TARGET ? 'pass' : 'miss';
    const build = key === 'toggle' ? '' : ' (alt build)';
    return `on/paused${build} ${fmt(t.ratio, 3)} over all windows; the median of ${t.pairs} adjacent windows' ratios ${fmt(t.pairedMedian, 3)} (${verdict} against >= ${TARGET}; quartiles ${t.pairedQuartiles.map((q) => fmt(q, 3)).join(', ')}); ${t.seconds} s at c=${CONC}, ${t.windowMs} ms windows`;
  });
  if (toggled['toggle-alt']) lines.push(`stretches of ${TOGGLE_SEGMENT_S} s on each build in turn`);
  return [table, '', ...lines].join('\n');
}

// ---------------------------------------------------------------- scrape

/** The (adapter, lane) pairs of omnigate_queue_hops in an exposition. */
function queuesIn(text) {
  const pairs = new Set();
  for (const m of text.matchAll(/^omnigate_queue_hops\{([^}]*)\}/gm)) {
    const labels = m[1];
    const adapter = /adapter="([^"]*)"/.exec(labels)?.[1];
    const lane = /lane="([^"]*)"/.exec(labels)?.[1];
    pairs.add(`${adapter}/${lane}`);
  }
  return pairs.size;
}

async function scrapeGateway(build, upstream, n, attempt) {
  const backends = Array.from({ length: n }, (_, i) => backend(`b${i + 1}`, upstream));
  const gateway = await startGatewayChild(children, {
    name: `scrape${attempt}`,
    main: build.main,
    cwd: ROOT,
    logFile: join(LOG_DIR, `observability-gateway-scrape${attempt}.log`),
    publicEnv: {
      ROLE: 'api',
      QUEUE_DRIVER: 'bullmq',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      METRICS: 'on',
    },
    privateEnv: {
      QUEUE_PREFIX: `${RUN_ID}-scrape${attempt}`,
      OPENAI_BACKENDS: JSON.stringify(backends),
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
    },
    dropEnv: ['ADAPTER_MODULES', 'API_KEYS', 'OPENAI_API_KEY', ...OTEL_KEYS],
    blobDir: mkTemp(`omnigate-obs-blobs-scrape-`),
    note: `, ${n} OPENAI_BACKENDS`,
  });
  return gateway;
}

async function scrapeCost(build, upstream) {
  // Adapters other than the backends' (built in) are counted once, then the backends make up the rest.
  let n = 1;
  let gateway = await scrapeGateway(build, upstream, n, 0);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () => httpRequest(`${gateway.url}/metrics`, { agent, headers: { accept: 'text/plain' } });
  const first = await get();
  let queues = queuesIn(first.text);
  const perBackend = 2;
  if (queues < SCRAPE_QUEUES) {
    n += Math.ceil((SCRAPE_QUEUES - queues) / perBackend);
    await stopChild(children, gateway);
    agent.destroy();
    gateway = await scrapeGateway(build, upstream, n, 1);
  }
  const firstScrape = await get();
  if (firstScrape.status !== 200) throw new Error(`GET /metrics ${firstScrape.status}`);
  queues = queuesIn(firstScrape.text);
  console.log(`scrape: ${queues} queues in omnigate_queue_hops (${n} OPENAI_BACKENDS)`);

  const commands = async () => (await redisCommandStats(redis.client)).total;
  // Idle: what the API process sends on its own (and the INFO call itself) over a second.
  await sleep(1100);
  const idle0 = await commands();
  await sleep(1000);
  const idlePerS = (await commands()) - idle0 - 1;

  const uncached = [];
  let c0 = await commands();
  const u0 = Date.now();
  for (let i = 0; i < UNCACHED; i++) {
    await sleep(1100);
    uncached.push((await get()).ms);
  }
  const uncachedCommands = (await commands()) - c0 - 1 - (idlePerS * (Date.now() - u0)) / 1000;

  await sleep(1100);
  const cached = [];
  let bytes = 0;
  c0 = await commands();
  const k0 = Date.now();
  for (let i = 0; i < SCRAPES; i++) {
    const r = await get();
    if (r.status !== 200) throw new Error(`GET /metrics ${r.status}`);
    cached.push(r.ms);
    bytes = r.buffer.length;
  }
  const cachedS = (Date.now() - k0) / 1000;
  const cachedCommands = (await commands()) - c0 - 1 - idlePerS * cachedS;
  agent.destroy();
  await stopChild(children, gateway);
  return {
    queues,
    openaiBackends: n,
    bytes,
    firstMs: round(firstScrape.ms, 2),
    uncached: latencyStats(uncached, 2),
    backToBack: { ...latencyStats(cached, 2), seconds: round(cachedS, 2) },
    redisIdleCommandsPerS: idlePerS,
    redisCommandsPerUncachedScrape: round(uncachedCommands / UNCACHED, 1),
    redisCommandsPerBackToBackScrape: round(cachedCommands / SCRAPES, 2),
  };
}

function markdown(runs, summary, otlp) {
  const off = runs.find((r) => r.side === 'off');
  const t1 = markdownTable(
    [
      'side',
      'req/s',
      'rounds',
      '/ off',
      'gateway CPU ms/call',
      'of it main thread',
      'redis CPU ms/call',
      'upstream CPU ms/call',
    ],
    runs.map((r) => [
      r.side,
      fmt(r.rps, 0),
      r.rounds.map((v) => fmt(v, 0)).join(', '),
      off ? fmt(r.rps / off.rps, 3) : '',
      fmt(r.cpuMsPerCall.side, 3),
      fmt(r.cpuMsPerCall.sideMain, 3),
      fmt(r.cpuMsPerCall.redis, 3),
      fmt(r.cpuMsPerCall.upstream, 3),
    ]),
  );
  const verdict = (v) => (v >= TARGET ? 'pass' : 'miss');
  const ratio = (name, v) => (v === undefined ? `${name} not run` : `${name} ${fmt(v, 3)} (${verdict(v)})`);
  const { pairedMedian } = summary;
  const t1Line = [
    `${ratio('metrics/off', summary.metricsOverOff)}, ${ratio('both/off', summary.bothOverOff)} against >= ${TARGET}`,
    pairedMedian.bothOverOff === undefined
      ? ''
      : `; the median of each round's ratio: metrics/off ${fmt(pairedMedian.metricsOverOff, 3)}, both/off ${fmt(pairedMedian.bothOverOff, 3)}`,
    summary.altOverOff === undefined
      ? ''
      : `; alt (both on BENCH_OBS_ALT_MAIN's build)/off ${fmt(summary.altOverOff, 3)} (median of the rounds' ${fmt(summary.altPairedMedianOverOff, 3)}), alt/both ${fmt(summary.altOverBoth, 3)}`,
    `; the receiver got ${otlp.posts} OTLP posts, ${otlp.bytes} bytes`,
  ].join('');
  return [t1, '', t1Line].join('\n');
}

function scrapeMarkdown(scrape) {
  const t2 = markdownTable(
    ['GET /metrics', 'n', 'mean ms', 'p50 ms', 'p99 ms', 'Redis commands / scrape'],
    [
      ['first', '1', fmt(scrape.firstMs, 2), '', '', ''],
      [
        'uncached (> 1 s apart)',
        String(scrape.uncached.n),
        fmt(scrape.uncached.mean, 2),
        fmt(scrape.uncached.p50, 2),
        fmt(scrape.uncached.p99, 2),
        fmt(scrape.redisCommandsPerUncachedScrape, 1),
      ],
      [
        'back to back (cached within the second)',
        String(scrape.backToBack.n),
        fmt(scrape.backToBack.mean, 2),
        fmt(scrape.backToBack.p50, 2),
        fmt(scrape.backToBack.p99, 2),
        fmt(scrape.redisCommandsPerBackToBackScrape, 2),
      ],
    ],
  );
  return [
    t2,
    '',
    `${scrape.queues} queues (${scrape.openaiBackends} OPENAI_BACKENDS, ROLE=api), exposition ${scrape.bytes} bytes; Redis idle ${scrape.redisIdleCommandsPerS} commands/s subtracted`,
  ].join('\n');
}
