// omnigate HTTP benchmark: one run, five servers, each in its own child process, loaded by
// autocannon (Node API) from this process.
//   (a) bare-json    bare Fastify route: parse + zod-validate the /v1/infer body, answer a result JSON
//   (b) bare-bullmq  (a) + one BullMQ job per request with omnigate's hop job options (priority,
//                    attempts, backoff, kept after completion), waited for with job.waitUntilFinished
//   (e) lean-bullmq  (a) + one plain queue.add per request (no priority, no retries, removed on
//                    completion), answered through a Map of waiters fed by one QueueEvents listener
//   (c) omnigate     POST /v1/infer, sync mode, builtin.echo, QUEUE_DRIVER=bullmq (Redis), DISPATCH=queue
//                    (the queue lane: issue 13's interactive lane, DISPATCH=auto, would skip the queue;
//                    a build without DISPATCH ignores it)
//   (d) omnigate     the same with QUEUE_DRIVER=inline (in-process queue)
//   (f) omnigate     (c) with SANDBOX_PROCESSES=0: builtin.echo in the worker's own process, so
//                    (f)/(e) is the queued path's own cost, without the sandbox's round trip
// (e) is the floor of the queue-lane target (issue 13: omnigate ≥ 0.7 of a lean Fastify + BullMQ
// server); (b), the floor of the earlier target, stays for comparison with earlier runs: it pays
// for what omnigate's hop jobs pay for, so (c)/(b) says what omnigate adds on top of BullMQ as it
// uses it, (c)/(e) what the whole queued path costs against the least BullMQ can do.
// Usage: npm run bench   (builds, then runs this file). Knobs (env):
//   BENCH_WARMUP_S=2 BENCH_DURATION_S=10 BENCH_CONCURRENCY=1,32 BENCH_ONLY=a,b,e,c,f,d
//   BENCH_CPU_PROF=1  run the omnigate children with --cpu-prof (profiles in bench/results/profiles)
//   BENCH_TRACE=1     preload bench/trace-gateway.cjs into the omnigate children: per-section timings
//                     (bench/results/traces/*.json); best with BENCH_CONCURRENCY=1; slows the gateway a little
//   BENCH_LOG_LEVEL=warn  the omnigate children's LOG_LEVEL (info: their request lines are written, to their log file)
//   BENCH_OUT=name.json  results file under bench/results/ (default latest.json)
//   BENCH_STRICT=1    also exit 1 when a target is missed (non-200 answers always fail the run)
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { CLK_TCK, machineInfo, systemBusyTicks } from './lib/machine.mjs';
import { fmt, pct, round } from './lib/numbers.mjs';
import {
  freePort,
  redisVersion,
  spawnLogged,
  startRedis,
  stopChild,
  tail,
  waitReadyOrExit,
} from './lib/processes.mjs';
import { DIST_DIR, INFER_BODY, LOG_DIR, PROFILE_DIR, RESULTS_DIR, ROOT } from './lib/shared.mjs';

const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,32').split(',').map(Number);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'a,b,e,c,f,d').split(',').map((s) => s.trim()));
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const STRICT = process.env.BENCH_STRICT === '1';
const TRACE = process.env.BENCH_TRACE === '1';
const TRACE_DIR = join(RESULTS_DIR, 'traces');
const RUN_ID = `bench${process.pid}${Date.now().toString(36)}`;
const BUILD_DIR = join(RESULTS_DIR, 'build');
const GATEWAY_MAIN = join(BUILD_DIR, 'apps/gateway/src/main.js');

const TARGETS = {
  addedP50C1Ms: 1, // (c) p50 - (a) p50 at concurrency 1
  rpsRatioCOverEC32: 0.7, // (c) req/s / (e) req/s at concurrency 32 (issue 13: queue lane against the lean floor)
  p99C32Ms: 20, // (c) p99 at concurrency 32
};

const children = new Set();
let redis;

main().catch(async (err) => {
  console.error(`\nBENCH FAILED: ${err.stack ?? err}`);
  await cleanup();
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await cleanup();
    process.exit(130);
  });
}

