// omnigate OpenAI facade benchmark (issue 5): what does omnigate add to a call of the official
// `openai` client, against the same call sent straight to the backend?
//   The backend is the local OpenAI-compatible test server (test/openai-server/openai-test-server.mjs)
//   in a child process of its own (`--chunk-delay-ms 0`), so its CPU is not this process's. The
//   client is the official `openai` package (v6, its default fetch) in this process, one client per
//   side, maxRetries 0:
//     direct:  baseURL = the test server's /v1, model gpt-4o-mini
//     gateway: baseURL = the gateway's /v1, model bench.chat (the backend's chat adapter, pinned;
//              OPENAI_BACKENDS registers the test server as backend `bench`)
//   The gateway runs with QUEUE_DRIVER=bullmq (a redis-server of its own on a free port: the queue
//   is in the path), then again with QUEUE_DRIVER=inline, each a child process (ROLE=all,
//   LOG_LEVEL=warn, NODE_ENV=production, unique QUEUE_PREFIX, BLOB_DIR in a temp dir) started from
//   a copy of the build in bench/results/build-openai/.
//   Cases: non-streaming chat completion (a short prompt), and the same with stream: true read
//   with `for await`: time to first token (the first chunk with non-empty delta.content) and total.
//   Checked once per gateway before measuring: the content through the gateway equals the direct
//   one (both cases), x-omnigate-route says bench.chat (non-streaming: header; streaming: the SSE
//   comment the facade writes after the pieces), the answer's model is bench.chat.
//   Concurrency 1: WARMUP calls per case and side, then REQUESTS per case and side in blocks of
//   BLOCK, direct and gateway alternating block by block (the order swapping every block), so that
//   drift and other load hit both. Added latency = gateway − direct at p50/p90/p99.
//   Concurrency 32 (CONC): CONC loops each awaiting the client call, C32_WARMUP_S s warm-up then
//   C32_S s measured, direct then gateway per case: requests/s, p50/p99, ratio gateway / direct.
//   Breakdown: JOBS calls through the gateway with .withResponse() (for the job id), then
//   GET /v1/jobs/:id for each: the gateway's own timings (queued, run, total; whole ms).
//   Note: a second test server with --chunk-delay-ms DELAY_MS (backend `benchslow`) for a small
//   streaming series with a realistic pause between chunks (NOTE_REQUESTS per side, c=1).
// Everything it starts or writes is stopped or removed at the end, also on failure or Ctrl-C.
// Usage: npm run bench:openai   (builds, then runs this file; about 2.5 minutes). Knobs (env):
//   BENCH_GATEWAY_MAIN=path/to/main.js  compiled gateway (default dist/apps/gateway/apps/gateway/src/main.js)
//   BENCH_OPENAI_DRIVERS=bullmq,inline
//   BENCH_OPENAI_WARMUP=200  BENCH_OPENAI_REQUESTS=1000  BENCH_OPENAI_BLOCK=100   (concurrency 1, per case and side)
//   BENCH_OPENAI_CONC=32  BENCH_OPENAI_C32_WARMUP_S=1  BENCH_OPENAI_C32_S=5
//   BENCH_OPENAI_BACKEND_CONCURRENCY=32  (the backend's `concurrency`; omnigate's default per adapter is 2)
//   BENCH_OPENAI_JOBS=200  BENCH_OPENAI_DELAY_MS=10  BENCH_OPENAI_NOTE_REQUESTS=100 (0: no note)
//   BENCH_OUT=openai.json (under bench/results/)
//   BENCH_CPU_PROF=1  run the gateway children with --cpu-prof (profiles in bench/results/profiles;
//                     summarise with bench/profile-summary.mjs)
//   BENCH_STRICT=1  also exit 1 when a target is missed (a wrong answer always fails the run)
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { MAIN_IN_BUILD, snapshotGatewayBuild } from './lib/build.mjs';
import { benchRun } from './lib/lifecycle.mjs';
import { httpRequest } from './lib/http.mjs';
import { CLK_TCK, cpuTicks, machineInfo, systemBusyTicks } from './lib/machine.mjs';
import { closedLoop } from './lib/load.mjs';
import { fmt, latencyStats, round } from './lib/numbers.mjs';
import {
  cpuProfileArgs,
  redisVersion,
  startGatewayChild,
  startOpenAiTestServer,
  startRedis,
} from './lib/processes.mjs';
import { LOG_DIR, PROFILE_DIR, RESULTS_DIR, ROOT, SOURCE_MAIN } from './lib/shared.mjs';

