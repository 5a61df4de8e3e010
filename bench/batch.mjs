// omnigate batch benchmark (issue 7): a 10,000-line JSONL batch of small jobs on the built-in text
// adapters, through the official `openai` client, against one gateway child process
// (QUEUE_DRIVER=bullmq with a redis-server of its own on a free port, ROLE=all, LOG_LEVEL=warn,
// NODE_ENV=production, unique QUEUE_PREFIX, BLOB_DIR in a temp dir, BATCH_CONCURRENCY as below)
// started from a copy of the build in bench/results/build-batch/.
//   Lines: `{"custom_id":"l-N","method":"POST","url":"/v1/infer","body":{"inputs":[{"text":"hello N"}],
//   "output":"text","task":"echo"}}`, and every TEXT_EVERY-th line a builtin.text `keywords` or
//   `language` line instead (alternating). Uploaded with files.create({purpose: 'batch'}).
//   1. Warm-up: WARMUP interactive POST /v1/infer (echo, the body of bench/run.mjs) and one small
//      batch of 100 lines (so the batch path's code is warm too).
//   2. Baseline: the interactive stream alone for BASELINE_S s: INTERACTIVE_CONC loops, each
//      sending POST /v1/infer and awaiting the answer (node:http, keep-alive), latency per call.
//   3. Batch: batches.create, then batches.retrieve every 100 ms until a final status; the same
//      interactive stream runs until then. Lines/s = lines / (time from the create call to the
//      first poll that sees `completed`; so up to 100 ms late). The gateway's VmRSS sampled every
//      100 ms (/proc/<pid>/status) during the baseline and the batch; growth = peak during the
//      batch − mean during the baseline. CPU of gateway, Redis, this process and the rest;
//      Redis commands (INFO commandstats, reset before each phase): commands per line = (batch
//      phase's − interactive calls × the baseline's commands per call) / lines.
//   4. Checks: the output file has LINES lines with distinct custom_ids (all of the input's),
//      status_code 200 each, echo lines answer their own text; request_counts {total, completed:
//      LINES, failed: 0}; no error file (or an empty one). A wrong answer fails the run.
// Everything it starts or writes is stopped or removed at the end, also on failure or Ctrl-C.
// Usage: npm run bench:batch   (builds, then runs this file; about 1–2 minutes). Knobs (env):
//   BENCH_GATEWAY_MAIN=path/to/main.js  compiled gateway (default dist/apps/gateway/apps/gateway/src/main.js)
//   BENCH_BATCH_LINES=10000  BENCH_BATCH_TEXT_EVERY=5 (0: echo only)
//   BENCH_BATCH_CONCURRENCY=64  (the gateway's BATCH_CONCURRENCY, raised from its default 16)
//   BENCH_BATCH_INTERACTIVE_CONC=1  BENCH_BATCH_WARMUP=500  BENCH_BATCH_BASELINE_S=10
//   BENCH_BATCH_TIMEOUT_S=180  (the batch fails the run when it is not final by then)
//   BENCH_OUT=batch.json (under bench/results/)
//   BENCH_CPU_PROF=1  run the gateway with --cpu-prof (profile in bench/results/profiles; summarise
//                     with bench/profile-summary.mjs)
//   BENCH_GATEWAY_NODE_ARGS='--trace-gc'  extra node options of the gateway (its log: bench/results/logs)
//   BENCH_STRICT=1  also exit 1 when a target is missed
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI, { toFile } from 'openai';
import { MAIN_IN_BUILD, snapshotGatewayBuild } from './lib/build.mjs';
import { benchRun } from './lib/lifecycle.mjs';
import { postJson } from './lib/http.mjs';
import { cpuWindow, machineInfo, sampleRss } from './lib/machine.mjs';
import { fmt, latencyStats, markdownTable, round } from './lib/numbers.mjs';
import {
  cpuProfileArgs,
  redisCommandStats,
  redisVersion,
  startGatewayChild,
  startRedis,
} from './lib/processes.mjs';
import { INFER_BODY, LOG_DIR, PROFILE_DIR, RESULTS_DIR, ROOT, SOURCE_MAIN } from './lib/shared.mjs';

