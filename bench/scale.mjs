// omnigate scale-out benchmark (issue 17): what one job costs Redis, the API and a worker, so that
// docs/scaling.md can say how many processes, Redis shards and S3 requests 1k, 10k and 100k
// jobs/s take. Every set-up is an API (ROLE=api WORKER_LANES=interactive: HTTP only, so every
// hop takes the queue) and W workers (ROLE=worker, both lanes, SANDBOX_PROCESSES=1 each, so that
// a worker process is one unit of hop capacity), sharing a redis-server of the run's own on a
// free port, a fresh QUEUE_PREFIX and a BLOB_DIR in a temp dir (QUEUE_DRIVER=bullmq,
// LOG_LEVEL=warn, NODE_ENV=production, ADAPTER_MODULES=./bench/adapters/relay.mjs), run from a
// copy of the build in bench/results/build-scale/. Phases (BENCH_SCALE_ONLY):
//   perjob      1 API + 1 worker, and a bystander: a second API that no client calls (its CPU
//               is what one more process pays for the others' jobs: their events). Idle: IDLE_S s with no traffic, its rates (Redis commands,
//               bytes, CPU; the processes' CPU) are subtracted from every window below. Then,
//               each in a window of its own (CONFIG RESETSTAT at the start; INFO commandstats,
//               INFO stats total_net_input_bytes/total_net_output_bytes and INFO cpu
//               used_cpu_sys+used_cpu_user deltas; /proc CPU of the API and of the worker with
//               its sandbox processes), JOBS sync POST /v1/infer from CONC closed loops, each
//               answer checked:
//                 echo       {"inputs":[{"text":"hello"}],"output":"text","task":"echo"} (builtin.echo, 1 hop)
//                 relay-1    task relay-one: bench.relay-one (1 no-op hop, text → text)
//                 relay-3    task relay-end: text → signal → image → text (3 no-op hops)
//                 webp       the fixture PNG (image/fixture.png, uploaded once) → image/webp, task convert
//                            (builtin.sharp, 1 hop; WEBP_JOBS of them)
//               Per hop = (relay-3 − relay-1) / 2. Then a batch of BATCH_LINES echo lines
//               (files.create + batches.create with the `openai` client, polled every 200 ms;
//               the polls' own commands are in it), per line = its window / lines. Then
//               MONITOR_JOBS jobs of relay-1, relay-3 and webp under MONITOR: each command
//               classed by the key it touches (per job, per queue, one global key, PUBLISH), for
//               the Redis Cluster model (MONITOR slows Redis: no timing is taken there); and
//               PUBSUB NUMSUB of <prefix>:job-events, with a listener of the bench's own on it
//               (as one more API process would be): the messages and bytes each job sends it.
//   throughput  PNG → WebP of an IMAGE_WIDTH-wide PNG (made from image/fixture.jpg with sharp,
//               uploaded once) with 1 API and W workers for each W of WORKERS: LOAD_WARMUP_S s,
//               then LOAD_CONC closed loops for LOAD_S s (bench/lib/load.mjs): jobs/s, p50/p99,
//               CPU of each process, Redis CPU per 1,000 jobs.
//   blobs       1 API + 1 worker with the fs store, then with BLOB_STORE=s3 against s3rver
//               (bench/servers/s3rver-counting.mjs, a child on a free port that counts the S3
//               requests it serves by operation; S3_ENDPOINT, S3_BUCKET, S3_REGION,
//               S3_FORCE_PATH_STYLE=true, S3_PREFIX, AWS_ACCESS_KEY_ID/SECRET=S3RVER): for each
//               size of BLOB_SIZES, BLOB_REPS uploads (POST /v1/blobs, fresh random bytes each)
//               and downloads (GET /v1/blobs/:id, length checked), one at a time; p50/p99 and the
//               s3 / fs ratio. With S3: S3 requests per job for S3_JOBS webp and relay-3 jobs.
//               The S3 part is skipped, saying why, when the built gateway does not start with
//               BLOB_STORE=s3 or leaves s3rver untouched by an upload (a build without the S3
//               store ignores the variable).
// Everything it starts or writes is stopped or removed at the end, also on failure or Ctrl-C.
// Usage: npm run bench:scale   (builds, then runs this file; about 4 minutes with the defaults).
// Knobs (env):
//   BENCH_GATEWAY_MAIN=path/to/main.js  compiled gateway (default dist/apps/gateway/apps/gateway/src/main.js)
//   BENCH_SCALE_ONLY=perjob,throughput,blobs
//   BENCH_SCALE_IDLE_S=5  BENCH_SCALE_WARMUP=100 (jobs per kind, before its window)
//   BENCH_SCALE_JOBS=1000  BENCH_SCALE_WEBP_JOBS=300  BENCH_SCALE_CONC=8
//   BENCH_SCALE_BATCH_LINES=1000  BENCH_SCALE_MONITOR_JOBS=50 (0: no MONITOR pass)
//   BENCH_SCALE_WORKERS=1,2,4  BENCH_SCALE_LOAD_CONC=16  BENCH_SCALE_LOAD_S=15
//   BENCH_SCALE_LOAD_WARMUP_S=3  BENCH_SCALE_IMAGE_WIDTH=1024
//   BENCH_SCALE_SANDBOX_PROCESSES=1  (each worker's SANDBOX_PROCESSES)
//   BENCH_SCALE_S3=auto|off  BENCH_SCALE_BLOB_SIZES=65536,8388608  BENCH_SCALE_BLOB_REPS=20
//   BENCH_SCALE_S3_JOBS=50
//   BENCH_OUT=scale.json (under bench/results/)
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { MAIN_IN_BUILD, snapshotGatewayBuild } from './lib/build.mjs';
import { benchRun } from './lib/lifecycle.mjs';
import { httpRequest, postJson } from './lib/http.mjs';
import { closedLoop } from './lib/load.mjs';
import { childPids, cpuWindow, machineInfo } from './lib/machine.mjs';
import { fmt, latencyStats, markdownTable, round } from './lib/numbers.mjs';
import {
  freePort,
  redisCommandStats,
  redisVersion,
  spawnLogged,
  startGatewayChild,
  startRedis,
  tail,
  waitUntilOk,
} from './lib/processes.mjs';
import { LOG_DIR, RESULTS_DIR, ROOT, SOURCE_MAIN } from './lib/shared.mjs';