const env = process.env;
const list = (v) => v.split(',').map((s) => s.trim());
const DRIVERS = list(env.BENCH_OPENAI_DRIVERS ?? 'bullmq,inline');
const WARMUP = Number(env.BENCH_OPENAI_WARMUP ?? 200);
const REQUESTS = Number(env.BENCH_OPENAI_REQUESTS ?? 1000);
const BLOCK = Number(env.BENCH_OPENAI_BLOCK ?? 100);
const CONC = Number(env.BENCH_OPENAI_CONC ?? 32);
const C32_WARMUP_S = Number(env.BENCH_OPENAI_C32_WARMUP_S ?? 1);
const C32_S = Number(env.BENCH_OPENAI_C32_S ?? 5);
const BACKEND_CONCURRENCY = Number(env.BENCH_OPENAI_BACKEND_CONCURRENCY ?? 32);
const JOBS = Number(env.BENCH_OPENAI_JOBS ?? 200);
const DELAY_MS = Number(env.BENCH_OPENAI_DELAY_MS ?? 10);
const NOTE_REQUESTS = Number(env.BENCH_OPENAI_NOTE_REQUESTS ?? 100);
const STRICT = env.BENCH_STRICT === '1';
const CPU_PROF = env.BENCH_CPU_PROF === '1';
const SNAPSHOT_DIR = join(RESULTS_DIR, 'build-openai');
const RUN_ID = `openai${process.pid}${Date.now().toString(36)}`;
const BACKEND_KEY = 'sk-test';
const UPSTREAM_MODEL = 'gpt-4o-mini';
const PROMPT = 'Say hello';
const EXPECTED = `Echo: ${PROMPT}`;

const TARGETS = { addedP50Ms: 1.5 }; // gateway − direct, non-streaming p50 at concurrency 1, queue in the path
/** Published added latency of other gateways at concurrency 1 (issue 5), ms. */
const REFERENCE = { bifrost: '0.4–0.6', portkey: '2.4–2.7', litellm: '4.3' };

const CASES = [
  { key: 'chat', label: 'chat, non-streaming', stream: false },
  { key: 'stream', label: 'chat, streaming', stream: true },
];

let redis;
let upstream;
let upstreamSlow;
const { children, mkTemp, stopGateway, cleanup, start } = benchRun({ redis: () => redis });
start(main);