const env = process.env;
const LINES = Number(env.BENCH_BATCH_LINES ?? 10_000);
const TEXT_EVERY = Number(env.BENCH_BATCH_TEXT_EVERY ?? 5);
const BATCH_CONCURRENCY = Number(env.BENCH_BATCH_CONCURRENCY ?? 64);
const INTERACTIVE_CONC = Number(env.BENCH_BATCH_INTERACTIVE_CONC ?? 1);
const WARMUP = Number(env.BENCH_BATCH_WARMUP ?? 500);
const BASELINE_S = Number(env.BENCH_BATCH_BASELINE_S ?? 10);
const TIMEOUT_S = Number(env.BENCH_BATCH_TIMEOUT_S ?? 180);
const STRICT = env.BENCH_STRICT === '1';
const CPU_PROF = env.BENCH_CPU_PROF === '1';
const NODE_ARGS = (env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
const SNAPSHOT_DIR = join(RESULTS_DIR, 'build-batch');
const RUN_ID = `batch${process.pid}${Date.now().toString(36)}`;
const POLL_MS = 100;

const TARGETS = { linesPerS: 1000, rssGrowthMiB: 150, p99Ratio: 1.5 };

let redis;
const { children, mkTemp, cleanup, start } = benchRun({ redis: () => redis });
start(main);

async function main() {
  mkdirSync(LOG_DIR, { recursive: true });
  const machine = machineInfo();
  machine.openaiClient = (await import('openai/version')).VERSION;
  const build = snapshotGatewayBuild(SOURCE_MAIN, SNAPSHOT_DIR);
  console.log('omnigate batch benchmark: lines/s, gateway RSS, interactive p99 with and without a batch');
  console.log(
    `machine: ${machine.nproc} CPU (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, ${machine.os}, load ${machine.loadAvg1m}`,
  );
  console.log(
    `gateway: ${build.source}, run from a copy in bench/results/build-batch/ (commit ${build.commit})`,
  );

  redis = await startRedis(children, join(LOG_DIR, 'batch-redis.log'));
  machine.redisVersion = await redisVersion(redis.client);
  console.log(
    `redis ${machine.redisVersion} on 127.0.0.1:${redis.port} (pid ${redis.proc.pid}, no persistence)`,
  );
  const started = Date.now();
  const gateway = await startGateway();
  const openai = new OpenAI({
    baseURL: `${gateway.url}/v1`,
    apiKey: 'unused',
    maxRetries: 0,
    timeout: 120_000,
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: INTERACTIVE_CONC });
  const interactive = (stop) => closedLoop(`${gateway.url}/v1/infer`, agent, INTERACTIVE_CONC, stop);

  // 1. warm-up
  process.stdout.write(`warm-up: ${WARMUP} interactive calls and a 100-line batch ... `);
  await interactive(countStop(WARMUP));
  const warm = await runBatch(openai, await upload(openai, makeLines(100)));
  if (warm.batch.status !== 'completed') throw new Error(`warm-up batch ended ${warm.batch.status}`);
  console.log('done');

  // 2. baseline
  const input = makeLines(LINES);
  const t0Upload = performance.now();
  const file = await upload(openai, input);
  const uploadMs = performance.now() - t0Upload;
  console.log(
    `input: ${LINES} lines, ${(input.bytes / 2 ** 20).toFixed(2)} MiB, uploaded as ${file.id} in ${fmt(uploadMs, 0)} ms`,
  );
  process.stdout.write(
    `baseline: interactive echo at concurrency ${INTERACTIVE_CONC} for ${BASELINE_S} s ... `,
  );
  const pids = { gateway: gateway.proc.pid, redis: redis.proc.pid };
  await redis.client.config('RESETSTAT');
  let rss = sampleRss(gateway.proc.pid, 100);
  let cpu = cpuWindow(pids);
  const baseCalls = await interactive(timeStop(BASELINE_S * 1000));
  const baselineCpu = cpu.end();
  const baselineRss = rss.stop();
  const baselineCmds = await redisCommandStats(redis.client);
  const baseline = summarizeCalls(baseCalls, baselineCpu);
  console.log(
    `${baseline.calls} calls, p50 ${fmt(baseline.latency.p50)} p99 ${fmt(baseline.latency.p99)} ms; RSS ${mib(baselineRss.meanKiB)} MiB`,
  );

  // 3. batch + the same interactive stream
  process.stdout.write(
    `batch: ${LINES} lines, BATCH_CONCURRENCY ${BATCH_CONCURRENCY}, with interactive echo alongside ... `,
  );
  await redis.client.config('RESETSTAT');
  rss = sampleRss(gateway.proc.pid, 100);
  cpu = cpuWindow(pids);
  let batchDone = false;
  const duringP = interactive(() => batchDone);
  let run;
  try {
    run = await runBatch(openai, file);
  } finally {
    batchDone = true;
  }
  const duringCalls = await duringP;
  const batchCpu = cpu.end();
  const batchRss = rss.stop();
  const batchCmds = await redisCommandStats(redis.client);
  const during = summarizeCalls(duringCalls, batchCpu);
  const linesPerS = LINES / (run.elapsedMs / 1000);
  console.log(`${run.batch.status} in ${fmt(run.elapsedMs / 1000, 2)} s`);

  // 4. checks
  const check = await verify(openai, run.batch, input);
  const baselineCmdsPerCall = baselineCmds.total / Math.max(1, baseline.calls + baseline.bad);
  const batchOnlyCmds = batchCmds.total - baselineCmdsPerCall * (during.calls + during.bad);
  const interactiveBad = baseline.bad + during.bad;

  const rssGrowthMiB = (batchRss.peakKiB - baselineRss.meanKiB) / 1024;
  const p99Ratio = during.latency.p99 / baseline.latency.p99;
  const measure = (value, target) => ({ value: round(value, 3), target, pass: value <= target });
  const checks = {
    linesPerS: {
      value: round(linesPerS, 0),
      target: TARGETS.linesPerS,
      pass: linesPerS >= TARGETS.linesPerS,
    },
    rssGrowthMiB: measure(rssGrowthMiB, TARGETS.rssGrowthMiB),
    p99Ratio: measure(p99Ratio, TARGETS.p99Ratio),
  };
  const output = {
    generatedAt: new Date().toISOString(),
    command: env.BENCH_GATEWAY_MAIN
      ? `BENCH_GATEWAY_MAIN=${env.BENCH_GATEWAY_MAIN} node bench/batch.mjs`
      : 'npm run bench:batch',
    build,
    settings: {
      lines: LINES,
      textEvery: TEXT_EVERY,
      lineKinds: input.kinds,
      inputBytes: input.bytes,
      gatewayEnv: gateway.publicEnv,
      interactive: `POST /v1/infer ${INFER_BODY}, ${INTERACTIVE_CONC} closed loop(s), node:http keep-alive, in the bench process (pid ${process.pid})`,
      warmup: WARMUP,
      baselineS: BASELINE_S,
      pollMs: POLL_MS,
      client: `openai ${machine.openaiClient}, maxRetries 0`,
      cpuProf: CPU_PROF,
    },
    machine,
    uploadMs: round(uploadMs, 1),
    batch: {
      id: run.batch.id,
      status: run.batch.status,
      elapsedS: round(run.elapsedMs / 1000, 3),
      linesPerS: round(linesPerS, 1),
      firstInProgressS: run.inProgressMs === undefined ? null : round(run.inProgressMs / 1000, 3),
      finalizingS: run.finalizingMs === undefined ? null : round(run.finalizingMs / 1000, 3),
      polls: run.polls,
      requestCounts: run.batch.request_counts,
      check,
    },
    rss: {
      baselineKiB: baselineRss,
      batchKiB: batchRss,
      growthMiB: round(rssGrowthMiB, 1),
    },
    interactive: { baseline, during, p99Ratio: round(p99Ratio, 3) },
    redisCommands: {
      baselinePerCall: round(baselineCmdsPerCall, 2),
      batchPhaseTotal: batchCmds.total,
      perLine: round(batchOnlyCmds / LINES, 2),
      batchPhaseTop: Object.fromEntries(Object.entries(batchCmds.byCommand).slice(0, 15)),
      baselineTop: Object.fromEntries(Object.entries(baselineCmds.byCommand).slice(0, 10)),
    },
    cpu: {
      baseline: { seconds: roundAll(baselineCpu.cpuS, 2), pct: baselineCpu.cpuPct },
      batch: {
        seconds: roundAll(batchCpu.cpuS, 2),
        pct: batchCpu.cpuPct,
        // The batch phase's CPU includes the interactive stream's: minus its calls × the
        // baseline's CPU per call, over the lines.
        msPerLine: roundAll(
          Object.fromEntries(
            ['gateway', 'redis', 'client'].map((k) => [
              k,
              (1000 *
                (batchCpu.cpuS[k] -
                  (baselineCpu.cpuS[k] / Math.max(1, baseline.calls + baseline.bad)) *
                    (during.calls + during.bad))) /
                LINES,
            ]),
          ),
          3,
        ),
        msPerLineWithInteractive: roundAll(
          Object.fromEntries(Object.entries(batchCpu.cpuS).map(([k, s]) => [k, (1000 * s) / LINES])),
          3,
        ),
      },
    },
    checks,
    loadAvgAtEnd: round(os.loadavg()[0], 2),
    wallS: Math.round((Date.now() - started) / 1000),
  };
  printTables(output);
  const outFile = join(RESULTS_DIR, env.BENCH_OUT ?? 'batch.json');
  writeFileSync(outFile, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nresults: ${outFile} (${output.wallS} s)`);
  await cleanup();

  const problems = [...check.problems];
  if (interactiveBad > 0) problems.push(`${interactiveBad} interactive calls failed or answered wrong`);
  if (problems.length > 0) {
    console.error(`\nBENCH FAILED:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  if (STRICT && Object.values(checks).some((c) => !c.pass)) process.exit(1);
}

// ---------------------------------------------------------------- input and batch

/** LINES JSONL lines as one Buffer, with { buffer, bytes, kinds, expected: Map(custom_id → kind) }. */
function makeLines(n) {
  const kinds = { echo: 0, keywords: 0, language: 0 };
  let text = '';
  let textLines = 0;
  for (let i = 1; i <= n; i++) {
    let body;
    if (TEXT_EVERY > 0 && i % TEXT_EVERY === 0) {
      const task = textLines++ % 2 === 0 ? 'keywords' : 'language';
      kinds[task]++;
      body =
        task === 'keywords'
          ? {
              inputs: [{ text: `The batch benchmark sends line ${i}: queues, workers and batches.` }],
              output: 'text',
              task,
            }
          : {
              inputs: [{ text: `Ceci est la ligne ${i} du lot, écrite en français.` }],
              output: 'text',
              task,
            };
    } else {
      kinds.echo++;
      body = { inputs: [{ text: `hello ${i}` }], output: 'text', task: 'echo' };
    }
    text += `${JSON.stringify({ custom_id: `l-${i}`, method: 'POST', url: '/v1/infer', body })}\n`;
  }
  const buffer = Buffer.from(text);
  return { buffer, bytes: buffer.length, kinds, n };
}

async function upload(openai, input) {
  return openai.files.create({ file: await toFile(input.buffer, 'bench.jsonl'), purpose: 'batch' });
}

/** batches.create, then retrieve every POLL_MS until a final status; { batch, elapsedMs, … }. */
async function runBatch(openai, file) {
  const t0 = performance.now();
  const created = await openai.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/infer',
    completion_window: '24h',
    metadata: { bench: 'batch' },
  });
  const deadline = Date.now() + TIMEOUT_S * 1000;
  let polls = 0;
  let inProgressMs;
  let finalizingMs;
  for (;;) {
    const batch = await openai.batches.retrieve(created.id);
    polls++;
    const at = performance.now() - t0;
    if (batch.status === 'in_progress') inProgressMs ??= at;
    if (batch.status === 'finalizing') finalizingMs ??= at;
    if (['completed', 'failed', 'cancelled', 'expired'].includes(batch.status)) {
      return { batch, elapsedMs: at, polls, inProgressMs, finalizingMs };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `batch ${created.id} still ${batch.status} after ${TIMEOUT_S} s (${JSON.stringify(batch.request_counts)})`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Output file: LINES lines, distinct custom_ids covering the input, 200 each, echo texts right. */
async function verify(openai, batch, input) {
  const problems = [];
  if (batch.status !== 'completed')
    problems.push(`batch status ${batch.status}: ${JSON.stringify(batch.errors)}`);
  const rc = batch.request_counts ?? {};
  if (rc.total !== input.n || rc.completed !== input.n || rc.failed !== 0) {
    problems.push(`request_counts ${JSON.stringify(rc)} (expected total = completed = ${input.n}, failed 0)`);
  }
  let outputLines = 0;
  const ids = new Set();
  let not200 = 0;
  let wrongEcho = 0;
  if (batch.output_file_id) {
    const text = await (await openai.files.content(batch.output_file_id)).text();
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      outputLines++;
      const line = JSON.parse(raw);
      ids.add(line.custom_id);
      if (line.response?.status_code !== 200) {
        not200++;
        continue;
      }
      const body = line.response.body;
      const i = Number(line.custom_id.slice(2));
      if (body?.route?.[0]?.task === 'echo' && body.outputs?.[0]?.text !== `hello ${i}`) wrongEcho++;
    }
  } else problems.push('no output_file_id');
  let errorLines = 0;
  if (batch.error_file_id) {
    const text = await (await openai.files.content(batch.error_file_id)).text();
    errorLines = text.split('\n').filter((l) => l.trim() !== '').length;
  }
  const missing = [];
  for (let i = 1; i <= input.n && missing.length < 5; i++) if (!ids.has(`l-${i}`)) missing.push(`l-${i}`);
  if (outputLines !== input.n) problems.push(`output file has ${outputLines} lines (expected ${input.n})`);
  if (ids.size !== input.n)
    problems.push(`${ids.size} distinct custom_ids (expected ${input.n}); missing e.g. ${missing}`);
  if (not200) problems.push(`${not200} output lines without status_code 200`);
  if (wrongEcho) problems.push(`${wrongEcho} echo lines answered another text`);
  if (errorLines) problems.push(`error file has ${errorLines} lines`);
  const out = { outputLines, distinctCustomIds: ids.size, not200, wrongEcho, errorLines, problems };
  console.log(
    `check: output ${outputLines} lines, ${ids.size} distinct custom_ids, ${not200} not 200, ${wrongEcho} wrong echoes, error file ${errorLines} lines; request_counts ${JSON.stringify(rc)}${problems.length ? ` — PROBLEMS: ${problems.join('; ')}` : ' — ok'}`,
  );
  return out;
}

// ---------------------------------------------------------------- interactive stream

const countStop = (n) => {
  let sent = 0;
  return () => sent++ >= n;
};
const timeStop = (ms) => {
  const end = performance.now() + ms;
  return () => performance.now() >= end;
};

/** `conc` loops each sending POST /v1/infer and awaiting it until stop() is true; [{ ms, ok }]. */
async function closedLoop(url, agent, conc, stop) {
  const calls = [];
  const loop = async () => {
    while (!stop()) {
      try {
        const r = await postJson(url, INFER_BODY, agent);
        const t = r.json?.timings ?? {};
        calls.push({
          ms: r.ms,
          ok: r.status === 200 && r.json?.outputs?.[0]?.text === 'hello',
          queuedMs: t.queuedMs,
          outsideMs: t.totalMs === undefined ? undefined : r.ms - t.totalMs,
        });
      } catch {
        calls.push({ ms: NaN, ok: false });
      }
    }
  };
  await Promise.all(Array.from({ length: conc }, loop));
  return calls;
}

function summarizeCalls(calls, cpu) {
  const ok = calls.filter((c) => c.ok);
  return {
    calls: ok.length,
    bad: calls.length - ok.length,
    seconds: round(cpu.elapsedS, 2),
    callsPerS: round(ok.length / cpu.elapsedS, 1),
    latency: latencyStats(
      ok.map((c) => c.ms),
      3,
    ),
    // Where the time went: the job's queuedMs (created → its hop started on a worker) and the
    // time outside the job's totalMs (request parsing and input storage before, the answer after).
    queuedMs: latencyStats(
      ok.map((c) => c.queuedMs).filter((v) => v !== undefined),
      3,
    ),
    outsideJobMs: latencyStats(
      ok.map((c) => c.outsideMs).filter((v) => v !== undefined),
      3,
    ),
    cpuPct: cpu.cpuPct,
  };
}

// ---------------------------------------------------------------- children

async function startGateway() {
  return startGatewayChild(children, {
    name: 'batch',
    main: join(SNAPSHOT_DIR, MAIN_IN_BUILD),
    cwd: ROOT,
    logFile: join(LOG_DIR, 'batch-gateway.log'),
    publicEnv: {
      ROLE: 'all',
      QUEUE_DRIVER: 'bullmq',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      BATCH_CONCURRENCY: String(BATCH_CONCURRENCY),
    },
    privateEnv: { QUEUE_PREFIX: RUN_ID, REDIS_URL: `redis://127.0.0.1:${redis.port}` },
    dropEnv: ['ADAPTER_MODULES', 'API_KEYS', 'OPENAI_API_KEY', 'OPENAI_BACKENDS'],
    nodeArgs: [...cpuProfileArgs(CPU_PROF, PROFILE_DIR, 'batch-gateway'), ...NODE_ARGS],
    blobDir: mkTemp('omnigate-batch-blobs-'),
  });
}

// ---------------------------------------------------------------- report

const mib = (kib) => fmt(kib / 1024, 1);
const roundAll = (o, d) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, d)]));

