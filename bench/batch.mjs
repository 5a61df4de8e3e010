// omnigate batch benchmark (issues 7 and 13): a 10,000-line JSONL batch of small jobs on the
// built-in text adapters, through the official `openai` client, with interactive requests
// alongside, in each of these set-ups (BENCH_BATCH_SETUPS, each on the same redis-server of its
// own on a free port, QUEUE_DRIVER=bullmq, LOG_LEVEL=warn, NODE_ENV=production, a fresh
// QUEUE_PREFIX and BLOB_DIR in a temp dir, BATCH_CONCURRENCY as below), run from a copy of the
// build in bench/results/build-batch/:
//   single      one gateway, ROLE=all (both lanes): interactive requests, the batch runner and
//               every hop share its event loop (the set-up of issue 7).
//   split       an API, ROLE=all WORKER_LANES=interactive (it serves the interactive requests and
//               runs their hops), and a worker of the batch lane, ROLE=worker WORKER_LANES=batch
//               (the batch runner and the batch's hops), sharing the queue and BLOB_DIR.
//   split-nice  split, with the batch worker at WORKER_NICE=BENCH_BATCH_WORKER_NICE (10).
// In each set-up:
//   Lines: `{"custom_id":"l-N","method":"POST","url":"/v1/infer","body":{"inputs":[{"text":"hello N"}],
//   "output":"text","task":"echo"}}`, and every TEXT_EVERY-th line a builtin.text `keywords` or
//   `language` line instead (alternating). Uploaded with files.create({purpose: 'batch'}).
//   1. Warm-up: WARMUP interactive POST /v1/infer (echo, the body of bench/run.mjs) and one small
//      batch of 100 lines (so the batch path's code is warm too).
//   2. Baseline: the interactive stream alone for BASELINE_S s: INTERACTIVE_CONC loops, each
//      sending POST /v1/infer and awaiting the answer (node:http, keep-alive), latency per call.
//   3. Batch: batches.create, then batches.retrieve every 100 ms until a final status; the same
//      interactive stream runs until then. Lines/s = lines / (time from the create call to the
//      first poll that sees `completed`; so up to 100 ms late). Each gateway process's VmRSS
//      sampled every 100 ms (/proc/<pid>/status) during the baseline and the batch; growth = peak
//      during the batch − mean during the baseline. CPU of each gateway process, of its sandbox
//      processes (the built-in adapters run there), of Redis, this process and the rest; Redis
//      commands (INFO commandstats, reset before each phase): commands per line = (batch phase's
//      − interactive calls × the baseline's commands per call) / lines.
//   4. Checks: the output file has LINES lines with distinct custom_ids (all of the input's),
//      status_code 200 each, echo lines answer their own text; request_counts {total, completed:
//      LINES, failed: 0}; no error file (or an empty one). A wrong answer fails the run.
// With BENCH_BATCH_ROUNDS > 1 the set-ups are interleaved (each round starts with the next one).
// The comparison reports each set-up's interactive p99 during / alone and lines/s, and its ratios
// to the first set-up's (single) from the same run.
// Everything it starts or writes is stopped or removed at the end, also on failure or Ctrl-C.
// Usage: npm run bench:batch   (builds, then runs this file; about 1 minute per set-up and round).
// Knobs (env):
//   BENCH_GATEWAY_MAIN=path/to/main.js  compiled gateway (default dist/apps/gateway/apps/gateway/src/main.js)
//   BENCH_BATCH_SETUPS=single,split,split-nice  BENCH_BATCH_ROUNDS=1  BENCH_BATCH_WORKER_NICE=10
//   BENCH_BATCH_LINES=10000  BENCH_BATCH_TEXT_EVERY=5 (0: echo only)
//   BENCH_BATCH_CONCURRENCY=64  (the gateway's BATCH_CONCURRENCY, raised from its default 16)
//   BENCH_BATCH_INTERACTIVE_CONC=1  BENCH_BATCH_WARMUP=500  BENCH_BATCH_BASELINE_S=10
//   BENCH_BATCH_TIMEOUT_S=180  (the batch fails the run when it is not final by then)
//   BENCH_OUT=batch.json (under bench/results/)
//   BENCH_CPU_PROF=1  run the gateways with --cpu-prof (profiles in bench/results/profiles;
//                     summarise with bench/profile-summary.mjs)
//   BENCH_GATEWAY_NODE_ARGS='--trace-gc'  extra node options of the gateways (logs: bench/results/logs)
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
import { childPids, cpuWindow, machineInfo, sampleRss } from './lib/machine.mjs';
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
const ROUNDS = Number(env.BENCH_BATCH_ROUNDS ?? 1);
const WORKER_NICE = Number(env.BENCH_BATCH_WORKER_NICE ?? 10);
const STRICT = env.BENCH_STRICT === '1';
const CPU_PROF = env.BENCH_CPU_PROF === '1';
const NODE_ARGS = (env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
const SNAPSHOT_DIR = join(RESULTS_DIR, 'build-batch');
const RUN_ID = `batch${process.pid}${Date.now().toString(36)}`;
const POLL_MS = 100;

/** The set-ups a run can measure: the processes each starts (see the header). */
const SETUP_KINDS = {
  single: { split: false, nice: 0, what: 'one gateway, ROLE=all (both lanes)' },
  split: {
    split: true,
    nice: 0,
    what: 'API ROLE=all WORKER_LANES=interactive + worker ROLE=worker WORKER_LANES=batch',
  },
  'split-nice': {
    split: true,
    nice: WORKER_NICE,
    what: `split, the batch worker at WORKER_NICE=${WORKER_NICE}`,
  },
};
const SETUPS = (env.BENCH_BATCH_SETUPS ?? 'single,split,split-nice')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
for (const name of SETUPS) {
  if (!SETUP_KINDS[name]) {
    throw new Error(`BENCH_BATCH_SETUPS: unknown set-up ${name} (${Object.keys(SETUP_KINDS).join(', ')})`);
  }
}
if (!Number.isInteger(WORKER_NICE) || WORKER_NICE < 0 || WORKER_NICE > 19) {
  throw new Error('BENCH_BATCH_WORKER_NICE must be a whole number from 0 to 19');
}

const TARGETS = { linesPerS: 1000, rssGrowthMiB: 150, p99Ratio: 1.5 };

let redis;
const { children, mkTemp, stopGateway, cleanup, start } = benchRun({ redis: () => redis });
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
  console.log(`set-ups: ${SETUPS.join(', ')}; ${ROUNDS} round(s)${ROUNDS > 1 ? ', interleaved' : ''}`);

  redis = await startRedis(children, join(LOG_DIR, 'batch-redis.log'));
  machine.redisVersion = await redisVersion(redis.client);
  console.log(
    `redis ${machine.redisVersion} on 127.0.0.1:${redis.port} (pid ${redis.proc.pid}, no persistence)`,
  );
  const started = Date.now();
  const input = makeLines(LINES);
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with the next set-up, so that none always runs first.
    const order = SETUPS.map((_, i) => SETUPS[(i + round) % SETUPS.length]);
    for (const setup of order) runs.push(await runSetup(setup, round + 1, input));
  }

  const comparison = compare(runs);
  const output = {
    generatedAt: new Date().toISOString(),
    command: `${Object.entries(env)
      .filter(([k]) => k.startsWith('BENCH_'))
      .map(([k, v]) => `${k}=${v} `)
      .join('')}${env.BENCH_GATEWAY_MAIN ? 'node bench/batch.mjs' : 'npm run bench:batch'}`,
    build,
    settings: {
      setups: Object.fromEntries(SETUPS.map((name) => [name, SETUP_KINDS[name].what])),
      rounds: ROUNDS,
      lines: LINES,
      textEvery: TEXT_EVERY,
      lineKinds: input.kinds,
      inputBytes: input.bytes,
      batchConcurrency: BATCH_CONCURRENCY,
      interactive: `POST /v1/infer ${INFER_BODY}, ${INTERACTIVE_CONC} closed loop(s), node:http keep-alive, in the bench process (pid ${process.pid})`,
      warmup: WARMUP,
      baselineS: BASELINE_S,
      pollMs: POLL_MS,
      client: `openai ${machine.openaiClient}, maxRetries 0`,
      cpuProf: CPU_PROF,
    },
    machine,
    runs,
    comparison,
    loadAvgAtEnd: round(os.loadavg()[0], 2),
    wallS: Math.round((Date.now() - started) / 1000),
  };
  printComparison(output);
  const outFile = join(RESULTS_DIR, env.BENCH_OUT ?? 'batch.json');
  writeFileSync(outFile, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nresults: ${outFile} (${output.wallS} s)`);
  await cleanup();

  const problems = runs.flatMap((run) => [
    ...run.batch.check.problems.map((p) => `${run.setup} (round ${run.round}): ${p}`),
    ...(run.interactive.bad > 0
      ? [
          `${run.setup} (round ${run.round}): ${run.interactive.bad} interactive calls failed or answered wrong`,
        ]
      : []),
  ]);
  if (problems.length > 0) {
    console.error(`\nBENCH FAILED:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  const split = runs.filter((run) => SETUP_KINDS[run.setup].split);
  if (STRICT && split.some((run) => Object.values(run.checks).some((c) => !c.pass))) process.exit(1);
}