async function main() {
  mkdirSync(LOG_DIR, { recursive: true });
  const machine = machineInfo();
  machine.openaiClient = (await import('openai/version')).VERSION;
  const build = snapshotGatewayBuild(SOURCE_MAIN, SNAPSHOT_DIR);
  printMachine(machine, build);

  upstream = await startTestServer('upstream', 0);
  if (NOTE_REQUESTS > 0) upstreamSlow = await startTestServer('upstream-slow', DELAY_MS);
  if (DRIVERS.includes('bullmq')) {
    redis = await startRedis(children, join(LOG_DIR, 'openai-redis.log'));
    machine.redisVersion = await redisVersion(redis.client);
    console.log(
      `redis ${machine.redisVersion} on 127.0.0.1:${redis.port} (pid ${redis.proc.pid}, no persistence)`,
    );
  }
  const direct = client(upstream.url);
  const directSlow = upstreamSlow && client(upstreamSlow.url);

  const started = Date.now();
  const c1 = [];
  const c32 = [];
  const jobs = [];
  const notes = [];
  for (const driver of DRIVERS) {
    const gateway = await startGateway(driver);
    try {
      const viaGateway = client(`${gateway.url}/v1`);
      await check(gateway, direct, viaGateway);
      c1.push(...(await latencyC1(gateway, direct, viaGateway)));
      for (const c of CASES) {
        c32.push(await throughput(gateway, c, 'direct', direct, UPSTREAM_MODEL));
        c32.push(await throughput(gateway, c, 'gateway', viaGateway, 'bench.chat'));
      }
      jobs.push(await jobTimings(gateway, viaGateway));
      if (upstreamSlow) notes.push(await slowNote(gateway, directSlow, viaGateway));
    } finally {
      await stopGateway(gateway);
    }
  }

  const summary = summarize(c1, c32);
  printTables(c1, c32, jobs, notes, summary);
  const output = {
    generatedAt: new Date().toISOString(),
    command: env.BENCH_GATEWAY_MAIN
      ? `BENCH_GATEWAY_MAIN=${env.BENCH_GATEWAY_MAIN} node bench/openai.mjs`
      : 'npm run bench:openai',
    build,
    settings: {
      drivers: DRIVERS,
      client: `openai ${machine.openaiClient} in the bench process (pid ${process.pid}), default fetch, maxRetries 0; one client per side`,
      upstream: `test/openai-server/openai-test-server.mjs in a child process, --chunk-delay-ms 0, --api-key ${BACKEND_KEY}`,
      openaiBackends: backends(),
      prompt: PROMPT,
      expected: EXPECTED,
      warmup: WARMUP,
      requests: REQUESTS,
      block: BLOCK,
      cN: { concurrency: CONC, warmupS: C32_WARMUP_S, durationS: C32_S },
      jobs: JOBS,
      note: { chunkDelayMs: DELAY_MS, requests: NOTE_REQUESTS },
      cpuProf: CPU_PROF,
    },
    machine,
    c1,
    cN: c32,
    jobTimings: jobs,
    slowStreamNote: notes,
    summary,
    targets: TARGETS,
    reference: REFERENCE,
    loadAvgAtEnd: round(os.loadavg()[0], 2),
    wallS: Math.round((Date.now() - started) / 1000),
  };
  const file = join(RESULTS_DIR, env.BENCH_OUT ?? 'openai.json');
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nresults: ${file} (${output.wallS} s)`);
  await cleanup();

  const bad = [...c1, ...c32, ...notes].filter((r) => r.bad > 0);
  if (bad.length > 0) {
    console.error('\nBENCH FAILED: some calls failed or answered the wrong content:');
    for (const r of bad)
      console.error(`  ${r.driver} ${r.side ?? ''} ${r.case} c=${r.concurrency}: ${r.bad} bad`);
    process.exit(1);
  }
  if (STRICT && Object.values(summary.checks).some((c) => c.pass === false)) process.exit(1);
}

// ---------------------------------------------------------------- client calls

function client(baseURL) {
  return new OpenAI({ baseURL, apiKey: BACKEND_KEY, maxRetries: 0, timeout: 30_000 });
}

const messages = [{ role: 'user', content: PROMPT }];

/**
 * One call of case `c`; resolves { ok, totalMs, ttftMs (streaming), content }. `ok` when the
 * content is the expected echo.
 */
async function call(openai, model, c) {
  const t0 = performance.now();
  if (!c.stream) {
    const answer = await openai.chat.completions.create({ model, messages });
    const content = answer.choices[0]?.message?.content ?? '';
    return { ok: content === EXPECTED, totalMs: performance.now() - t0, content };
  }
  const stream = await openai.chat.completions.create({ model, messages, stream: true });
  let ttftMs;
  let content = '';
  for await (const chunk of stream) {
    const piece = chunk.choices[0]?.delta?.content;
    if (piece) {
      ttftMs ??= performance.now() - t0;
      content += piece;
    }
  }
  return { ok: content === EXPECTED, totalMs: performance.now() - t0, ttftMs, content };
}

/** call(), counting a throw as a bad call. */
async function safeCall(openai, model, c) {
  try {
    return await call(openai, model, c);
  } catch (err) {
    return { ok: false, error: err.message };
  }
}

// ---------------------------------------------------------------- check

/** Same content direct and through the gateway; route bench.chat; model bench.chat. */
async function check(gateway, direct, viaGateway) {
  for (const c of CASES) {
    const d = await call(direct, UPSTREAM_MODEL, c);
    const g = await call(viaGateway, 'bench.chat', c);
    if (d.content !== EXPECTED || g.content !== d.content) {
      throw new Error(
        `${gateway.driver} ${c.label}: content direct ${JSON.stringify(d.content)}, via gateway ${JSON.stringify(g.content)} (expected ${JSON.stringify(EXPECTED)})`,
      );
    }
  }
  const { data, response } = await viaGateway.chat.completions
    .create({ model: 'bench.chat', messages })
    .withResponse();
  const route = response.headers.get('x-omnigate-route');
  if (route !== 'text->text bench.chat' || data.model !== 'bench.chat') {
    throw new Error(
      `${gateway.driver}: x-omnigate-route ${route}, model ${data.model} (expected bench.chat)`,
    );
  }
  // Streaming: the route follows the pieces as an SSE comment (the headers left before it was known).
  const raw = await httpRequest(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: 'bench.chat', messages, stream: true }),
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
  });
  const streamRoute = raw.text.match(/^: x-omnigate-route (.+)$/m)?.[1];
  if (
    raw.status !== 200 ||
    streamRoute !== 'text->text bench.chat' ||
    !raw.text.endsWith('data: [DONE]\n\n')
  ) {
    throw new Error(
      `${gateway.driver} stream: ${raw.status}, route comment ${streamRoute}: ${raw.text.slice(0, 500)}`,
    );
  }
  console.log(
    `${gateway.driver}: content direct = via gateway = ${JSON.stringify(EXPECTED)} (both cases); x-omnigate-route "${route}" (stream: SSE comment "${streamRoute}"); model ${data.model}`,
  );
}

// ---------------------------------------------------------------- concurrency 1

async function latencyC1(gateway, direct, viaGateway) {
  const sides = [
    { side: 'direct', openai: direct, model: UPSTREAM_MODEL },
    { side: 'gateway', openai: viaGateway, model: 'bench.chat' },
  ];
  const stats = new Map();
  for (const c of CASES)
    for (const s of sides) stats.set(`${c.key}/${s.side}`, { total: [], ttft: [], bad: 0 });
  process.stdout.write(
    `${gateway.driver}: c=1 warm-up ${WARMUP} + ${REQUESTS} calls per case and side, blocks of ${BLOCK} ... `,
  );
  for (let i = 0; i < WARMUP; i++)
    for (const c of CASES) for (const s of sides) await safeCall(s.openai, s.model, c);
  const m = await measured(gateway, async () => {
    for (let b = 0; b * BLOCK < REQUESTS; b++) {
      const order = b % 2 === 0 ? sides : [...sides].reverse();
      const n = Math.min(BLOCK, REQUESTS - b * BLOCK);
      for (const c of CASES) {
        for (const s of order) {
          const st = stats.get(`${c.key}/${s.side}`);
          for (let k = 0; k < n; k++) {
            const r = await safeCall(s.openai, s.model, c);
            if (!r.ok) {
              st.bad++;
              continue;
            }
            st.total.push(r.totalMs);
            if (c.stream) st.ttft.push(r.ttftMs);
          }
        }
      }
    }
  });
  const runs = [];
  for (const c of CASES) {
    for (const s of sides) {
      const st = stats.get(`${c.key}/${s.side}`);
      runs.push({
        driver: gateway.driver,
        case: c.key,
        side: s.side,
        concurrency: 1,
        calls: st.total.length,
        bad: st.bad,
        total: latencyStats(st.total, 3),
        ...(c.stream && { ttft: latencyStats(st.ttft, 3) }),
        // CPU over the whole alternating series (both cases and sides together).
        ...m.cpu,
      });
    }
  }
  const p50 = (c, side, what = 'total') => runs.find((r) => r.case === c && r.side === side)[what].p50;
  console.log(
    `added p50: chat ${fmt(p50('chat', 'gateway') - p50('chat', 'direct'), 3)} ms, TTFT ${fmt(p50('stream', 'gateway', 'ttft') - p50('stream', 'direct', 'ttft'), 3)} ms`,
  );
  return runs;
}

// ---------------------------------------------------------------- concurrency 32

async function throughput(gateway, c, side, openai, model) {
  process.stdout.write(
    `${gateway.driver}: c=${CONC} ${c.label}, ${side.padEnd(7)} warm-up ${C32_WARMUP_S}s, measure ${C32_S}s ... `,
  );
  if (C32_WARMUP_S > 0) await closedLoop(CONC, C32_WARMUP_S, () => safeCall(openai, model, c));
  const commandsBefore = gateway.driver === 'bullmq' ? await redisCommands() : undefined;
  const m = await measured(gateway, () => closedLoop(CONC, C32_S, () => safeCall(openai, model, c)));
  const commandsAfter = commandsBefore && (await redisCommands());
  const { results, bad, elapsedS } = m.result;
  const run = {
    driver: gateway.driver,
    case: c.key,
    side,
    concurrency: CONC,
    calls: results.length,
    bad,
    elapsedS: round(elapsedS, 3),
    rps: round(results.length / elapsedS, 1),
    total: latencyStats(
      results.map((r) => r.totalMs),
      3,
    ),
    ...(c.stream && {
      ttft: latencyStats(
        results.map((r) => r.ttftMs),
        3,
      ),
    }),
    ...m.cpu,
    // Redis commands per call (INFO commandstats, the bench's two INFO calls excluded), and how many of them ran a Lua script.
    ...(commandsBefore && {
      redisCommandsPerCall: round(
        (commandsAfter.total - commandsBefore.total - 1) / Math.max(results.length, 1),
        1,
      ),
      redisScriptsPerCall: round(
        (commandsAfter.scripts - commandsBefore.scripts) / Math.max(results.length, 1),
        1,
      ),
    }),
    // CPU time per call of each process (ms): what one call costs the gateway, Redis, the test server, the client.
    cpuMsPerCall: Object.fromEntries(
      Object.entries(m.cpuS).map(([k, s]) => [k, round((s * 1000) / Math.max(results.length, 1), 3)]),
    ),
  };
  console.log(
    `${fmt(run.rps, 0)} calls/s  p50 ${fmt(run.total.p50)} ms  p99 ${fmt(run.total.p99)} ms${run.redisCommandsPerCall !== undefined && side === 'gateway' ? `  (${run.redisCommandsPerCall} Redis commands/call, ${run.redisScriptsPerCall} Lua)` : ''}${bad ? `  ${bad} BAD` : ''}`,
  );
  return run;
}

/** Commands the private Redis has run so far: all, and EVAL/EVALSHA (BullMQ's Lua scripts). */
async function redisCommands() {
  const stats = await redis.client.info('commandstats');
  let total = 0;
  let scripts = 0;
  for (const [, name, calls] of stats.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
    total += Number(calls);
    if (name === 'evalsha' || name === 'eval') scripts += Number(calls);
  }
  return { total, scripts };
}

// ---------------------------------------------------------------- where the time goes

/** JOBS non-streaming calls through the gateway, then each job's own timings (GET /v1/jobs/:id). */
async function jobTimings(gateway, viaGateway) {
  const ids = [];
  const clientMs = [];
  for (let i = 0; i < JOBS; i++) {
    const t0 = performance.now();
    const { response } = await viaGateway.chat.completions
      .create({ model: 'bench.chat', messages })
      .withResponse();
    clientMs.push(performance.now() - t0);
    ids.push(response.headers.get('x-omnigate-job'));
  }
  const queued = [];
  const run = [];
  const total = [];
  const hop = [];
  for (const id of ids) {
    const r = await httpRequest(`${gateway.url}/v1/jobs/${id}`);
    if (r.status !== 200) throw new Error(`${gateway.driver}: GET /v1/jobs/${id} answered ${r.status}`);
    const t = r.json.timings ?? {};
    queued.push(t.queuedMs ?? NaN);
    run.push(t.runMs ?? NaN);
    total.push(t.totalMs ?? NaN);
    hop.push(r.json.route?.[0]?.ms ?? NaN);
  }
  const out = {
    driver: gateway.driver,
    jobs: ids.length,
    clientMs: latencyStats(clientMs, 3),
    // Whole milliseconds (the record's timestamps), from created to finished.
    queuedMs: latencyStats(queued, 0),
    runMs: latencyStats(run, 0),
    totalMs: latencyStats(total, 0),
    hopMs: latencyStats(hop, 0),
  };
  console.log(
    `${gateway.driver}: ${JOBS} jobs' own timings p50: queued ${out.queuedMs.p50}, run ${out.runMs.p50}, total ${out.totalMs.p50} ms (client p50 ${fmt(out.clientMs.p50)} ms); mean: queued ${fmt(out.queuedMs.mean)}, run ${fmt(out.runMs.mean)}, total ${fmt(out.totalMs.mean)} ms`,
  );
  return out;
}