const env = process.env;
const list = (v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const num = (name, fallback) => {
  const v = Number(env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number >= 0`);
  return v;
};
const ONLY = new Set(list(env.BENCH_SCALE_ONLY ?? 'perjob,throughput,blobs'));
const IDLE_S = num('BENCH_SCALE_IDLE_S', 5);
const WARMUP = num('BENCH_SCALE_WARMUP', 100);
const JOBS = num('BENCH_SCALE_JOBS', 1000);
const WEBP_JOBS = num('BENCH_SCALE_WEBP_JOBS', 300);
const CONC = num('BENCH_SCALE_CONC', 8);
const BATCH_LINES = num('BENCH_SCALE_BATCH_LINES', 1000);
const MONITOR_JOBS = num('BENCH_SCALE_MONITOR_JOBS', 50);
const WORKERS = list(env.BENCH_SCALE_WORKERS ?? '1,2,4').map(Number);
const LOAD_CONC = num('BENCH_SCALE_LOAD_CONC', 16);
const LOAD_S = num('BENCH_SCALE_LOAD_S', 15);
const LOAD_WARMUP_S = num('BENCH_SCALE_LOAD_WARMUP_S', 3);
const IMAGE_WIDTH = num('BENCH_SCALE_IMAGE_WIDTH', 1024);
const SANDBOX_PROCESSES = num('BENCH_SCALE_SANDBOX_PROCESSES', 1);
const S3 = env.BENCH_SCALE_S3 ?? 'auto';
const BLOB_SIZES = list(env.BENCH_SCALE_BLOB_SIZES ?? '65536,8388608').map(Number);
const BLOB_REPS = num('BENCH_SCALE_BLOB_REPS', 20);
const S3_JOBS = num('BENCH_SCALE_S3_JOBS', 50);
for (const phase of ONLY) {
  if (!['perjob', 'throughput', 'blobs'].includes(phase)) {
    throw new Error(`BENCH_SCALE_ONLY: unknown phase ${phase} (perjob, throughput, blobs)`);
  }
}
if (!['auto', 'off'].includes(S3)) throw new Error('BENCH_SCALE_S3 must be auto or off');
if (WORKERS.some((w) => !Number.isInteger(w) || w < 1)) {
  throw new Error('BENCH_SCALE_WORKERS must list whole numbers >= 1');
}

const SNAPSHOT_DIR = join(RESULTS_DIR, 'build-scale');
const RUN_ID = `scale${process.pid}${Date.now().toString(36)}`;
const FIXTURES = env.OMNIGATE_FIXTURES ?? resolve(ROOT, '../shared/fixtures');
const ADAPTER_MODULE = './bench/adapters/relay.mjs';
const S3_BUCKET = 'omnigate-bench';
/** The bench's own commands, which are not the gateway's work. */
const OWN_COMMANDS = new Set(['info', 'config', 'monitor']);

/** The job kinds of the perjob phase: the request body, its expected route and answer. */
const TEXT_KINDS = {
  echo: {
    what: 'builtin.echo, 1 hop',
    body: { inputs: [{ text: 'hello' }], output: 'text', task: 'echo' },
    route: ['builtin.echo'],
  },
  'relay-1': {
    what: 'bench.relay-one, 1 no-op hop',
    body: { inputs: [{ text: 'hello' }], output: 'text', task: 'relay-one' },
    route: ['bench.relay-one'],
  },
  'relay-3': {
    what: 'bench.relay-a → relay-b → relay-end, 3 no-op hops',
    body: { inputs: [{ text: 'hello' }], output: 'text', task: 'relay-end' },
    route: ['bench.relay-a', 'bench.relay-b', 'bench.relay-end'],
  },
};

/**
 * PNG → WebP of an uploaded image. The task is named: with the relay adapters loaded (cost 0),
 * the router would otherwise take image → text → signal → image through them.
 */
const webpBody = (blobId) => ({
  inputs: [{ blobId }],
  output: { modality: 'image', mediaType: 'image/webp' },
  task: 'convert',
});

let redis;
let s3server;
const { children, mkTemp, stopGateway, cleanup, start } = benchRun({ redis: () => redis });
start(main);

async function main() {
  mkdirSync(LOG_DIR, { recursive: true });
  const machine = machineInfo();
  const build = snapshotGatewayBuild(SOURCE_MAIN, SNAPSHOT_DIR);
  console.log('omnigate scale-out benchmark: Redis, API and worker cost per job; workers; blob stores');
  console.log(
    `machine: ${machine.nproc} CPU (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, ${machine.os}, load ${machine.loadAvg1m}`,
  );
  console.log(
    `gateway: ${build.source}, run from a copy in bench/results/build-scale/ (commit ${build.commit})`,
  );
  redis = await startRedis(children, join(LOG_DIR, 'scale-redis.log'));
  machine.redisVersion = await redisVersion(redis.client);
  console.log(
    `redis ${machine.redisVersion} on 127.0.0.1:${redis.port} (pid ${redis.proc.pid}, no persistence)`,
  );
  const started = Date.now();

  const results = {};
  if (ONLY.has('perjob')) results.perJob = await perJobPhase();
  if (ONLY.has('throughput')) results.throughput = await throughputPhase();
  if (ONLY.has('blobs')) results.blobs = await blobsPhase();
  const model = results.perJob ? modelInputs(results) : undefined;

  const output = {
    generatedAt: new Date().toISOString(),
    command: `${Object.entries(env)
      .filter(([k]) => k.startsWith('BENCH_'))
      .map(([k, v]) => `${k}=${v} `)
      .join('')}${env.BENCH_GATEWAY_MAIN ? 'node bench/scale.mjs' : 'npm run bench:scale'}`,
    build,
    settings: {
      phases: [...ONLY],
      idleS: IDLE_S,
      warmup: WARMUP,
      jobs: JOBS,
      webpJobs: WEBP_JOBS,
      concurrency: CONC,
      batchLines: BATCH_LINES,
      monitorJobs: MONITOR_JOBS,
      workers: WORKERS,
      loadConcurrency: LOAD_CONC,
      loadS: LOAD_S,
      loadWarmupS: LOAD_WARMUP_S,
      imageWidth: IMAGE_WIDTH,
      sandboxProcessesPerWorker: SANDBOX_PROCESSES,
      s3: S3,
      blobSizes: BLOB_SIZES,
      blobReps: BLOB_REPS,
      s3Jobs: S3_JOBS,
    },
    machine,
    ...results,
    model,
    loadAvgAtEnd: round(os.loadavg()[0], 2),
    wallS: Math.round((Date.now() - started) / 1000),
  };
  if (model) printModel(model);
  const outFile = join(RESULTS_DIR, env.BENCH_OUT ?? 'scale.json');
  writeFileSync(outFile, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nresults: ${outFile} (${output.wallS} s)`);
  await cleanup();
}

// ---------------------------------------------------------------- set-ups

/**
 * An API and `workers` workers sharing a fresh QUEUE_PREFIX and BLOB_DIR; `extraEnv` on all of
 * them (e.g. the S3 store). Resolves { api, workers, prefix, stop() }.
 */
async function startSetup(name, workers, extraEnv = {}, privateEnv = {}, { bystander = false } = {}) {
  const blobDir = mkTemp(`omnigate-scale-${name}-`);
  const prefix = `${RUN_ID}${name.replace(/[^A-Za-z0-9]/g, '')}`;
  const common = {
    QUEUE_DRIVER: 'bullmq',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ADAPTER_MODULES: ADAPTER_MODULE,
    ...extraEnv,
  };
  const started = [];
  const stop = async () => {
    // Workers first: the API holds nothing they need.
    for (const g of [...started].reverse()) await stopGateway(g);
  };
  const launch = (role, publicEnv) =>
    startGatewayChild(children, {
      name: `scale-${name}-${role}`,
      main: join(SNAPSHOT_DIR, MAIN_IN_BUILD),
      cwd: ROOT,
      logFile: join(LOG_DIR, `scale-${name}-${role}.log`),
      publicEnv: { ...publicEnv, ...common },
      privateEnv: { QUEUE_PREFIX: prefix, REDIS_URL: `redis://127.0.0.1:${redis.port}`, ...privateEnv },
      dropEnv: ['API_KEYS', 'OPENAI_API_KEY', 'OPENAI_BACKENDS', 'WORKER_NICE', 'WORKER_LANES', 'DISPATCH'],
      // Shared by the set-up's processes: a worker reads the file the API stored.
      blobDir,
    }).then((child) => {
      started.push(child);
      return Object.assign(child, { role });
    });
  try {
    const api = await launch('api', { ROLE: 'api', WORKER_LANES: 'interactive' });
    const ws = [];
    for (let i = 1; i <= workers; i++) {
      ws.push(await launch(`worker${i}`, { ROLE: 'worker', SANDBOX_PROCESSES: String(SANDBOX_PROCESSES) }));
    }
    // An API no client calls: what it spends on the other processes' jobs (their events).
    const idleApi = bystander
      ? await launch('bystander', { ROLE: 'api', WORKER_LANES: 'interactive' })
      : undefined;
    return { api, workers: ws, bystander: idleApi, prefix, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The pids a CPU window reads: the API and each worker, each with its children (sandboxes). */
function setupPids(setup) {
  const withChildren = (g) => [g.proc.pid, ...childPids(g.proc.pid)];
  return {
    api: withChildren(setup.api),
    workers: setup.workers.flatMap(withChildren),
    redis: redis.proc.pid,
    ...(setup.bystander ? { bystander: withChildren(setup.bystander) } : {}),
  };
}

// ---------------------------------------------------------------- Redis windows

const infoNumber = (text, field) => Number(text.match(new RegExp(`^${field}:([\\d.]+)`, 'm'))?.[1]);

/** Redis's own counters: bytes in and out since start, CPU seconds (user + system, all threads). */
async function redisCounters() {
  const [stats, cpu] = await Promise.all([redis.client.info('stats'), redis.client.info('cpu')]);
  return {
    netIn: infoNumber(stats, 'total_net_input_bytes'),
    netOut: infoNumber(stats, 'total_net_output_bytes'),
    cpuS: infoNumber(cpu, 'used_cpu_sys') + infoNumber(cpu, 'used_cpu_user'),
  };
}

/** INFO commandstats without the bench's own INFO/CONFIG/MONITOR. */
async function gatewayCommands() {
  const stats = await redisCommandStats(redis.client);
  const byCommand = Object.fromEntries(
    Object.entries(stats.byCommand).filter(([name]) => !OWN_COMMANDS.has(name)),
  );
  const usecByCommand = Object.fromEntries(
    Object.entries(stats.usecByCommand).filter(([name]) => !OWN_COMMANDS.has(name)),
  );
  const total = Object.values(byCommand).reduce((a, v) => a + v, 0);
  return { total, byCommand, usecByCommand };
}

/**
 * A measuring window: CONFIG RESETSTAT, Redis's counters and the processes' CPU now; `end()`
 * gives the deltas { elapsedS, commands, netInBytes, netOutBytes, redisCpuS, cpuS: {…} }.
 */
async function openWindow(pids) {
  await redis.client.config('RESETSTAT');
  const before = await redisCounters();
  const cpu = cpuWindow(pids);
  return {
    async end() {
      const c = cpu.end();
      const after = await redisCounters();
      const commands = await gatewayCommands();
      return {
        elapsedS: c.elapsedS,
        commands,
        netInBytes: after.netIn - before.netIn,
        netOutBytes: after.netOut - before.netOut,
        redisCpuS: after.cpuS - before.cpuS,
        cpuS: c.cpuS,
        cpuPct: c.cpuPct,
      };
    },
  };
}

/** The idle rates (per second) of a window with no traffic: what every window is charged anyway. */
function idleRates(w) {
  const per = (v) => v / w.elapsedS;
  return {
    seconds: round(w.elapsedS, 2),
    commandsPerS: round(per(w.commands.total), 2),
    byCommandPerS: Object.fromEntries(Object.entries(w.commands.byCommand).map(([k, v]) => [k, per(v)])),
    netInPerS: per(w.netInBytes),
    netOutPerS: per(w.netOutBytes),
    redisCpuPerS: per(w.redisCpuS),
    cpuPerS: Object.fromEntries(Object.entries(w.cpuS).map(([k, v]) => [k, per(v)])),
  };
}

/**
 * A window's cost per unit (job, hop or batch line): its deltas less `idle` × its length, over
 * `units`. Commands by type: the top 10, per unit.
 */
function perUnit(w, idle, units) {
  const net = (v, rate) => (v - (idle ? rate * w.elapsedS : 0)) / units;
  const byCommand = Object.fromEntries(
    Object.entries(w.commands.byCommand).map(([k, v]) => [k, net(v, idle?.byCommandPerS[k] ?? 0)]),
  );
  const top10 = Object.fromEntries(
    Object.entries(byCommand)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([k, v]) => [k, round(v, 2)]),
  );
  const usecTotal = Object.values(w.commands.usecByCommand).reduce((a, v) => a + v, 0);
  const usecTop = Object.fromEntries(
    Object.entries(w.commands.usecByCommand)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([k, v]) => [k, round(v / units, 2)]),
  );
  return {
    commands: round(net(w.commands.total, idle?.commandsPerS ?? 0), 2),
    commandsRaw: round(w.commands.total / units, 2),
    top10,
    netInBytes: round(net(w.netInBytes, idle?.netInPerS ?? 0), 0),
    netOutBytes: round(net(w.netOutBytes, idle?.netOutPerS ?? 0), 0),
    redisCpuMs: round(1000 * net(w.redisCpuS, idle?.redisCpuPerS ?? 0), 4),
    // Redis's own execution time of the commands (commandstats usec): the rest of its CPU is
    // reading, parsing and answering (network I/O).
    redisExecUs: round(usecTotal / units, 2),
    redisExecUsTop: usecTop,
    cpuMs: Object.fromEntries(
      Object.entries(w.cpuS).map(([k, v]) => [k, round(1000 * net(v, idle?.cpuPerS[k] ?? 0), 4)]),
    ),
  };
}

// ---------------------------------------------------------------- perjob

async function perJobPhase() {
  console.log(
    '\n=== perjob: Redis commands, bytes and CPU per job, per hop, per batch line (1 API + 1 worker)',
  );
  const setup = await startSetup('perjob', 1, {}, {}, { bystander: true });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(CONC, 4) });
    const png = readFileSync(join(FIXTURES, 'image/fixture.png'));
    const pngId = await upload(setup.api, png, 'image/png');
    const kinds = {
      ...TEXT_KINDS,
      webp: {
        what: `image/fixture.png (${png.length} bytes) → image/webp, builtin.sharp, 1 hop`,
        body: webpBody(pngId),
        route: ['builtin.sharp'],
        image: true,
      },
    };
    const request = (kind) => jobCall(setup.api, kinds[kind], agent);
    // Every kind once, checked, and warm (the sandbox processes start on first use).
    for (const kind of Object.keys(kinds)) {
      const r = await request(kind);
      if (!r.ok) throw new Error(`${kind}: unexpected answer ${r.status} ${r.detail}`);
      await runJobs(WARMUP, CONC, () => request(kind));
    }
    process.stdout.write(`idle: ${IDLE_S} s without traffic ... `);
    let w = await openWindow(setupPids(setup));
    await sleep(IDLE_S * 1000);
    const idle = idleRates(await w.end());
    console.log(
      `${fmt(idle.commandsPerS, 1)} Redis commands/s, Redis CPU ${fmt(idle.redisCpuPerS * 100, 2)}%`,
    );

    const jobs = {};
    for (const kind of Object.keys(kinds)) {
      const n = kinds[kind].image ? WEBP_JOBS : JOBS;
      w = await openWindow(setupPids(setup));
      const calls = await runJobs(n, CONC, () => request(kind));
      const window = await w.end();
      jobs[kind] = summarizeJobs(kind, kinds[kind].what, calls, window, idle);
    }
    const perHop = hopDifference(jobs['relay-1'], jobs['relay-3']);
    const batch = await batchLines(setup, idle);
    const keys = MONITOR_JOBS > 0 ? await keyClasses(setup, kinds, request) : undefined;
    agent.destroy();
    printPerJob(jobs, perHop, batch, keys);
    const bad = Object.values(jobs).reduce((a, j) => a + j.bad, 0);
    if (bad > 0) throw new Error(`${bad} jobs failed or answered wrong (see above)`);
    return { idle, jobs, perHop, batch, keys };
  } finally {
    await setup.stop();
  }
}