/** One set-up from start to stop: warm-up, baseline, batch with interactive calls, checks. */
async function runSetup(setup, roundNo, input) {
  const kind = SETUP_KINDS[setup];
  console.log(`\n=== ${setup} (round ${roundNo}): ${kind.what}`);
  const { api, worker } = await startGateways(setup, kind, roundNo);
  const gateways = [api, ...(worker ? [worker] : [])];
  try {
    const openai = new OpenAI({
      baseURL: `${api.url}/v1`,
      apiKey: 'unused',
      maxRetries: 0,
      timeout: 120_000,
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: INTERACTIVE_CONC });
    const interactive = (stop) => closedLoop(`${api.url}/v1/infer`, agent, INTERACTIVE_CONC, stop);

    // 1. warm-up
    process.stdout.write(`warm-up: ${WARMUP} interactive calls and a 100-line batch ... `);
    await interactive(countStop(WARMUP));
    const warm = await runBatch(openai, await upload(openai, makeLines(100)));
    if (warm.batch.status !== 'completed') throw new Error(`warm-up batch ended ${warm.batch.status}`);
    console.log('done');

    // 2. baseline
    const t0Upload = performance.now();
    const file = await upload(openai, input);
    const uploadMs = performance.now() - t0Upload;
    console.log(
      `input: ${LINES} lines, ${(input.bytes / 2 ** 20).toFixed(2)} MiB, uploaded as ${file.id} in ${fmt(uploadMs, 0)} ms`,
    );
    process.stdout.write(
      `baseline: interactive echo at concurrency ${INTERACTIVE_CONC} for ${BASELINE_S} s ... `,
    );
    // The sandbox processes (where the built-in adapters run) are up after the warm-up.
    const pids = { redis: redis.proc.pid };
    for (const g of gateways) {
      pids[g.role] = g.proc.pid;
      pids[`${g.role}Sandboxes`] = childPids(g.proc.pid);
    }
    await redis.client.config('RESETSTAT');
    let rss = gateways.map((g) => sampleRss(g.proc.pid, 100));
    let cpu = cpuWindow(pids);
    const baseCalls = await interactive(timeStop(BASELINE_S * 1000));
    const baselineCpu = cpu.end();
    const baselineRss = rss.map((r) => r.stop());
    const baselineCmds = await redisCommandStats(redis.client);
    const baseline = summarizeCalls(baseCalls, baselineCpu);
    console.log(
      `${baseline.calls} calls, p50 ${fmt(baseline.latency.p50)} p99 ${fmt(baseline.latency.p99)} ms; RSS ${gateways
        .map((g, i) => `${g.role} ${mib(baselineRss[i].meanKiB)}`)
        .join(', ')} MiB`,
    );

    // 3. batch + the same interactive stream
    process.stdout.write(
      `batch: ${LINES} lines, BATCH_CONCURRENCY ${BATCH_CONCURRENCY}, with interactive echo alongside ... `,
    );
    await redis.client.config('RESETSTAT');
    rss = gateways.map((g) => sampleRss(g.proc.pid, 100));
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
    const batchRss = rss.map((r) => r.stop());
    const batchCmds = await redisCommandStats(redis.client);
    const during = summarizeCalls(duringCalls, batchCpu);
    const linesPerS = LINES / (run.elapsedMs / 1000);
    console.log(`${run.batch.status} in ${fmt(run.elapsedMs / 1000, 2)} s`);
    agent.destroy();

    // 4. checks
    const check = await verify(openai, run.batch, input);
    const baselineCmdsPerCall = baselineCmds.total / Math.max(1, baseline.calls + baseline.bad);
    const batchOnlyCmds = batchCmds.total - baselineCmdsPerCall * (during.calls + during.bad);

    const rssByRole = Object.fromEntries(
      gateways.map((g, i) => [
        g.role,
        {
          baselineKiB: baselineRss[i],
          batchKiB: batchRss[i],
          growthMiB: round((batchRss[i].peakKiB - baselineRss[i].meanKiB) / 1024, 1),
        },
      ]),
    );
    const rssGrowthMiB = Math.max(...Object.values(rssByRole).map((r) => r.growthMiB));
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
    const names = Object.keys(pids);
    const result = {
      setup,
      round: roundNo,
      gatewayEnv: Object.fromEntries(gateways.map((g) => [g.role, g.publicEnv])),
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
      rss: rssByRole,
      interactive: { baseline, during, p99Ratio: round(p99Ratio, 3), bad: baseline.bad + during.bad },
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
              [...names, 'client'].map((k) => [
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
      loadAvg: round(os.loadavg()[0], 2),
    };
    printSetup(result);
    return result;
  } finally {
    // Workers first: the API holds nothing they need, and their batch is over.
    for (const g of [...gateways].reverse()) await stopGateway(g);
  }
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

/** The set-up's gateway processes: `api` (the one clients call), and `worker` in a split set-up. */
async function startGateways(setup, kind, roundNo) {
  const blobDir = mkTemp('omnigate-batch-blobs-');
  const prefix = `${RUN_ID}${setup.replace(/[^A-Za-z0-9]/g, '')}${roundNo}`;
  const common = {
    QUEUE_DRIVER: 'bullmq',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    BATCH_CONCURRENCY: String(BATCH_CONCURRENCY),
  };
  const start = (role, publicEnv) =>
    startGatewayChild(children, {
      name: `batch-${setup}-${role}`,
      main: join(SNAPSHOT_DIR, MAIN_IN_BUILD),
      cwd: ROOT,
      logFile: join(LOG_DIR, `batch-${setup}-${role}.log`),
      publicEnv: { ...publicEnv, ...common },
      privateEnv: { QUEUE_PREFIX: prefix, REDIS_URL: `redis://127.0.0.1:${redis.port}` },
      dropEnv: ['ADAPTER_MODULES', 'API_KEYS', 'OPENAI_API_KEY', 'OPENAI_BACKENDS', 'WORKER_NICE'],
      nodeArgs: [...cpuProfileArgs(CPU_PROF, PROFILE_DIR, `batch-${setup}-${role}`), ...NODE_ARGS],
      // Shared by the set-up's processes: the worker reads the file the API stored.
      blobDir,
    }).then((child) => Object.assign(child, { role }));
  if (!kind.split) return { api: await start('gateway', { ROLE: 'all' }) };
  const api = await start('gateway', { ROLE: 'all', WORKER_LANES: 'interactive' });
  const worker = await start('worker', {
    ROLE: 'worker',
    WORKER_LANES: 'batch',
    ...(kind.nice > 0 ? { WORKER_NICE: String(kind.nice) } : {}),
  });
  return { api, worker };
}

// ---------------------------------------------------------------- report

const mib = (kib) => fmt(kib / 1024, 1);
const roundAll = (o, d) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, d)]));
const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Per set-up (medians over its rounds): interactive p99 alone and during, their ratio, lines/s;
 * and each set-up against the first one of BENCH_BATCH_SETUPS (single by default).
 */