/** Streaming against the test server with DELAY_MS between chunks (backend benchslow): c=1, alternating blocks. */
async function slowNote(gateway, directSlow, viaGateway) {
  const c = CASES[1];
  const sides = [
    { side: 'direct', openai: directSlow, model: UPSTREAM_MODEL },
    { side: 'gateway', openai: viaGateway, model: 'benchslow.chat' },
  ];
  const stats = Object.fromEntries(sides.map((s) => [s.side, { total: [], ttft: [], bad: 0 }]));
  process.stdout.write(
    `${gateway.driver}: note: streaming with ${DELAY_MS} ms between chunks, ${NOTE_REQUESTS} calls per side ... `,
  );
  for (const s of sides) for (let i = 0; i < 10; i++) await safeCall(s.openai, s.model, c);
  const block = Math.max(1, Math.floor(NOTE_REQUESTS / 4));
  for (let b = 0; b * block < NOTE_REQUESTS; b++) {
    for (const s of b % 2 === 0 ? sides : [...sides].reverse()) {
      for (let k = 0; k < Math.min(block, NOTE_REQUESTS - b * block); k++) {
        const r = await safeCall(s.openai, s.model, c);
        if (!r.ok) stats[s.side].bad++;
        else {
          stats[s.side].total.push(r.totalMs);
          stats[s.side].ttft.push(r.ttftMs);
        }
      }
    }
  }
  const out = {
    driver: gateway.driver,
    case: 'stream',
    chunkDelayMs: DELAY_MS,
    concurrency: 1,
    bad: stats.direct.bad + stats.gateway.bad,
    ...Object.fromEntries(
      sides.map((s) => [
        s.side,
        {
          calls: stats[s.side].total.length,
          ttft: latencyStats(stats[s.side].ttft, 3),
          total: latencyStats(stats[s.side].total, 3),
        },
      ]),
    ),
  };
  console.log(
    `TTFT p50 direct ${fmt(out.direct.ttft.p50)} / gateway ${fmt(out.gateway.ttft.p50)} ms, total p50 ${fmt(out.direct.total.p50)} / ${fmt(out.gateway.total.p50)} ms`,
  );
  return out;
}