async function main() {
  mkdirSync(LOG_DIR, { recursive: true });
  await snapshotBuild();
  const machine = machineInfo();
  printMachine(machine);

  const servers = [
    {
      key: 'a',
      name: 'bare-json',
      label: '(a) bare Fastify + zod',
      script: join(ROOT, 'bench/servers/bare-json.mjs'),
    },
    {
      key: 'b',
      name: 'bare-bullmq',
      label: '(b) bare Fastify + BullMQ',
      script: join(ROOT, 'bench/servers/bare-bullmq.mjs'),
      redis: true,
    },
    {
      key: 'e',
      name: 'lean-bullmq',
      label: '(e) lean Fastify + BullMQ',
      script: join(ROOT, 'bench/servers/lean-bullmq.mjs'),
      redis: true,
    },
    {
      key: 'c',
      name: 'omnigate-bullmq',
      label: '(c) omnigate bullmq',
      script: GATEWAY_MAIN,
      redis: true,
      gateway: 'bullmq',
      env: { DISPATCH: 'queue' },
    },
    {
      key: 'f',
      name: 'omnigate-bullmq-unsandboxed',
      label: '(f) omnigate bullmq, no sandbox',
      script: GATEWAY_MAIN,
      redis: true,
      gateway: 'bullmq',
      env: { DISPATCH: 'queue', SANDBOX_PROCESSES: '0' },
    },
    {
      key: 'd',
      name: 'omnigate-inline',
      label: '(d) omnigate inline',
      script: GATEWAY_MAIN,
      gateway: 'inline',
    },
  ].filter((s) => ONLY.has(s.key));

  if (servers.some((s) => s.redis)) {
    redis = await startRedis(children, join(LOG_DIR, 'redis.log'));
    machine.redisVersion = await redisVersion(redis.client);
    console.log(
      `redis ${machine.redisVersion} on 127.0.0.1:${redis.port} (pid ${redis.proc.pid}, no persistence)\n`,
    );
  }

  const runs = [];
  const started = Date.now();
  for (const server of servers) {
    if (server.redis) await redis.client.flushall();
    const child = await startServer(server);
    try {
      await smokeTest(server, child.url);
      for (const connections of CONCURRENCY) {
        process.stdout.write(
          `${server.label.padEnd(28)} c=${String(connections).padEnd(3)} warm-up ${WARMUP_S}s, measure ${DURATION_S}s ... `,
        );
        await load(child.url, connections, WARMUP_S);
        const run = await measure(server, child, connections);
        runs.push(run);
        console.log(
          `${fmt(run.rps, 0)} req/s  p50 ${fmt(run.p50Ms)} ms  p99 ${fmt(run.p99Ms)} ms${run.bad ? `  ${run.bad} BAD` : ''}`,
        );
      }
    } finally {
      await stopServer(child);
    }
  }

  const summary = summarize(runs);
  printTable(runs);
  printSummary(summary);
  const failures = runs.filter((r) => r.bad > 0);
  const output = {
    generatedAt: new Date().toISOString(),
    command: 'npm run bench',
    settings: {
      warmupS: WARMUP_S,
      durationS: DURATION_S,
      concurrency: CONCURRENCY,
      body: JSON.parse(INFER_BODY),
      cpuProf: CPU_PROF,
      trace: TRACE,
      ...(process.env.UV_THREADPOOL_SIZE && { uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE }),
    },
    machine,
    runs,
    summary,
    targets: TARGETS,
    ok: failures.length === 0,
    loadAvgAtEnd: round(os.loadavg()[0], 2),
    wallS: Math.round((Date.now() - started) / 1000),
  };
  const file = join(RESULTS_DIR, process.env.BENCH_OUT ?? 'latest.json');
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nresults: ${file}`);
  await cleanup();

  if (failures.length > 0) {
    console.error('\nBENCH FAILED: some answers were not 200 (or the connection failed):');
    for (const r of failures) {
      console.error(
        `  ${r.label} c=${r.connections}: statuses ${JSON.stringify(r.statusCodes)}, errors ${r.errors}, timeouts ${r.timeouts}`,
      );
    }
    process.exit(1);
  }
  if (STRICT && Object.values(summary.checks).some((c) => c.pass === false)) process.exit(1);
}

// ---------------------------------------------------------------- load

function requestOptions(url, connections, seconds) {
  return {
    url: `${url}/v1/infer`,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: INFER_BODY,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  };
}

async function load(url, connections, seconds) {
  if (seconds > 0) await autocannon(requestOptions(url, connections, seconds));
}

/**
 * One measured run. autocannon's own histogram has 1 ms resolution, too coarse for a 1 ms
 * target, so every response time (a float in ms) is also collected here and the percentiles
 * are computed exactly from those (200 answers only).
 */
async function measure(server, child, connections) {
  const latencies = [];
  const statusCodes = {};
  const cpuBefore = cpuTicks(child.proc.pid);
  const redisBefore = server.redis ? cpuTicks(redis.proc.pid) : undefined;
  const systemBefore = systemBusyTicks();
  const selfBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const instance = autocannon(requestOptions(child.url, connections, DURATION_S));
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    if (statusCode === 200) latencies.push(responseTime);
  });
  const result = await instance;
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuS = (cpuTicks(child.proc.pid) - cpuBefore) / CLK_TCK;
  const redisCpuS = server.redis ? (cpuTicks(redis.proc.pid) - redisBefore) / CLK_TCK : undefined;
  const selfUsage = process.cpuUsage(selfBefore);
  const selfCpuS = (selfUsage.user + selfUsage.system) / 1e6;
  const systemCpuS = (systemBusyTicks() - systemBefore) / CLK_TCK;
  // Whatever else ran on the machine meanwhile (other users' builds and tests, the kernel's own work).
  const otherCpuS = Math.max(0, systemCpuS - cpuS - (redisCpuS ?? 0) - selfCpuS);

  const sorted = Float64Array.from(latencies).sort();
  const ok = statusCodes[200] ?? 0;
  const answered = Object.values(statusCodes).reduce((s, n) => s + n, 0);
  const durationS = result.duration ?? elapsedS;
  return {
    server: server.name,
    key: server.key,
    label: server.label,
    ...(server.env && { env: server.env }),
    connections,
    durationS: round(durationS, 2),
    requests: ok,
    rps: round(ok / durationS, 1),
    p50Ms: round(pct(sorted, 50), 3),
    p90Ms: round(pct(sorted, 90), 3),
    p99Ms: round(pct(sorted, 99), 3),
    maxMs: round(sorted.at(-1) ?? NaN, 3),
    meanMs: round(latencies.reduce((s, v) => s + v, 0) / latencies.length, 3),
    statusCodes,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bad: answered - ok + result.errors + result.timeouts,
    serverCpuPct: round((100 * cpuS) / elapsedS, 0),
    serverCpuMsPerReq: round((1000 * cpuS) / Math.max(ok, 1), 3),
    ...(redisCpuS !== undefined && {
      redisCpuPct: round((100 * redisCpuS) / elapsedS, 0),
      redisCpuMsPerReq: round((1000 * redisCpuS) / Math.max(ok, 1), 3),
    }),
    loadGenCpuPct: round((100 * selfCpuS) / elapsedS, 0),
    otherCpuPct: round((100 * otherCpuS) / elapsedS, 0),
    autocannon: {
      requestsAverage: result.requests.average,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      latencyAverageMs: result.latency.average,
    },
  };
}

// ---------------------------------------------------------------- servers

/**
 * Copies the compiled gateway (dist/apps/gateway) aside, so that a rebuild of dist/ by someone
 * else during the run cannot pull files from under the servers. Imports in it are relative, and
 * packages still resolve from the repository's node_modules.
 */
async function snapshotBuild() {
  const needed = ['apps/gateway/src/main.js', 'libs/contracts/src/index.js'];
  for (let attempt = 1; ; attempt++) {
    if (needed.every((f) => existsSync(join(DIST_DIR, f)))) {
      rmSync(BUILD_DIR, { recursive: true, force: true });
      try {
        cpSync(DIST_DIR, BUILD_DIR, { recursive: true });
        if (needed.every((f) => existsSync(join(BUILD_DIR, f)))) return;
      } catch {
        // dist/ changed while copying: try again
      }
    }
    if (attempt >= 20) throw new Error(`${DIST_DIR} is missing or incomplete: run \`npm run build\` first`);
    await sleep(1000);
  }
}