function printTables(o) {
  const { baseline, during } = o.interactive;
  console.log(`\ninteractive POST /v1/infer (echo), concurrency ${INTERACTIVE_CONC} (ms)`);
  console.log(
    markdownTable(
      ['phase', 'calls', 'calls/s', 'p50', 'p90', 'p99', 'max', 'bad', 'gw CPU', 'redis', 'client', 'other'],
      [
        ['alone', baseline],
        ['during the batch', during],
      ].map(([name, r]) => [
        name,
        String(r.calls),
        fmt(r.callsPerS, 0),
        fmt(r.latency.p50, 2),
        fmt(r.latency.p90, 2),
        fmt(r.latency.p99, 2),
        fmt(r.latency.max, 2),
        String(r.bad),
        `${r.cpuPct.gateway}%`,
        `${r.cpuPct.redis}%`,
        `${r.cpuPct.client}%`,
        `${r.cpuPct.other}%`,
      ]),
    ),
  );
  for (const [name, r] of [
    ['alone', baseline],
    ['during the batch', during],
  ]) {
    console.log(
      `  ${name}: job queued (created → hop started) p50 ${fmt(r.queuedMs.p50, 2)} p99 ${fmt(r.queuedMs.p99, 2)} ms; outside the job (before creation, after the end) p50 ${fmt(r.outsideJobMs.p50, 2)} p99 ${fmt(r.outsideJobMs.p99, 2)} ms`,
    );
  }
  const b = o.batch;
  console.log(
    `\nbatch of ${LINES} lines (${JSON.stringify(o.settings.lineKinds)}), BATCH_CONCURRENCY ${BATCH_CONCURRENCY}`,
  );
  console.log(
    markdownTable(
      [
        'create → completed',
        'lines/s',
        'RSS before (mean)',
        'RSS peak',
        'growth',
        'redis cmds/line*',
        'CPU ms/line gw*',
        'redis',
        'client',
      ],
      [
        [
          `${fmt(b.elapsedS, 2)} s`,
          fmt(b.linesPerS, 0),
          `${mib(o.rss.baselineKiB.meanKiB)} MiB`,
          `${mib(o.rss.batchKiB.peakKiB)} MiB`,
          `${fmt(o.rss.growthMiB, 1)} MiB`,
          fmt(o.redisCommands.perLine, 1),
          fmt(o.cpu.batch.msPerLine.gateway, 3),
          fmt(o.cpu.batch.msPerLine.redis, 3),
          fmt(o.cpu.batch.msPerLine.client, 3),
        ],
      ],
    ),
  );
  console.log(
    "* CPU and Redis commands per line: the batch phase minus its interactive calls × the baseline's cost per call",
  );
  console.log(
    `batch phase CPU: gateway ${o.cpu.batch.pct.gateway}%, redis ${o.cpu.batch.pct.redis}%, client ${o.cpu.batch.pct.client}%, other ${o.cpu.batch.pct.other}% (100% = one core); in_progress first seen at ${fmt(b.firstInProgressS, 2)} s, finalizing at ${fmt(b.finalizingS, 2)} s`,
  );
  console.log(
    `redis commands in the batch phase (top): ${Object.entries(o.redisCommands.batchPhaseTop)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; per interactive call alone: ${o.redisCommands.baselinePerCall}`,
  );
  const c = o.checks;
  const mark = (x) => (x.pass ? 'PASS' : 'MISS');
  console.log('targets');
  console.log(`  ${mark(c.linesPerS)}  lines/s: ${c.linesPerS.value} (target >= ${c.linesPerS.target})`);
  console.log(
    `  ${mark(c.rssGrowthMiB)}  RSS growth: ${fmt(c.rssGrowthMiB.value, 1)} MiB (target <= ${c.rssGrowthMiB.target})`,
  );
  console.log(
    `  ${mark(c.p99Ratio)}  interactive p99 during / alone: ${fmt(c.p99Ratio.value, 2)} (target <= ${c.p99Ratio.target})`,
  );
}