// ---------------------------------------------------------------- CPU around a run

/** Runs `work`; CPU of the gateway, Redis, the test server, this process (client) and the rest (100% = one core). */
async function measured(gateway, work) {
  const pids = { gateway: gateway.proc.pid, upstream: upstream.proc.pid };
  if (gateway.driver === 'bullmq') pids.redis = redis.proc.pid;
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuTicks(pid)]));
  const systemBefore = systemBusyTicks();
  const selfBefore = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const elapsedS = (performance.now() - t0) / 1000;
  const used = Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => [k, (cpuTicks(pid) - before[k]) / CLK_TCK]),
  );
  const self = process.cpuUsage(selfBefore);
  const selfS = (self.user + self.system) / 1e6;
  const known = Object.values(used).reduce((a, v) => a + v, 0) + selfS;
  const otherS = Math.max(0, (systemBusyTicks() - systemBefore) / CLK_TCK - known);
  const pctOf = (s) => round((100 * s) / elapsedS, 0);
  return {
    result,
    elapsedS,
    cpuS: { gateway: used.gateway, redis: used.redis ?? 0, upstream: used.upstream, client: selfS },
    cpu: {
      gatewayCpuPct: pctOf(used.gateway),
      redisCpuPct: used.redis === undefined ? undefined : pctOf(used.redis),
      upstreamCpuPct: pctOf(used.upstream),
      clientCpuPct: pctOf(selfS),
      otherCpuPct: pctOf(otherS),
      loadAvg1m: round(os.loadavg()[0], 2),
    },
  };
}