async function startServer(server) {
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    NODE_ENV: 'production',
    BENCH_BUILD_DIR: BUILD_DIR,
  };
  const execArgv = [];
  let blobDir;
  if (server.redis) {
    env.REDIS_URL = `redis://127.0.0.1:${redis.port}`;
    env.QUEUE_PREFIX = `${RUN_ID}-${server.key}`;
  }
  if (server.gateway) {
    blobDir = mkdtempSync(join(os.tmpdir(), `omnigate-bench-${server.key}-`));
    Object.assign(env, { ROLE: 'all', QUEUE_DRIVER: server.gateway, BLOB_DIR: blobDir, ...server.env });
    if (server.gateway === 'inline') delete env.REDIS_URL;
    if (CPU_PROF) {
      mkdirSync(PROFILE_DIR, { recursive: true });
      execArgv.push(
        '--cpu-prof',
        `--cpu-prof-dir=${PROFILE_DIR}`,
        `--cpu-prof-name=${server.name}-${Date.now()}.cpuprofile`,
      );
    }
    if (TRACE) {
      mkdirSync(TRACE_DIR, { recursive: true });
      execArgv.push('-r', join(ROOT, 'bench/trace-gateway.cjs'));
      env.BENCH_TRACE_OUT = join(TRACE_DIR, `${server.name}.json`);
    }
  }
  const logFile = join(LOG_DIR, `${server.name}.log`);
  const proc = spawnLogged(process.execPath, [...execArgv, server.script], logFile, { cwd: ROOT, env });
  const child = { proc, url: `http://127.0.0.1:${port}`, logFile, blobDir, name: server.name };
  children.add(child);
  await waitReadyOrExit(proc, child.url, 30_000, {
    notReady: `${server.label} not ready`,
    exited: (code, signal) =>
      `${server.label} exited during start-up (code ${code}, signal ${signal}); log: ${logFile}\n${tail(logFile)}`,
  });
  return child;
}