function compare(runs) {
  const bySetup = SETUPS.map((setup) => {
    const mine = runs.filter((run) => run.setup === setup);
    return {
      setup,
      runs: mine.length,
      p99AloneMs: round(median(mine.map((r) => r.interactive.baseline.latency.p99)), 2),
      p99DuringMs: round(median(mine.map((r) => r.interactive.during.latency.p99)), 2),
      p99Ratio: round(median(mine.map((r) => r.interactive.p99Ratio)), 3),
      p50AloneMs: round(median(mine.map((r) => r.interactive.baseline.latency.p50)), 2),
      p50DuringMs: round(median(mine.map((r) => r.interactive.during.latency.p50)), 2),
      linesPerS: round(median(mine.map((r) => r.batch.linesPerS)), 0),
      rssGrowthMiB: round(median(mine.map((r) => r.checks.rssGrowthMiB.value)), 1),
      p99RatioPerRound: mine.map((r) => r.interactive.p99Ratio),
      linesPerSPerRound: mine.map((r) => r.batch.linesPerS),
    };
  });
  const first = bySetup[0];
  for (const entry of bySetup) {
    entry.against = first.setup;
    entry.p99RatioVsFirst = round(entry.p99Ratio / first.p99Ratio, 3);
    entry.p99DuringVsFirst = round(entry.p99DuringMs / first.p99DuringMs, 3);
    entry.linesPerSVsFirst = round(entry.linesPerS / first.linesPerS, 3);
    entry.targets = {
      p99Ratio: { target: TARGETS.p99Ratio, pass: entry.p99Ratio <= TARGETS.p99Ratio },
      linesPerS: { target: TARGETS.linesPerS, pass: entry.linesPerS >= TARGETS.linesPerS },
    };
  }
  return bySetup;
}