// ---------------------------------------------------------------- children

function startTestServer(name, chunkDelayMs) {
  const logFile = join(LOG_DIR, `openai-${name}.log`);
  return startOpenAiTestServer(children, { name, chunkDelayMs, apiKey: BACKEND_KEY, logFile });
}

function backends() {
  const one = (id, server) => ({
    id,
    baseUrl: server.url,
    apiKey: BACKEND_KEY,
    models: { chat: UPSTREAM_MODEL },
    concurrency: BACKEND_CONCURRENCY,
  });
  return [one('bench', upstream), ...(upstreamSlow ? [one('benchslow', upstreamSlow)] : [])];
}

async function startGateway(driver) {
  const child = await startGatewayChild(children, {
    name: driver,
    main: join(SNAPSHOT_DIR, MAIN_IN_BUILD),
    cwd: ROOT,
    logFile: join(LOG_DIR, `openai-gateway-${driver}.log`),
    publicEnv: { ROLE: 'all', QUEUE_DRIVER: driver, LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    privateEnv: {
      QUEUE_PREFIX: `${RUN_ID}-${driver}`,
      OPENAI_BACKENDS: JSON.stringify(backends()),
      ...(driver === 'bullmq' ? { REDIS_URL: `redis://127.0.0.1:${redis.port}` } : {}),
    },
    dropEnv: ['ADAPTER_MODULES', 'API_KEYS', 'OPENAI_API_KEY', ...(driver === 'bullmq' ? [] : ['REDIS_URL'])],
    nodeArgs: cpuProfileArgs(CPU_PROF, PROFILE_DIR, `openai-gateway-${driver}`),
    blobDir: mkTemp(`omnigate-openai-blobs-${driver}-`),
    note: `, OPENAI_BACKENDS bench${upstreamSlow ? ' + benchslow' : ''} (concurrency ${BACKEND_CONCURRENCY})`,
  });
  return Object.assign(child, { driver });
}

// ---------------------------------------------------------------- report

function summarize(c1, cN) {
  const check = (value, target) => ({ value, target, pass: value === null ? null : value <= target });
  const checks = {};
  const added = {};
  for (const driver of DRIVERS) {
    const at1 = (c, side) => c1.find((r) => r.driver === driver && r.case === c && r.side === side);
    const atN = (c, side) => cN.find((r) => r.driver === driver && r.case === c && r.side === side);
    const diff = (c, what) =>
      Object.fromEntries(
        ['p50', 'p90', 'p99', 'mean'].map((p) => [
          p,
          round(at1(c, 'gateway')[what][p] - at1(c, 'direct')[what][p], 3),
        ]),
      );
    added[driver] = {
      chatMs: diff('chat', 'total'),
      ttftMs: diff('stream', 'ttft'),
      streamTotalMs: diff('stream', 'total'),
      [`rpsRatioC${CONC}`]: Object.fromEntries(
        CASES.map((c) => [c.key, round(atN(c.key, 'gateway').rps / atN(c.key, 'direct').rps, 3)]),
      ),
    };
    checks[`addedP50Ms_${driver}`] = check(added[driver].chatMs.p50, TARGETS.addedP50Ms);
    checks[`addedTtftP50Ms_${driver}`] = check(added[driver].ttftMs.p50, TARGETS.addedP50Ms);
  }
  return { checks, added };
}

function table(head, rows, leftCols = 3) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i < leftCols ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(head));
  console.log(
    `|${widths.map((w, i) => (i < leftCols ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const row of rows) console.log(line(row));
}

const cpuCell = (v) => (v === undefined ? '-' : `${v}%`);

function printTables(c1, cN, jobs, notes, { checks, added }) {
  console.log('\nconcurrency 1 (ms; CPU over the whole alternating series)');
  table(
    [
      'driver',
      'case',
      'side',
      'p50',
      'p90',
      'p99',
      'TTFT p50',
      'TTFT p90',
      'TTFT p99',
      'bad',
      'gw CPU',
      'redis',
      'upstream',
      'client',
      'other',
    ],
    c1.map((r) => [
      r.driver,
      r.case,
      r.side,
      fmt(r.total.p50, 3),
      fmt(r.total.p90, 3),
      fmt(r.total.p99, 3),
      r.ttft ? fmt(r.ttft.p50, 3) : '-',
      r.ttft ? fmt(r.ttft.p90, 3) : '-',
      r.ttft ? fmt(r.ttft.p99, 3) : '-',
      String(r.bad),
      cpuCell(r.gatewayCpuPct),
      cpuCell(r.redisCpuPct),
      cpuCell(r.upstreamCpuPct),
      cpuCell(r.clientCpuPct),
      cpuCell(r.otherCpuPct),
    ]),
  );
  console.log(`\nconcurrency ${CONC}, ${C32_S} s each (ms)`);
  table(
    [
      'driver',
      'case',
      'side',
      'calls/s',
      'p50',
      'p99',
      'TTFT p50',
      'TTFT p99',
      'bad',
      'gw CPU',
      'redis',
      'upstream',
      'client',
      'other',
      'CPU ms/call gw+redis',
      'upstream',
      'client',
    ],
    cN.map((r) => [
      r.driver,
      r.case,
      r.side,
      fmt(r.rps, 0),
      fmt(r.total.p50, 2),
      fmt(r.total.p99, 2),
      r.ttft ? fmt(r.ttft.p50, 2) : '-',
      r.ttft ? fmt(r.ttft.p99, 2) : '-',
      String(r.bad),
      cpuCell(r.gatewayCpuPct),
      cpuCell(r.redisCpuPct),
      cpuCell(r.upstreamCpuPct),
      cpuCell(r.clientCpuPct),
      cpuCell(r.otherCpuPct),
      r.side === 'gateway' ? fmt(r.cpuMsPerCall.gateway + r.cpuMsPerCall.redis, 2) : '-',
      fmt(r.cpuMsPerCall.upstream, 2),
      fmt(r.cpuMsPerCall.client, 2),
    ]),
  );
  console.log('\nadded by the gateway (gateway − direct, ms) at c=1, and calls/s ratio gateway / direct');
  table(
    ['driver', 'what', '', 'p50', 'p90', 'p99', `ratio c=${CONC}`],
    Object.entries(added).flatMap(([driver, a]) => [
      [
        driver,
        'chat',
        '',
        fmt(a.chatMs.p50, 3),
        fmt(a.chatMs.p90, 3),
        fmt(a.chatMs.p99, 3),
        fmt(a[`rpsRatioC${CONC}`].chat, 3),
      ],
      [
        driver,
        'stream TTFT',
        '',
        fmt(a.ttftMs.p50, 3),
        fmt(a.ttftMs.p90, 3),
        fmt(a.ttftMs.p99, 3),
        fmt(a[`rpsRatioC${CONC}`].stream, 3),
      ],
      [
        driver,
        'stream total',
        '',
        fmt(a.streamTotalMs.p50, 3),
        fmt(a.streamTotalMs.p90, 3),
        fmt(a.streamTotalMs.p99, 3),
        '-',
      ],
    ]),
    3,
  );
  if (jobs.length) {
    console.log(`\nthe gateway's own timings of ${JOBS} non-streaming jobs (whole ms, p50 / mean)`);
    for (const j of jobs)
      console.log(
        `  ${j.driver.padEnd(6)} client ${fmt(j.clientMs.p50)} / ${fmt(j.clientMs.mean)}; queued ${j.queuedMs.p50} / ${fmt(j.queuedMs.mean)}; run ${j.runMs.p50} / ${fmt(j.runMs.mean)}; total ${j.totalMs.p50} / ${fmt(j.totalMs.mean)}`,
      );
  }
  for (const n of notes)
    console.log(
      `note ${n.driver}: streaming, ${n.chunkDelayMs} ms between chunks: TTFT p50 ${fmt(n.direct.ttft.p50)} → ${fmt(n.gateway.ttft.p50)} ms, total p50 ${fmt(n.direct.total.p50)} → ${fmt(n.gateway.total.p50)} ms`,
    );
  console.log(
    `\nreference, added latency at c=1: Bifrost ${REFERENCE.bifrost} ms, Portkey ${REFERENCE.portkey} ms, LiteLLM ${REFERENCE.litellm} ms`,
  );
  const mark = (c) => (c.pass === null ? 'n/a ' : c.pass ? 'PASS' : 'MISS');
  console.log('targets');
  for (const [key, c] of Object.entries(checks)) {
    const [what, driver] = key.split('_');
    const label = what === 'addedP50Ms' ? 'added p50, non-streaming' : 'added p50, TTFT';
    console.log(
      `  ${mark(c)}  ${driver.padEnd(6)} ${label}: ${fmt(c.value, 3)} ms (target <= ${c.target} ms)`,
    );
  }
}

function printMachine(m, build) {
  console.log('omnigate OpenAI facade benchmark: the openai client direct against through the gateway');
  console.log(
    `machine: ${m.nproc} CPU (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.os}, load ${m.loadAvg1m}`,
  );
  console.log(
    `node ${m.node}, redis-server ${m.redisServer}, openai ${m.openaiClient} (client in this process, pid ${process.pid})`,
  );
  console.log(
    `gateway: ${build.source}, run from a copy in bench/results/build-openai/ (commit ${build.commit})`,
  );
}