/** One sync job: { ok, ms, status, detail }, the route and the output checked. */
async function jobCall(api, kind, agent) {
  try {
    const r = await postJson(`${api.url}/v1/infer`, JSON.stringify(kind.body), agent);
    const route = r.json?.route?.map((s) => s.adapter);
    const out = r.json?.outputs?.[0];
    const ok =
      r.status === 200 &&
      JSON.stringify(route) === JSON.stringify(kind.route) &&
      (kind.image ? out?.mediaType === 'image/webp' : out?.text === 'hello');
    return { ok, ms: r.ms, status: r.status, detail: ok ? '' : r.text.slice(0, 300) };
  } catch (err) {
    return { ok: false, ms: NaN, status: 0, detail: err.message };
  }
}

/** `n` calls of `once` from `conc` closed loops; the answers in order of completion. */
async function runJobs(n, conc, once) {
  let started = 0;
  const calls = [];
  await Promise.all(
    Array.from({ length: Math.min(conc, n) }, async () => {
      while (started < n) {
        started++;
        calls.push(await once());
      }
    }),
  );
  return calls;
}

function summarizeJobs(kind, what, calls, window, idle) {
  const ok = calls.filter((c) => c.ok);
  const bad = calls.length - ok.length;
  if (bad > 0) console.log(`${kind}: ${bad} bad answers, e.g. ${calls.find((c) => !c.ok).detail}`);
  return {
    kind,
    what,
    jobs: ok.length,
    bad,
    elapsedS: round(window.elapsedS, 3),
    jobsPerS: round(ok.length / window.elapsedS, 1),
    latencyMs: latencyStats(
      ok.map((c) => c.ms),
      2,
    ),
    cpuPct: window.cpuPct,
    perJob: perUnit(window, idle, calls.length),
  };
}