/** One request, checked for the expected answer, before any load. */
async function smokeTest(server, url) {
  const res = await fetch(`${url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: INFER_BODY,
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const good =
    res.status === 200 &&
    body?.status === 'completed' &&
    body.outputs?.[0]?.text === 'hello' &&
    body.route?.[0]?.adapter === 'builtin.echo' &&
    typeof body.links?.self === 'string';
  if (!good) throw new Error(`${server.label}: unexpected answer ${res.status} ${text.slice(0, 500)}`);
}

/** Stops a server started by startServer() (if still running) and removes its BLOB_DIR. */
async function stopServer(child) {
  if ((await stopChild(children, child)) && child.blobDir)
    rmSync(child.blobDir, { recursive: true, force: true });
}

async function cleanup() {
  if (redis) {
    redis.client.disconnect();
  }
  for (const child of [...children].reverse()) await stopServer(child).catch(() => {});
  redis = undefined;
}

function cpuTicks(pid) {
  try {
    // Fields after the parenthesised command name: utime is the 14th, stime the 15th field.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- report

function printMachine(m) {
  console.log('omnigate benchmark');
  console.log(
    `machine: ${m.nproc} CPU (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.os}, load ${m.loadAvg1m}`,
  );
  console.log(`node ${m.node}, redis-server ${m.redisServer}`);
  console.log(`body: ${INFER_BODY}`);
  console.log(`per (server, concurrency): ${WARMUP_S}s warm-up + ${DURATION_S}s measured\n`);
}

function printTable(runs) {
  const head = [
    'server',
    'conc',
    'req/s',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'max ms',
    'non-200',
    'srv CPU',
    'redis CPU',
    'loadgen CPU',
    'other CPU',
  ];
  const rows = runs.map((r) => [
    r.label,
    String(r.connections),
    fmt(r.rps, 0),
    fmt(r.p50Ms),
    fmt(r.p90Ms),
    fmt(r.p99Ms),
    fmt(r.maxMs, 1),
    String(r.bad),
    `${r.serverCpuPct}%`,
    r.redisCpuPct === undefined ? '-' : `${r.redisCpuPct}%`,
    `${r.loadGenCpuPct}%`,
    `${r.otherCpuPct}%`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(`\n${line(head)}`);
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

function summarize(runs) {
  const find = (key, c) => runs.find((r) => r.key === key && r.connections === c);
  const ratio = (x, y) => (x && y ? round(x / y, 3) : null);
  const diff = (x, y) => (x !== undefined && y !== undefined ? round(x - y, 3) : null);
  const [a1, b1, c1, d1, e1] = ['a', 'b', 'c', 'd', 'e'].map((k) => find(k, 1));
  const [a32, b32, c32, d32, e32, f32] = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => find(k, 32));
  const check = (value, target, cmp) => ({ value, target, pass: value === null ? null : cmp(value, target) });
  return {
    checks: {
      addedP50C1Ms_cMinusA: check(diff(c1?.p50Ms, a1?.p50Ms), TARGETS.addedP50C1Ms, (v, t) => v <= t),
      rpsRatioC32_cOverE: check(ratio(c32?.rps, e32?.rps), TARGETS.rpsRatioCOverEC32, (v, t) => v >= t),
      p99C32Ms_c: check(c32?.p99Ms ?? null, TARGETS.p99C32Ms, (v, t) => v <= t),
    },
    info: {
      addedP50C1Ms_bMinusA: diff(b1?.p50Ms, a1?.p50Ms),
      addedP50C1Ms_cMinusB: diff(c1?.p50Ms, b1?.p50Ms),
      addedP50C1Ms_dMinusA: diff(d1?.p50Ms, a1?.p50Ms),
      addedP50C1Ms_eMinusA: diff(e1?.p50Ms, a1?.p50Ms),
      addedP50C1Ms_cMinusE: diff(c1?.p50Ms, e1?.p50Ms),
      rpsRatioC1_cOverE: ratio(c1?.rps, e1?.rps),
      rpsRatioC32_fOverE: ratio(f32?.rps, e32?.rps),
      rpsRatioC32_cOverB: ratio(c32?.rps, b32?.rps),
      rpsRatioC32_eOverB: ratio(e32?.rps, b32?.rps),
      rpsRatioC1_cOverB: ratio(c1?.rps, b1?.rps),
      rpsRatioC1_dOverA: ratio(d1?.rps, a1?.rps),
      rpsRatioC32_dOverA: ratio(d32?.rps, a32?.rps),
      rpsRatioC32_bOverA: ratio(b32?.rps, a32?.rps),
      rpsRatioC32_cOverD: ratio(c32?.rps, d32?.rps),
    },
  };
}

function printSummary({ checks, info }) {
  const mark = (c) => (c.pass === null ? 'n/a ' : c.pass ? 'PASS' : 'MISS');
  console.log('\ntargets');
  console.log(
    `  ${mark(checks.addedP50C1Ms_cMinusA)}  (c) p50 - (a) p50 at c=1: ${fmt(checks.addedP50C1Ms_cMinusA.value)} ms (target <= ${TARGETS.addedP50C1Ms} ms)`,
  );
  console.log(
    `  ${mark(checks.rpsRatioC32_cOverE)}  (c)/(e) req/s at c=32 (queue lane / lean floor): ${fmt(checks.rpsRatioC32_cOverE.value)} (target >= ${TARGETS.rpsRatioCOverEC32})`,
  );
  console.log(
    `  ${mark(checks.p99C32Ms_c)}  (c) p99 at c=32: ${fmt(checks.p99C32Ms_c.value)} ms (target <= ${TARGETS.p99C32Ms} ms)`,
  );
  console.log('for comparison');
  console.log(
    `  (b) p50 - (a) p50 at c=1 (cost of one BullMQ round trip): ${fmt(info.addedP50C1Ms_bMinusA)} ms`,
  );
  console.log(
    `  (c) p50 - (b) p50 at c=1 (omnigate over the queue floor): ${fmt(info.addedP50C1Ms_cMinusB)} ms`,
  );
  console.log(
    `  (d) p50 - (a) p50 at c=1 (omnigate inline over bare):    ${fmt(info.addedP50C1Ms_dMinusA)} ms`,
  );
  console.log(
    `  (e) p50 - (a) p50 at c=1 (lean BullMQ round trip):       ${fmt(info.addedP50C1Ms_eMinusA)} ms`,
  );
  console.log(
    `  (c) p50 - (e) p50 at c=1 (omnigate over the lean floor): ${fmt(info.addedP50C1Ms_cMinusE)} ms`,
  );
  console.log(
    `  (c)/(e) req/s at c=1: ${fmt(info.rpsRatioC1_cOverE)};  (c)/(b) req/s at c=32: ${fmt(info.rpsRatioC32_cOverB)};  (e)/(b) req/s at c=32: ${fmt(info.rpsRatioC32_eOverB)}`,
  );
  console.log(
    `  (f)/(e) req/s at c=32 (queue lane without the sandbox / lean floor): ${fmt(info.rpsRatioC32_fOverE)}`,
  );
  console.log(`  (d)/(a) req/s: c=1 ${fmt(info.rpsRatioC1_dOverA)}, c=32 ${fmt(info.rpsRatioC32_dOverA)}`);
  console.log(
    `  (b)/(a) req/s at c=32: ${fmt(info.rpsRatioC32_bOverA)};  (c)/(d) req/s at c=32: ${fmt(info.rpsRatioC32_cOverD)}`,
  );
}