function printSetup(o) {
  const { baseline, during } = o.interactive;
  console.log(
    `\n${o.setup} (round ${o.round}): interactive POST /v1/infer (echo), concurrency ${INTERACTIVE_CONC} (ms)`,
  );
  const cpuCols = Object.keys(o.cpu.batch.pct);
  console.log(
    markdownTable(
      ['phase', 'calls', 'calls/s', 'p50', 'p90', 'p99', 'max', 'bad', ...cpuCols.map((k) => `${k} CPU`)],
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
        ...cpuCols.map((k) => `${r.cpuPct[k]}%`),
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
    `batch: ${fmt(b.elapsedS, 2)} s, ${fmt(b.linesPerS, 0)} lines/s; RSS growth ${Object.entries(o.rss)
      .map(
        ([role, r]) =>
          `${role} ${fmt(r.growthMiB, 1)} MiB (${mib(r.baselineKiB.meanKiB)} → ${mib(r.batchKiB.peakKiB)})`,
      )
      .join(', ')}; ${fmt(o.redisCommands.perLine, 1)} Redis commands/line; CPU ms/line* ${Object.entries(
      o.cpu.batch.msPerLine,
    )
      .map(([k, v]) => `${k} ${fmt(v, 3)}`)
      .join(', ')}`,
  );
  const c = o.checks;
  const mark = (x) => (x.pass ? 'PASS' : 'MISS');
  console.log(
    `targets: ${mark(c.linesPerS)} lines/s ${c.linesPerS.value} (>= ${c.linesPerS.target}); ${mark(c.rssGrowthMiB)} RSS growth ${fmt(c.rssGrowthMiB.value, 1)} MiB (<= ${c.rssGrowthMiB.target}); ${mark(c.p99Ratio)} p99 during / alone ${fmt(c.p99Ratio.value, 2)} (<= ${c.p99Ratio.target})`,
  );
}

function printComparison(o) {
  const first = o.comparison[0]?.setup;
  console.log(
    `\nside by side (medians over ${ROUNDS} round(s)); ratios against ${first} in the same run. * CPU per line: the batch phase minus its interactive calls × the baseline's cost per call`,
  );
  console.log(
    markdownTable(
      [
        'set-up',
        'p50 alone → during',
        'p99 alone → during',
        'p99 during / alone',
        `… / ${first}'s`,
        `p99 during / ${first}'s`,
        'lines/s',
        `lines/s / ${first}'s`,
        'RSS growth',
      ],
      o.comparison.map((c) => [
        c.setup,
        `${fmt(c.p50AloneMs, 2)} → ${fmt(c.p50DuringMs, 2)}`,
        `${fmt(c.p99AloneMs, 2)} → ${fmt(c.p99DuringMs, 2)}`,
        `${fmt(c.p99Ratio, 2)} ${c.targets.p99Ratio.pass ? '(≤ 1.5)' : '(> 1.5)'}`,
        fmt(c.p99RatioVsFirst, 2),
        fmt(c.p99DuringVsFirst, 2),
        `${fmt(c.linesPerS, 0)} ${c.targets.linesPerS.pass ? '(≥ 1,000)' : '(< 1,000)'}`,
        fmt(c.linesPerSVsFirst, 2),
        `${fmt(c.rssGrowthMiB, 1)} MiB`,
      ]),
    ),
  );
}