/** (3 hops − 1 hop) / 2 of every per-job figure: the cost of one more hop. */
function hopDifference(one, three) {
  const diff = (a, b, d) => round((b - a) / 2, d);
  const a = one.perJob;
  const b = three.perJob;
  const names = new Set([...Object.keys(a.top10), ...Object.keys(b.top10)]);
  return {
    commands: diff(a.commands, b.commands, 2),
    top: Object.fromEntries(
      [...names]
        .map((k) => [k, diff(a.top10[k] ?? 0, b.top10[k] ?? 0, 2)])
        .sort((x, y) => y[1] - x[1])
        .slice(0, 10),
    ),
    netInBytes: diff(a.netInBytes, b.netInBytes, 0),
    netOutBytes: diff(a.netOutBytes, b.netOutBytes, 0),
    redisCpuMs: diff(a.redisCpuMs, b.redisCpuMs, 4),
    cpuMs: Object.fromEntries(Object.keys(a.cpuMs).map((k) => [k, diff(a.cpuMs[k], b.cpuMs[k], 4)])),
  };
}

/** A batch of BATCH_LINES echo lines, created and polled until completed, in a window of its own. */
async function batchLines(setup, idle) {
  if (BATCH_LINES <= 0) return undefined;
  const openai = new OpenAI({ baseURL: `${setup.api.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const lines = Array.from(
    { length: BATCH_LINES },
    (_, i) =>
      `${JSON.stringify({ custom_id: `l-${i}`, method: 'POST', url: '/v1/infer', body: TEXT_KINDS.echo.body })}\n`,
  ).join('');
  const run = async () => {
    const file = await openai.files.create({
      file: await toFile(Buffer.from(lines), 'scale.jsonl'),
      purpose: 'batch',
    });
    const w = await openWindow(setupPids(setup));
    const created = await openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/infer',
      completion_window: '24h',
    });
    let polls = 0;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const batch = await openai.batches.retrieve(created.id);
      polls++;
      if (['completed', 'failed', 'cancelled', 'expired'].includes(batch.status)) {
        return { batch, window: await w.end(), polls };
      }
      if (Date.now() > deadline) throw new Error(`batch ${created.id} still ${batch.status} after 180 s`);
      await sleep(200);
    }
  };
  process.stdout.write(`batch: ${BATCH_LINES} echo lines (and a warm-up batch first) ... `);
  await run();
  const { batch, window, polls } = await run();
  const rc = batch.request_counts ?? {};
  if (batch.status !== 'completed' || rc.completed !== BATCH_LINES || rc.failed !== 0) {
    throw new Error(`batch ended ${batch.status} with ${JSON.stringify(rc)}`);
  }
  console.log(`completed in ${fmt(window.elapsedS, 2)} s`);
  return {
    lines: BATCH_LINES,
    elapsedS: round(window.elapsedS, 3),
    linesPerS: round(BATCH_LINES / window.elapsedS, 1),
    polls,
    perLine: perUnit(window, idle, BATCH_LINES),
  };
}

/**
 * MONITOR_JOBS jobs of relay-1, relay-3 and webp under MONITOR: each command classed by its
 * key (the first key of a script), for where its keys would land in a Redis Cluster.
 */
async function keyClasses(setup, kinds, request) {
  const prefix = `${setup.prefix}:`;
  const monitor = await redis.client.monitor();
  let tally;
  monitor.on('monitor', (_time, args, source) => {
    if (!tally) return;
    const command = String(args[0]).toLowerCase();
    if (OWN_COMMANDS.has(command)) return;
    const key = command === 'evalsha' || command === 'eval' ? args[3] : args[1];
    const klass = keyClass(command, key === undefined ? undefined : String(key), prefix);
    const inScript = source === 'lua';
    const entry = (tally[klass] ??= { topLevel: 0, inScripts: 0 });
    if (inScript) entry.inScripts++;
    else entry.topLevel++;
  });
  // The gateway's processes that hear every job's events (before this bench's own listener).
  const channel = `${prefix}job-events`;
  const [, subscribers] = await redis.client.pubsub('NUMSUB', channel);
  // A listener of our own, as one more API process would be: what each job sends it.
  const listener = redis.client.duplicate();
  let heard;
  listener.on('messageBuffer', (_channel, message) => {
    if (!heard) return;
    heard.messages++;
    heard.bytes += message.length;
  });
  await listener.subscribe(channel);
  const out = {};
  const events = {};
  try {
    for (const kind of ['relay-1', 'relay-3', 'webp']) {
      tally = {};
      heard = { messages: 0, bytes: 0 };
      await runJobs(MONITOR_JOBS, 4, () => request(kind));
      // The commands that follow the answer (the worker's completion) arrive just after it.
      await sleep(300);
      const t = tally;
      tally = undefined;
      events[kind] = {
        messagesPerJob: round(heard.messages / MONITOR_JOBS, 2),
        payloadBytesPerJob: round(heard.bytes / MONITOR_JOBS, 0),
      };
      heard = undefined;
      out[kind] = Object.fromEntries(
        Object.entries(t)
          .sort((a, b) => b[1].topLevel + b[1].inScripts - (a[1].topLevel + a[1].inScripts))
          .map(([k, v]) => [
            k,
            {
              topLevel: round(v.topLevel / MONITOR_JOBS, 2),
              inScripts: round(v.inScripts / MONITOR_JOBS, 2),
            },
          ]),
      );
    }
  } finally {
    monitor.disconnect();
    listener.disconnect();
  }
  return {
    jobsPerKind: MONITOR_JOBS,
    perJob: out,
    jobEvents: { channel: 'job-events', gatewaySubscribers: Number(subscribers), perListener: events },
  };
}

/** Segments under QUEUE_PREFIX that are not BullMQ queues, and where their keys belong. */
const KEY_SEGMENTS = {
  job: 'per job: job record, its active mark (<prefix>:job:<id>…)',
  blob: 'per job: job-tier blobs (<prefix>:blob:<id>)',
  batch: 'per batch (<prefix>:batch:<id>…)',
  jobs: 'global key: recent jobs (<prefix>:jobs:recent)',
  'direct-leases': 'global key: direct-lane leases',
  batches: 'global key: batch order / active batches',
  files: 'global key: files',
  adapters: 'global key: adapter registrations',
  ratelimit: 'per rate-limit key',
  bus: 'global channel: cluster bus',
};

function keyClass(command, key, prefix) {
  if (command === 'publish') return key?.endsWith(':job-events') ? 'PUBLISH job-events' : 'PUBLISH other';
  if (key === undefined) return `no key (${command})`;
  if (!key.startsWith(prefix)) return 'other key';
  const segment = key.slice(prefix.length).split(':')[0];
  return KEY_SEGMENTS[segment] ?? 'per queue: BullMQ keys of one adapter queue (<prefix>:<adapter>:…)';
}

// ---------------------------------------------------------------- throughput

async function throughputPhase() {
  console.log(
    `\n=== throughput: PNG → WebP (${IMAGE_WIDTH} px wide), 1 API + W workers, ${LOAD_CONC} closed loops`,
  );
  const png = await sharp(join(FIXTURES, 'image/fixture.jpg'))
    .resize({ width: IMAGE_WIDTH })
    .png()
    .toBuffer({ resolveWithObject: true });
  console.log(`image: ${png.info.width}×${png.info.height} PNG, ${png.data.length} bytes`);
  const runs = [];
  for (const workers of WORKERS) {
    const setup = await startSetup(`load${workers}w`, workers);
    try {
      const agent = new http.Agent({ keepAlive: true, maxSockets: LOAD_CONC });
      const blobId = await upload(setup.api, png.data, 'image/png');
      const kind = {
        body: webpBody(blobId),
        route: ['builtin.sharp'],
        image: true,
      };
      const once = () => jobCall(setup.api, kind, agent);
      const first = await once();
      if (!first.ok) throw new Error(`webp: unexpected answer ${first.status} ${first.detail}`);
      await closedLoop(LOAD_CONC, LOAD_WARMUP_S, once);
      const w = await openWindow(setupPids(setup));
      const load = await closedLoop(LOAD_CONC, LOAD_S, once);
      const window = await w.end();
      agent.destroy();
      const jobs = load.results.length;
      const run = {
        workers,
        jobs,
        bad: load.bad,
        elapsedS: round(load.elapsedS, 2),
        jobsPerS: round(jobs / load.elapsedS, 1),
        latencyMs: latencyStats(
          load.results.map((r) => r.ms),
          1,
        ),
        cpuPct: window.cpuPct,
        redisCpuSPer1000Jobs: round((1000 * window.redisCpuS) / jobs, 3),
        redisCommandsPerJob: round(window.commands.total / jobs, 1),
        cpuMsPerJob: Object.fromEntries(
          Object.entries(window.cpuS).map(([k, v]) => [k, round((1000 * v) / jobs, 2)]),
        ),
      };
      console.log(
        `${workers} worker(s): ${fmt(run.jobsPerS, 1)} jobs/s, p50 ${fmt(run.latencyMs.p50, 1)} p99 ${fmt(run.latencyMs.p99, 1)} ms, ${run.bad} bad; CPU ${Object.entries(
          run.cpuPct,
        )
          .map(([k, v]) => `${k} ${v}%`)
          .join(', ')}`,
      );
      runs.push(run);
    } finally {
      await setup.stop();
    }
  }
  const base = runs[0]?.jobsPerS;
  for (const run of runs) run.speedupVsFirst = round(run.jobsPerS / base, 2);
  console.log(
    `\n${markdownTable(
      [
        'workers',
        'jobs/s',
        'speed-up',
        'p50 ms',
        'p99 ms',
        'API CPU',
        'workers CPU',
        'Redis CPU',
        'other CPU',
        'Redis s / 1,000 jobs',
      ],
      runs.map((r) => [
        String(r.workers),
        fmt(r.jobsPerS, 1),
        fmt(r.speedupVsFirst, 2),
        fmt(r.latencyMs.p50, 1),
        fmt(r.latencyMs.p99, 1),
        `${r.cpuPct.api}%`,
        `${r.cpuPct.workers}%`,
        `${r.cpuPct.redis}%`,
        `${r.cpuPct.other}%`,
        fmt(r.redisCpuSPer1000Jobs, 3),
      ]),
    )}`,
  );
  if (runs.some((r) => r.bad > 0)) throw new Error('throughput: some jobs failed or answered wrong');
  return { image: { width: png.info.width, height: png.info.height, bytes: png.data.length }, runs };
}

// ---------------------------------------------------------------- blobs

async function blobsPhase() {
  console.log(`\n=== blobs: fs vs s3 store, upload and download of ${BLOB_SIZES.join(', ')} bytes`);
  const fsSetup = await startSetup('blobsfs', 1);
  let fsResult;
  try {
    fsResult = await blobLatency(fsSetup.api);
  } finally {
    await fsSetup.stop();
  }
  const out = { fs: fsResult };
  if (S3 === 'off') {
    out.s3 = { skipped: 'BENCH_SCALE_S3=off' };
  } else {
    out.s3 = await s3Part();
  }
  if (!out.s3.skipped) {
    out.ratios = Object.fromEntries(
      BLOB_SIZES.map((size) => {
        const f = out.fs.bySize[size];
        const s = out.s3.bySize[size];
        return [
          size,
          {
            uploadP50: round(s.upload.p50 / f.upload.p50, 2),
            downloadP50: round(s.download.p50 / f.download.p50, 2),
            uploadP99: round(s.upload.p99 / f.upload.p99, 2),
            downloadP99: round(s.download.p99 / f.download.p99, 2),
          },
        ];
      }),
    );
  }
  printBlobs(out);
  return out;
}

async function s3Part() {
  const port = await freePort();
  const controlPort = await freePort();
  const dir = mkTemp('omnigate-scale-s3rver-');
  const logFile = join(LOG_DIR, 'scale-s3rver.log');
  const proc = spawnLogged(
    process.execPath,
    [
      join(ROOT, 'bench/servers/s3rver-counting.mjs'),
      '--port',
      String(port),
      '--control-port',
      String(controlPort),
      '--dir',
      dir,
      '--bucket',
      S3_BUCKET,
    ],
    logFile,
    { cwd: ROOT },
  );
  s3server = { proc, name: 's3rver', control: `http://127.0.0.1:${controlPort}` };
  children.add(s3server);
  await waitUntilOk(proc, `${s3server.control}/counts`, 15_000, { what: 's3rver', logFile });
  console.log(`s3rver: pid ${proc.pid} on 127.0.0.1:${port}, bucket ${S3_BUCKET}`);
  const s3Env = {
    BLOB_STORE: 's3',
    S3_BUCKET,
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_REGION: 'us-east-1',
    S3_FORCE_PATH_STYLE: 'true',
    S3_PREFIX: `${RUN_ID}/`,
  };
  let setup;
  try {
    setup = await startSetup('blobss3', 1, s3Env, {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
  } catch (err) {
    const reason = `the built gateway does not start with BLOB_STORE=s3: ${err.message.split('\n').slice(0, 6).join(' | ')}`;
    console.log(`S3 part skipped: ${reason}`);
    return { skipped: reason };
  }
  try {
    await resetS3Counts();
    await upload(setup.api, randomBytes(256 * 1024), 'application/octet-stream');
    const probe = await s3Counts();
    if (probe.total === 0) {
      const reason =
        'the built gateway ignores BLOB_STORE=s3 (an upload sent s3rver no request): a build without the S3 store';
      console.log(`S3 part skipped: ${reason}`);
      return { skipped: reason };
    }
    const result = await blobLatency(setup.api);
    result.requestsPerJob = await s3RequestsPerJob(setup);
    result.s3rverLog = tail(logFile, 5);
    return result;
  } finally {
    await setup.stop();
  }
}

async function s3Counts() {
  return (await httpRequest(`${s3server.control}/counts`)).json;
}
async function resetS3Counts() {
  await httpRequest(`${s3server.control}/reset`, { method: 'POST', body: '' });
}

/** S3 requests per job, by operation, for S3_JOBS webp (small PNG) and relay-3 jobs. */
async function s3RequestsPerJob(setup) {
  const png = readFileSync(join(FIXTURES, 'image/fixture.png'));
  const pngId = await upload(setup.api, png, 'image/png');
  const kinds = {
    'relay-3': TEXT_KINDS['relay-3'],
    webp: {
      body: webpBody(pngId),
      route: ['builtin.sharp'],
      image: true,
    },
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const out = {};
  for (const [name, kind] of Object.entries(kinds)) {
    await runJobs(10, 4, () => jobCall(setup.api, kind, agent));
    await resetS3Counts();
    const calls = await runJobs(S3_JOBS, 4, () => jobCall(setup.api, kind, agent));
    const counts = await s3Counts();
    out[name] = {
      jobs: S3_JOBS,
      bad: calls.filter((c) => !c.ok).length,
      requests: round(counts.total / S3_JOBS, 2),
      byOp: Object.fromEntries(Object.entries(counts.byOp).map(([k, v]) => [k, round(v / S3_JOBS, 2)])),
    };
  }
  agent.destroy();
  return out;
}

/** BLOB_REPS uploads and downloads of each size, one at a time: latency in ms. */
async function blobLatency(api) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const bySize = {};
  for (const size of BLOB_SIZES) {
    const up = [];
    const down = [];
    for (let i = 0; i < BLOB_REPS + 2; i++) {
      const data = randomBytes(size);
      const u = await httpRequest(`${api.url}/v1/blobs`, {
        method: 'POST',
        body: data,
        agent,
        headers: { 'content-type': 'application/octet-stream' },
      });
      if (u.status !== 201 || u.json?.bytes !== size) {
        throw new Error(`upload of ${size} bytes answered ${u.status} ${u.text.slice(0, 300)}`);
      }
      const d = await httpRequest(`${api.url}/v1/blobs/${u.json.id}`, { agent, headers: { accept: '*/*' } });
      if (d.status !== 200 || !d.buffer.equals(data)) {
        throw new Error(`download of ${size} bytes answered ${d.status} with ${d.buffer.length} bytes`);
      }
      // The first two of each size are a warm-up.
      if (i >= 2) {
        up.push(u.ms);
        down.push(d.ms);
      }
    }
    bySize[size] = { upload: latencyStats(up, 2), download: latencyStats(down, 2) };
  }
  agent.destroy();
  return { bySize };
}

// ---------------------------------------------------------------- helpers and report

async function upload(api, data, contentType) {
  const res = await httpRequest(`${api.url}/v1/blobs`, {
    method: 'POST',
    body: data,
    headers: { 'content-type': contentType },
  });
  if (res.status !== 201) throw new Error(`upload answered ${res.status} ${res.text.slice(0, 300)}`);
  return res.json.id;
}

/**
 * What docs/scaling.md's model starts from, per kind: Redis CPU per job → jobs/s one Redis core
 * carries at 100% busy, and the API and worker processes (one core each) that rate keeps busy.
 */
function modelInputs(results) {
  const { jobs, batch } = results.perJob;
  const rows = Object.fromEntries(
    [
      ...Object.entries(jobs).map(([k, j]) => [k, j.perJob]),
      ...(batch ? [['batch line', batch.perLine]] : []),
    ].map(([kind, p]) => {
      const jobsPerRedisCore = 1000 / p.redisCpuMs;
      return [
        kind,
        {
          redisCommands: p.commands,
          redisBytes: p.netInBytes + p.netOutBytes,
          redisCpuMs: p.redisCpuMs,
          apiCpuMs: p.cpuMs.api,
          workerCpuMs: p.cpuMs.workers,
          jobsPerRedisCore: round(jobsPerRedisCore, 0),
          apiProcessesAtThatRate: round((jobsPerRedisCore * p.cpuMs.api) / 1000, 1),
          workerProcessesAtThatRate: round((jobsPerRedisCore * p.cpuMs.workers) / 1000, 1),
        },
      ];
    }),
  );
  return { perKind: rows };
}

function printPerJob(jobs, perHop, batch, keys) {
  console.log('\nper job (idle rates subtracted), 1 API + 1 worker:');
  const rows = Object.values(jobs).map((j) => [
    j.kind,
    String(j.jobs),
    fmt(j.jobsPerS, 0),
    fmt(j.latencyMs.p50, 2),
    fmt(j.perJob.commands, 1),
    fmt(j.perJob.netInBytes, 0),
    fmt(j.perJob.netOutBytes, 0),
    fmt(j.perJob.redisCpuMs, 3),
    fmt(j.perJob.cpuMs.api, 3),
    fmt(j.perJob.cpuMs.workers, 3),
    fmt(j.perJob.cpuMs.bystander, 3),
  ]);
  rows.push([
    'per hop',
    '',
    '',
    '',
    fmt(perHop.commands, 1),
    fmt(perHop.netInBytes, 0),
    fmt(perHop.netOutBytes, 0),
    fmt(perHop.redisCpuMs, 3),
    fmt(perHop.cpuMs.api, 3),
    fmt(perHop.cpuMs.workers, 3),
    fmt(perHop.cpuMs.bystander, 3),
  ]);
  if (batch) {
    const p = batch.perLine;
    rows.push([
      'batch line',
      String(batch.lines),
      fmt(batch.linesPerS, 0),
      '',
      fmt(p.commands, 1),
      fmt(p.netInBytes, 0),
      fmt(p.netOutBytes, 0),
      fmt(p.redisCpuMs, 3),
      fmt(p.cpuMs.api, 3),
      fmt(p.cpuMs.workers, 3),
      fmt(p.cpuMs.bystander, 3),
    ]);
  }
  console.log(
    markdownTable(
      [
        'kind',
        'n',
        'jobs/s',
        'p50 ms',
        'commands',
        'bytes in',
        'bytes out',
        'Redis CPU ms',
        'API CPU ms',
        'worker CPU ms',
        'bystander API CPU ms',
      ],
      rows,
    ),
  );
  for (const j of Object.values(jobs)) {
    console.log(
      `  ${j.kind} top commands/job: ${Object.entries(j.perJob.top10)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  if (batch) {
    console.log(
      `  batch line top commands: ${Object.entries(batch.perLine.top10)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  if (keys) {
    console.log(
      `\nwhere a job's commands go (MONITOR, ${keys.jobsPerKind} jobs each; top level / inside scripts per job):`,
    );
    for (const [kind, classes] of Object.entries(keys.perJob)) {
      console.log(`  ${kind}:`);
      for (const [k, v] of Object.entries(classes)) console.log(`    ${v.topLevel} / ${v.inScripts}  ${k}`);
    }
    const ev = keys.jobEvents;
    console.log(
      `job events: ${ev.gatewaySubscribers} gateway process(es) subscribed to <prefix>:job-events; each listener hears, per job: ${Object.entries(
        ev.perListener,
      )
        .map(([k, v]) => `${k} ${v.messagesPerJob} messages, ${v.payloadBytesPerJob} bytes`)
        .join('; ')}`,
    );
  }
}

function printBlobs(out) {
  const rows = [];
  for (const store of ['fs', 's3']) {
    if (out[store]?.skipped) continue;
    for (const size of BLOB_SIZES) {
      const r = out[store].bySize[size];
      rows.push([
        store,
        String(size),
        fmt(r.upload.p50, 2),
        fmt(r.upload.p99, 2),
        fmt(r.download.p50, 2),
        fmt(r.download.p99, 2),
      ]);
    }
  }
  console.log(
    `\n${markdownTable(['store', 'bytes', 'upload p50 ms', 'upload p99 ms', 'download p50 ms', 'download p99 ms'], rows, 2)}`,
  );
  if (out.s3.skipped) console.log(`S3: skipped (${out.s3.skipped})`);
  else {
    for (const [size, r] of Object.entries(out.ratios)) {
      console.log(
        `s3 / fs, ${size} bytes: upload p50 ×${fmt(r.uploadP50, 2)}, download p50 ×${fmt(r.downloadP50, 2)}`,
      );
    }
    for (const [kind, r] of Object.entries(out.s3.requestsPerJob)) {
      console.log(
        `S3 requests per ${kind} job: ${fmt(r.requests, 2)} (${Object.entries(r.byOp)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
      );
    }
  }
}

function printModel(model) {
  console.log(
    '\nmodel inputs: one Redis core at 100% busy, and the processes (one core each) that rate keeps busy',
  );
  console.log(
    markdownTable(
      [
        'kind',
        'Redis commands',
        'Redis bytes',
        'Redis CPU ms',
        'jobs/s per Redis core',
        'API processes',
        'worker processes',
      ],
      Object.entries(model.perKind).map(([k, r]) => [
        k,
        fmt(r.redisCommands, 1),
        fmt(r.redisBytes, 0),
        fmt(r.redisCpuMs, 3),
        fmt(r.jobsPerRedisCore, 0),
        fmt(r.apiProcessesAtThatRate, 1),
        fmt(r.workerProcessesAtThatRate, 1),
      ]),
    ),
  );
}
