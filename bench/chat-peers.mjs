// omnigate against a peer gateway on OpenAI chat completions (issue 13): what does each side add to
// POST /v1/chat/completions over calling the upstream directly, in one run, side by side?
//   Upstream: the repository's OpenAI-compatible test server (test/openai-server/openai-test-server.mjs)
//   in a child process, --chunk-delay-ms 0; a second one with --chunk-delay-ms BURST_DELAY_MS for
//   the burst of concurrent streams (so that they are all open at once for a while).
//   Sides, each a child process of its own, all running for the whole run:
//     direct   the upstream itself (model gpt-4o-mini)
//     portkey  Portkey's AI gateway 1.15.2 (npm, installed by bench/lib/portkey.mjs into a cached
//              folder outside the repository), `--port=N --headless`, NODE_ENV=production; calls carry
//              x-portkey-provider: openai and x-portkey-custom-host: <upstream>/v1 (model gpt-4o-mini)
//     auto     omnigate, DISPATCH=auto, QUEUE_DRIVER=bullmq (the interactive lane of issue 13)
//     queue    omnigate, DISPATCH=queue, QUEUE_DRIVER=bullmq (every call through BullMQ)
//     inline   omnigate, QUEUE_DRIVER=inline
//   The omnigate sides run a copy of the build (bench/results/build-peers/), ROLE=all,
//   LOG_LEVEL=warn, NODE_ENV=production, one private redis-server (no persistence) with a
//   QUEUE_PREFIX each, OPENAI_BACKENDS naming the upstreams as backends `bench` and `benchpaced`
//   (model bench.chat / benchpaced.chat pins the route). A build that does not read DISPATCH yet
//   runs auto and queue alike (the run says so).
//   Every call is the official request shape ({ model, messages: [{ role: 'user', content }] },
//   stream: true for the streamed case) with `authorization: Bearer sk-test`, sent with node:http
//   from this process (keep-alive agents; autocannon for non-streamed load at c=CONC).
//   Checked once per side before measuring: the answer's content is the upstream's echo, streamed
//   and not, on both upstreams; omnigate's non-streamed answer names route bench.chat, Portkey's
//   carries the test server's system_fingerprint (it proxied the call).
//   c=1: WARMUP calls per case and side, then REQUESTS per case and side in blocks of BLOCK, the
//   sides in a rotating order block by block, so that drift and other load hit all of them. Mean,
//   p50, p99 of the whole call and, streamed, of the time to first token (the first chunk with
//   non-empty delta.content); added = side − direct.
//   c=CONC: ROUNDS rounds, each side in a rotating order, C32_WARMUP_S s warm-up then C32_S s
//   measured per case and side; requests/s over the rounds, p50/p99 of the calls, the side's CPU
//   per call. Non-streamed: autocannon (CONC connections); streamed: CONC loops of streamed calls.
//   Burst: BURST streamed calls started at once per side (keep-alive agent with BURST sockets),
//   twice in a row: the first opens the connections (BURST connects at once, beyond a listen
//   backlog of 511: direct stalls there too), the second finds them open, and it is the one the
//   target counts. Per stream: time to first token and the largest gap between two events after
//   it (up to [DONE]). A stall is a stream whose first token took longer than STALL_MS or with a
//   gap longer than STALL_MS; a failure is an error, a non-200 answer or wrong content.
// Targets (issue 13), ratios within the run: the auto lane adds no more mean latency at c=1 than
// Portkey (non-streamed) and no more mean time to first token (streamed); serves >= 1.2x Portkey's
// requests/s at c=CONC (non-streamed); BURST concurrent streams (the second burst) with no stall
// and no failure. The
// queue lane's target (>= 0.7 of a lean Fastify + BullMQ floor) is measured by bench/run.mjs.
// Everything it starts or writes is stopped or removed at the end, also on failure or Ctrl-C, but
// for the Portkey install, kept for the next run.
// Usage: npm run bench:peers   (builds, then runs this file; about 4 minutes, plus about 20 s the
// first time for the Portkey install). Knobs (env):
//   BENCH_GATEWAY_MAIN=path/to/main.js  compiled gateway (default dist/apps/gateway/apps/gateway/src/main.js)
//   BENCH_PEERS_SIDES=portkey,auto,queue,inline   (direct always runs)
//   BENCH_PEERS_WARMUP=100  BENCH_PEERS_REQUESTS=500  BENCH_PEERS_BLOCK=50        (c=1, per case and side)
//   BENCH_PEERS_CONC=32  BENCH_PEERS_C32_WARMUP_S=1  BENCH_PEERS_C32_S=4  BENCH_PEERS_ROUNDS=2
//   BENCH_PEERS_BURST=512  BENCH_PEERS_BURST_DELAY_MS=25  BENCH_PEERS_BURST_WORDS=20  BENCH_PEERS_STALL_MS=1000
//   BENCH_PEERS_BACKEND_CONCURRENCY=32  (backend `bench`; `benchpaced` gets BURST)
//   BENCH_PEERS_PORTKEY_DIR=<os.tmpdir()>/omnigate-bench-portkey-1.15.2   (the cached install)
//   BENCH_OUT=peers.json (under bench/results/; the Markdown tables go beside it as .md)
//   BENCH_STRICT=1  also exit 1 when a target is missed (a failed or wrong call at c=1 or c=CONC
//                   always fails the run; the burst's failures are its result, reported)
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { MAIN_IN_BUILD, snapshotGatewayBuild } from './lib/build.mjs';
import { httpRequest, postSse } from './lib/http.mjs';
import { benchRun } from './lib/lifecycle.mjs';
import { closedLoop } from './lib/load.mjs';
import { cpuWindow, machineInfo } from './lib/machine.mjs';
import { fmt, latencyStats, markdownTable, round } from './lib/numbers.mjs';
import { installPortkey, PORTKEY_VERSION, startPortkey } from './lib/portkey.mjs';
import { redisVersion, startGatewayChild, startOpenAiTestServer, startRedis } from './lib/processes.mjs';
import { LOG_DIR, RESULTS_DIR, ROOT, SOURCE_MAIN } from './lib/shared.mjs';

const env = process.env;
const list = (v) => v.split(',').map((s) => s.trim());
const SIDE_KEYS = list(env.BENCH_PEERS_SIDES ?? 'portkey,auto,queue,inline');
for (const key of SIDE_KEYS) {
  if (!['portkey', 'auto', 'queue', 'inline'].includes(key))
    throw new Error(`BENCH_PEERS_SIDES: unknown side ${key} (portkey, auto, queue, inline)`);
}
const WARMUP = Number(env.BENCH_PEERS_WARMUP ?? 100);
const REQUESTS = Number(env.BENCH_PEERS_REQUESTS ?? 500);
const BLOCK = Number(env.BENCH_PEERS_BLOCK ?? 50);
const CONC = Number(env.BENCH_PEERS_CONC ?? 32);
const C32_WARMUP_S = Number(env.BENCH_PEERS_C32_WARMUP_S ?? 1);
const C32_S = Number(env.BENCH_PEERS_C32_S ?? 4);
const ROUNDS = Number(env.BENCH_PEERS_ROUNDS ?? 2);
const BURST = Number(env.BENCH_PEERS_BURST ?? 512);
const BURST_DELAY_MS = Number(env.BENCH_PEERS_BURST_DELAY_MS ?? 25);
const BURST_WORDS = Number(env.BENCH_PEERS_BURST_WORDS ?? 20);
const STALL_MS = Number(env.BENCH_PEERS_STALL_MS ?? 1000);
const BACKEND_CONCURRENCY = Number(env.BENCH_PEERS_BACKEND_CONCURRENCY ?? 32);
const PORTKEY_DIR =
  env.BENCH_PEERS_PORTKEY_DIR ?? join(os.tmpdir(), `omnigate-bench-portkey-${PORTKEY_VERSION}`);
const STRICT = env.BENCH_STRICT === '1';
const SNAPSHOT_DIR = join(RESULTS_DIR, 'build-peers');
const RUN_ID = `peers${process.pid}${Date.now().toString(36)}`;
const API_KEY = 'sk-test';
const UPSTREAM_MODEL = 'gpt-4o-mini';
const UPSTREAM_FINGERPRINT = 'fp_omnigate_test';
const PROMPT = 'Say hello';
const BURST_PROMPT = Array.from({ length: BURST_WORDS }, (_, i) => `word${i + 1}`).join(' ');

/** Issue 13's targets for the auto lane, each against Portkey in the same run. */
const TARGETS = {
  addedMeanC1: 'auto added mean (non-streamed, c=1) <= Portkey added mean',
  rpsRatio: 1.2, // auto req/s / Portkey req/s, non-streamed, c=CONC
  addedTtftMeanC1: 'auto added mean TTFT (streamed, c=1) <= Portkey added mean TTFT',
  burstStalls: 0, // stalls + failures over BURST concurrent streams, second burst (connections open)
};

const CASES = [
  { key: 'chat', stream: false },
  { key: 'stream', stream: true },
];

let redis;
let upstream;
const { children, mkTemp, cleanup, start } = benchRun({ redis: () => redis });
start(main);

async function main() {
  mkdirSync(LOG_DIR, { recursive: true });
  const machine = machineInfo();
  const build = snapshotGatewayBuild(SOURCE_MAIN, SNAPSHOT_DIR);
  build.readsDispatch = buildReadsDispatch(SNAPSHOT_DIR);
  printMachine(machine, build);

  const portkeyInstall = SIDE_KEYS.includes('portkey') ? preparePortkey() : undefined;
  upstream = await startUpstream('upstream', 0);
  const paced = await startUpstream('upstream-paced', BURST_DELAY_MS);
  if (SIDE_KEYS.some((k) => k === 'auto' || k === 'queue')) {
    redis = await startRedis(children, join(LOG_DIR, 'peers-redis.log'));
    machine.redisVersion = await redisVersion(redis.client);
    console.log(
      `redis ${machine.redisVersion} on 127.0.0.1:${redis.port} (pid ${redis.proc.pid}, no persistence)`,
    );
  }
  const backends = [
    backend('bench', upstream, BACKEND_CONCURRENCY),
    backend('benchpaced', paced, Math.min(BURST, 1024)),
  ];
  const sides = [directSide(upstream, paced)];
  for (const key of SIDE_KEYS) {
    if (key === 'portkey') sides.push(await portkeySide(portkeyInstall, upstream, paced));
    else sides.push(await gatewaySide(key, build, backends));
  }

  const started = Date.now();
  const phasesS = {};
  const phase = async (name, work) => {
    const t0 = Date.now();
    const result = await work();
    phasesS[name] = Math.round((Date.now() - t0) / 1000);
    return result;
  };
  for (const side of sides) await check(side);
  const c1 = await phase('c1', () => latencyC1(sides));
  const cN = await phase(`c${CONC}`, () => throughput(sides));
  const bursts = await phase('burst', () => burstAll(sides));
  const summary = summarize(sides, c1, cN, bursts);
  const tables = markdown(sides, c1, cN, bursts, summary);
  console.log(`\n${tables}`);

  const output = {
    generatedAt: new Date().toISOString(),
    command: env.BENCH_GATEWAY_MAIN
      ? `BENCH_GATEWAY_MAIN=${env.BENCH_GATEWAY_MAIN} node bench/chat-peers.mjs`
      : 'npm run bench:peers',
    build,
    portkey: portkeyInstall && { ...portkeyInstall.versions, dir: portkeyInstall.dir },
    settings: {
      sides: sides.map((s) => ({ key: s.key, description: s.description })),
      upstream: `test/openai-server/openai-test-server.mjs in a child process, --chunk-delay-ms 0 (burst: ${BURST_DELAY_MS})`,
      openaiBackends: backends,
      prompt: PROMPT,
      burstPrompt: BURST_PROMPT,
      c1: { warmup: WARMUP, requests: REQUESTS, block: BLOCK },
      cN: { concurrency: CONC, warmupS: C32_WARMUP_S, durationS: C32_S, rounds: ROUNDS },
      burst: { streams: BURST, chunkDelayMs: BURST_DELAY_MS, words: BURST_WORDS, stallMs: STALL_MS },
      stall: `a stream whose first token came more than ${STALL_MS} ms after the call started, or with more than ${STALL_MS} ms between two events after it`,
    },
    machine,
    c1,
    cN,
    bursts,
    summary,
    targets: TARGETS,
    loadAvgAtEnd: round(os.loadavg()[0], 2),
    wallS: Math.round((Date.now() - started) / 1000),
    phasesS,
  };
  const file = join(RESULTS_DIR, env.BENCH_OUT ?? 'peers.json');
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  const mdFile = file.replace(/\.json$/, '') + '.md';
  writeFileSync(mdFile, `${header(machine, build, portkeyInstall, output)}\n\n${tables}\n`);
  console.log(
    `\nresults: ${file} and ${mdFile} (${output.wallS} s measured: ${Object.entries(phasesS)
      .map(([k, v]) => `${k} ${v} s`)
      .join(', ')})`,
  );
  await cleanup();

  const bad = [
    ...c1.filter((r) => r.bad > 0).map((r) => `${r.side} ${r.case} c=1: ${r.bad}`),
    ...cN.filter((r) => r.bad > 0).map((r) => `${r.side} ${r.case} c=${CONC}: ${r.bad}`),
  ];
  if (bad.length > 0) {
    console.error(`\nBENCH FAILED: calls failed or answered the wrong content: ${bad.join('; ')}`);
    process.exit(1);
  }
  if (STRICT && summary.targets.some((t) => t.pass === false)) process.exit(1);
}

// ---------------------------------------------------------------- sides

function directSide(upstream, paced) {
  return {
    key: 'direct',
    description: `the upstream itself (${upstream.url})`,
    pid: undefined,
    chat: target(upstream.url, UPSTREAM_MODEL, {}),
    paced: target(paced.url, UPSTREAM_MODEL, {}),
  };
}

async function portkeySide(install, upstream, paced) {
  const portkey = await startPortkey(children, {
    entry: install.entry,
    dir: install.dir,
    logFile: join(LOG_DIR, 'peers-portkey.log'),
  });
  console.log(
    `portkey ${install.versions.portkey} (hono ${install.versions.hono}, @hono/node-server ${install.versions.honoNodeServer}): pid ${portkey.proc.pid} on ${portkey.url}, --headless, NODE_ENV=production`,
  );
  const via = (server) => ({ 'x-portkey-provider': 'openai', 'x-portkey-custom-host': server.url });
  return {
    key: 'portkey',
    description: `Portkey ${install.versions.portkey}, --headless, NODE_ENV=production; x-portkey-provider: openai, x-portkey-custom-host: <upstream>/v1`,
    pid: portkey.proc.pid,
    chat: target(`${portkey.url}/v1`, UPSTREAM_MODEL, via(upstream)),
    paced: target(`${portkey.url}/v1`, UPSTREAM_MODEL, via(paced)),
  };
}

/** omnigate as side `key`: auto and queue on the run's Redis, inline without. */
async function gatewaySide(key, build, backends) {
  const driver = key === 'inline' ? 'inline' : 'bullmq';
  const publicEnv = {
    ROLE: 'all',
    QUEUE_DRIVER: driver,
    ...(driver === 'bullmq' && { DISPATCH: key }),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  };
  const gateway = await startGatewayChild(children, {
    name: key,
    main: join(SNAPSHOT_DIR, MAIN_IN_BUILD),
    cwd: ROOT,
    logFile: join(LOG_DIR, `peers-gateway-${key}.log`),
    publicEnv,
    privateEnv: {
      QUEUE_PREFIX: `${RUN_ID}-${key}`,
      OPENAI_BACKENDS: JSON.stringify(backends),
      ...(driver === 'bullmq' && { REDIS_URL: `redis://127.0.0.1:${redis.port}` }),
    },
    dropEnv: [
      'ADAPTER_MODULES',
      'API_KEYS',
      'OPENAI_API_KEY',
      ...(driver === 'bullmq' ? [] : ['REDIS_URL', 'DISPATCH']),
    ],
    blobDir: mkTemp(`omnigate-peers-blobs-${key}-`),
    note: `, OPENAI_BACKENDS bench (concurrency ${BACKEND_CONCURRENCY}) + benchpaced (concurrency ${Math.min(BURST, 1024)})`,
  });
  const shown = Object.entries(publicEnv)
    .filter(([k]) => k === 'QUEUE_DRIVER' || k === 'DISPATCH')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return {
    key,
    description: `omnigate ${shown}${driver === 'bullmq' && !build.readsDispatch ? ' (this build does not read DISPATCH)' : ''}`,
    pid: gateway.proc.pid,
    redis: driver === 'bullmq',
    chat: target(`${gateway.url}/v1`, 'bench.chat', {}),
    paced: target(`${gateway.url}/v1`, 'benchpaced.chat', {}),
  };
}

/** Where and how a side is called, with its request bodies made once. */
function target(baseUrl, model, headers) {
  const body = (content, stream) =>
    JSON.stringify({ model, messages: [{ role: 'user', content }], ...(stream && { stream: true }) });
  return {
    url: `${baseUrl}/chat/completions`,
    model,
    headers: { authorization: `Bearer ${API_KEY}`, ...headers },
    bodies: {
      chat: body(PROMPT, false),
      stream: body(PROMPT, true),
      burst: body(BURST_PROMPT, true),
    },
  };
}

function backend(id, server, concurrency) {
  return { id, baseUrl: server.url, apiKey: API_KEY, models: { chat: UPSTREAM_MODEL }, concurrency };
}

function startUpstream(name, chunkDelayMs) {
  const logFile = join(LOG_DIR, `peers-${name}.log`);
  return startOpenAiTestServer(children, { name, chunkDelayMs, apiKey: API_KEY, logFile });
}

function preparePortkey() {
  const logFile = join(LOG_DIR, 'peers-portkey-install.log');
  process.stdout.write(`portkey ${PORTKEY_VERSION}: ${PORTKEY_DIR} ... `);
  const install = installPortkey(PORTKEY_DIR, logFile);
  console.log(
    install.installed ? `installed in ${fmt(install.installS, 1)} s` : 'installed by an earlier run',
  );
  return install;
}

/** Whether the compiled gateway mentions DISPATCH at all (a build from before issue 13 does not). */
function buildReadsDispatch(dir) {
  const files = readdirSync(join(dir, 'apps/gateway/src'), { recursive: true }).filter((f) =>
    f.endsWith('.js'),
  );
  return files.some((f) => readFileSync(join(dir, 'apps/gateway/src', f), 'utf8').includes('DISPATCH'));
}

// ---------------------------------------------------------------- calls

/**
 * One call of `kind` (chat, stream or burst) to `side`; resolves { ok, status, totalMs, ttftMs,
 * maxGapMs (streamed), content, headers }. A throw counts as a failed call.
 */
async function call(side, kind, agent) {
  const t = kind === 'burst' ? side.paced : side.chat;
  const expected = `Echo: ${kind === 'burst' ? BURST_PROMPT : PROMPT}`;
  try {
    if (kind === 'chat') {
      const r = await httpRequest(t.url, {
        method: 'POST',
        body: t.bodies.chat,
        agent,
        headers: { 'content-type': 'application/json', ...t.headers },
        timeoutMs: 30_000,
      });
      const content = r.json?.choices?.[0]?.message?.content;
      const ok = r.status === 200 && content === expected;
      return {
        ok,
        status: r.status,
        totalMs: r.ms,
        content,
        headers: r.headers,
        fingerprint: r.json?.system_fingerprint,
        ...(!ok && { text: r.text }),
      };
    }
    const r = await postSse(t.url, t.bodies[kind], { agent, headers: t.headers, timeoutMs: 30_000 });
    let content = '';
    let ttftMs;
    let lastMs;
    let maxGapMs = 0;
    for (const e of r.events) {
      if (ttftMs !== undefined) {
        maxGapMs = Math.max(maxGapMs, e.atMs - lastMs);
        lastMs = e.atMs;
      }
      if (e.data === '[DONE]') continue;
      const piece = JSON.parse(e.data).choices?.[0]?.delta?.content;
      if (piece) {
        content += piece;
        if (ttftMs === undefined) ttftMs = lastMs = e.atMs;
      }
    }
    const ok = r.status === 200 && r.events.at(-1)?.data === '[DONE]' && content === expected;
    return { ok, status: r.status, totalMs: r.ms, ttftMs, maxGapMs, content, ...(!ok && { text: r.text }) };
  } catch (err) {
    return { ok: false, error: err.message };
  }
}

/** Each case once, and the burst's prompt once, with the upstream's own content; omnigate's route. */
async function check(side) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const kind of ['chat', 'stream', 'burst']) {
      const r = await call(side, kind, agent);
      if (!r.ok) {
        const what = r.error ?? `${r.status} ${JSON.stringify(r.content)} ${r.text?.slice(0, 300) ?? ''}`;
        throw new Error(`${side.key} ${kind}: not the upstream's answer: ${what}`);
      }
      if (kind === 'chat' && side.chat.model === 'bench.chat') {
        const route = r.headers['x-omnigate-route'];
        if (route !== 'text->text bench.chat') throw new Error(`${side.key}: x-omnigate-route ${route}`);
      } else if (kind === 'chat' && r.fingerprint !== UPSTREAM_FINGERPRINT) {
        // A proxy passes the answer through: the test server's fingerprint says it came from there.
        throw new Error(`${side.key}: system_fingerprint ${r.fingerprint}, not the test server's`);
      }
    }
  } finally {
    agent.destroy();
  }
  console.log(`${side.key}: answers as the upstream does (non-streamed, streamed, burst prompt)`);
}

/** `sides` starting at index `k` (mod their count): the order of block or round `k`. */
function rotate(sides, k) {
  const i = k % sides.length;
  return [...sides.slice(i), ...sides.slice(0, i)];
}

// ---------------------------------------------------------------- c=1

async function latencyC1(sides) {
  const agents = new Map(sides.map((s) => [s.key, new http.Agent({ keepAlive: true, maxSockets: 1 })]));
  const stats = new Map();
  for (const s of sides)
    for (const c of CASES) stats.set(`${s.key}/${c.key}`, { total: [], ttft: [], bad: 0 });
  process.stdout.write(
    `\nc=1: warm-up ${WARMUP} + ${REQUESTS} calls per case and side, blocks of ${BLOCK}, rotating order ... `,
  );
  for (let i = 0; i < WARMUP; i++)
    for (const c of CASES) for (const s of sides) await call(s, c.key, agents.get(s.key));
  for (let b = 0; b * BLOCK < REQUESTS; b++) {
    const n = Math.min(BLOCK, REQUESTS - b * BLOCK);
    for (const c of CASES) {
      for (const s of rotate(sides, b)) {
        const st = stats.get(`${s.key}/${c.key}`);
        for (let k = 0; k < n; k++) {
          const r = await call(s, c.key, agents.get(s.key));
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
  for (const agent of agents.values()) agent.destroy();
  const runs = [];
  for (const s of sides) {
    for (const c of CASES) {
      const st = stats.get(`${s.key}/${c.key}`);
      runs.push({
        side: s.key,
        case: c.key,
        concurrency: 1,
        calls: st.total.length,
        bad: st.bad,
        total: latencyStats(st.total, 3),
        ...(c.stream && { ttft: latencyStats(st.ttft, 3) }),
      });
    }
  }
  const direct = (c, what) => runs.find((r) => r.side === 'direct' && r.case === c)[what];
  for (const r of runs) {
    r.addedMs = added(r.total, direct(r.case, 'total'));
    if (r.ttft) r.addedTtftMs = added(r.ttft, direct(r.case, 'ttft'));
  }
  console.log('done');
  for (const r of runs.filter((x) => x.side !== 'direct'))
    console.log(
      `  ${r.side.padEnd(7)} ${r.case.padEnd(6)} added mean ${fmt(r.addedMs.mean, 3)} ms${r.ttft ? `, TTFT ${fmt(r.addedTtftMs.mean, 3)} ms` : ''}`,
    );
  return runs;
}

/** side − direct for mean, p50 and p99. */
function added(side, direct) {
  return Object.fromEntries(['mean', 'p50', 'p99'].map((p) => [p, round(side[p] - direct[p], 3)]));
}

// ---------------------------------------------------------------- c=CONC

async function throughput(sides) {
  const totals = new Map();
  for (const s of sides)
    for (const c of CASES)
      totals.set(`${s.key}/${c.key}`, { ok: 0, seconds: 0, bad: 0, total: [], ttft: [], cpuS: {} });
  console.log(
    `\nc=${CONC}: ${ROUNDS} rounds, per case and side ${C32_WARMUP_S} s warm-up + ${C32_S} s measured, rotating order`,
  );
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    for (const c of CASES) {
      for (const s of rotate(sides, round_)) {
        const t = totals.get(`${s.key}/${c.key}`);
        const run = c.stream ? streamLoad : chatLoad;
        if (C32_WARMUP_S > 0) await run(s, C32_WARMUP_S);
        const window = cpuWindow({
          ...(s.pid && { side: s.pid }),
          upstream: upstream.proc.pid,
          ...(s.redis && { redis: redis.proc.pid }),
        });
        const r = await run(s, C32_S);
        const cpu = window.end();
        t.ok += r.ok;
        t.bad += r.bad;
        t.seconds += r.seconds;
        t.total.push(...r.total);
        t.ttft.push(...r.ttft);
        for (const [k, v] of Object.entries(cpu.cpuS)) t.cpuS[k] = (t.cpuS[k] ?? 0) + v;
        console.log(
          `  round ${round_ + 1} ${c.key.padEnd(6)} ${s.key.padEnd(7)} ${fmt(r.ok / r.seconds, 0)} req/s${r.bad ? `  ${r.bad} BAD` : ''}`,
        );
      }
    }
  }
  const runs = [];
  for (const s of sides) {
    for (const c of CASES) {
      const t = totals.get(`${s.key}/${c.key}`);
      runs.push({
        side: s.key,
        case: c.key,
        concurrency: CONC,
        calls: t.ok,
        bad: t.bad,
        seconds: round(t.seconds, 3),
        rps: round(t.ok / t.seconds, 1),
        total: latencyStats(t.total, 3),
        ...(c.stream && { ttft: latencyStats(t.ttft, 3) }),
        // CPU time per call (ms) of the side's process (none for direct), the upstream, Redis (auto and queue), this process.
        cpuMsPerCall: Object.fromEntries(
          Object.entries(t.cpuS)
            .filter(([k]) => k !== 'other')
            .map(([k, v]) => [k, round((v * 1000) / Math.max(t.ok, 1), 3)]),
        ),
        otherCpuPct: round((100 * (t.cpuS.other ?? 0)) / t.seconds, 0),
      });
    }
  }
  return runs;
}

/** autocannon, CONC connections, `seconds` s of non-streamed calls; every answer's time kept (2xx only). */
async function chatLoad(side, seconds) {
  const total = [];
  const instance = autocannon({
    url: side.chat.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...side.chat.headers },
    body: side.chat.bodies.chat,
    connections: CONC,
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  });
  // autocannon's histogram has 1 ms resolution: every response time is kept here instead.
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 200) total.push(responseTime);
  });
  const result = await instance;
  return {
    ok: result['2xx'],
    bad: result.non2xx + result.errors + result.timeouts,
    seconds: result.duration,
    total,
    ttft: [],
  };
}

/** CONC loops of streamed calls for `seconds` s over a keep-alive agent of CONC sockets. */
async function streamLoad(side, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONC });
  const { results, bad, elapsedS } = await closedLoop(CONC, seconds, () => call(side, 'stream', agent));
  agent.destroy();
  return {
    ok: results.length,
    bad,
    seconds: elapsedS,
    total: results.map((r) => r.totalMs),
    ttft: results.map((r) => r.ttftMs),
  };
}

// ---------------------------------------------------------------- burst

async function burstAll(sides) {
  console.log(
    `\nburst: ${BURST} streamed calls at once per side, twice in a row (upstream ${BURST_DELAY_MS} ms between chunks, ${BURST_WORDS + 2} chunks); stall: first token or a gap > ${STALL_MS} ms`,
  );
  const out = [];
  for (const s of sides) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: BURST, maxFreeSockets: BURST });
    for (const which of ['first', 'second']) out.push(await burst(s, which, agent));
    agent.destroy();
  }
  return out;
}

async function burst(side, which, agent) {
  const window = cpuWindow(side.pid ? { side: side.pid } : {});
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: BURST }, () => call(side, 'burst', agent)));
  const wallMs = performance.now() - t0;
  const cpu = window.end();
  const ok = results.filter((r) => r.ok);
  const stalled = ok.filter((r) => r.ttftMs > STALL_MS || r.maxGapMs > STALL_MS);
  const r = {
    side: side.key,
    burst: which,
    streams: BURST,
    ok: ok.length,
    failures: results.length - ok.length,
    stalls: stalled.length,
    ttft: latencyStats(
      ok.map((x) => x.ttftMs),
      1,
    ),
    maxGap: latencyStats(
      ok.map((x) => x.maxGapMs),
      1,
    ),
    total: latencyStats(
      ok.map((x) => x.totalMs),
      1,
    ),
    wallMs: round(wallMs, 0),
    sideCpuPct: side.pid === undefined ? undefined : cpu.cpuPct.side,
    errors: [...new Set(results.filter((x) => !x.ok).map((x) => x.error ?? `status ${x.status}`))].slice(
      0,
      5,
    ),
  };
  console.log(
    `  ${side.key.padEnd(7)} ${which.padEnd(6)} ok ${r.ok}/${BURST}, failures ${r.failures}, stalls ${r.stalls}; TTFT p50 ${fmt(r.ttft.p50, 1)} / max ${fmt(r.ttft.max, 1)} ms; largest gap ${fmt(r.maxGap.max, 1)} ms; wall ${r.wallMs} ms${r.errors.length ? `; ${r.errors.join(', ')}` : ''}`,
  );
  return r;
}

// ---------------------------------------------------------------- report

function summarize(sides, c1, cN, bursts) {
  const at1 = (side, c) => c1.find((r) => r.side === side && r.case === c);
  const atN = (side, c) => cN.find((r) => r.side === side && r.case === c);
  const hasPortkey = sides.some((s) => s.key === 'portkey');
  const perSide = sides
    .filter((s) => s.key !== 'direct')
    .map((s) => {
      const b = (which) => bursts.find((r) => r.side === s.key && r.burst === which);
      return {
        side: s.key,
        addedMeanMs: at1(s.key, 'chat').addedMs.mean,
        addedTtftMeanMs: at1(s.key, 'stream').addedTtftMs.mean,
        rpsChat: atN(s.key, 'chat').rps,
        rpsStream: atN(s.key, 'stream').rps,
        rpsChatOverPortkey: hasPortkey ? round(atN(s.key, 'chat').rps / atN('portkey', 'chat').rps, 3) : null,
        rpsStreamOverPortkey: hasPortkey
          ? round(atN(s.key, 'stream').rps / atN('portkey', 'stream').rps, 3)
          : null,
        rpsChatOverDirect: round(atN(s.key, 'chat').rps / atN('direct', 'chat').rps, 3),
        burstStalls: b('second').stalls,
        burstFailures: b('second').failures,
        firstBurstStalls: b('first').stalls,
        firstBurstFailures: b('first').failures,
      };
    });
  const pk = perSide.find((p) => p.side === 'portkey');
  const targets = [];
  const auto = perSide.find((p) => p.side === 'auto');
  if (auto && pk) {
    targets.push(
      {
        key: 'addedMeanC1',
        label: 'added mean latency, non-streamed, c=1 (ms)',
        value: auto.addedMeanMs,
        target: `<= Portkey's ${fmt(pk.addedMeanMs, 3)}`,
        pass: auto.addedMeanMs <= pk.addedMeanMs,
      },
      {
        key: 'rpsRatio',
        label: `req/s at c=${CONC}, non-streamed, / Portkey's`,
        value: auto.rpsChatOverPortkey,
        target: `>= ${TARGETS.rpsRatio}`,
        pass: auto.rpsChatOverPortkey >= TARGETS.rpsRatio,
      },
      {
        key: 'addedTtftMeanC1',
        label: 'added mean time to first token, streamed, c=1 (ms)',
        value: auto.addedTtftMeanMs,
        target: `<= Portkey's ${fmt(pk.addedTtftMeanMs, 3)}`,
        pass: auto.addedTtftMeanMs <= pk.addedTtftMeanMs,
      },
    );
  }
  if (auto) {
    targets.push({
      key: 'burstStalls',
      label: `stalls + failures in ${BURST} concurrent streams (second burst)`,
      value: auto.burstStalls + auto.burstFailures,
      target: `= ${TARGETS.burstStalls}`,
      pass: auto.burstStalls + auto.burstFailures === TARGETS.burstStalls,
    });
  }
  return { perSide, targets };
}

const mark = (pass) => (pass === null || pass === undefined ? 'n/a' : pass ? 'PASS' : 'MISS');

function markdown(sides, c1, cN, bursts, { perSide, targets }) {
  const parts = [];
  parts.push(
    `c=1, ${REQUESTS} calls per case and side (ms; added = side − direct)`,
    '',
    markdownTable(
      ['side', 'case', 'mean', 'p50', 'p99', 'added mean', 'added p50', 'added p99', 'bad'],
      c1.flatMap((r) => {
        const rows = [
          [
            r.side,
            r.case === 'chat' ? 'non-streamed' : 'streamed, total',
            fmt(r.total.mean, 3),
            fmt(r.total.p50, 3),
            fmt(r.total.p99, 3),
            fmt(r.addedMs.mean, 3),
            fmt(r.addedMs.p50, 3),
            fmt(r.addedMs.p99, 3),
            String(r.bad),
          ],
        ];
        if (r.ttft)
          rows.push([
            r.side,
            'streamed, TTFT',
            fmt(r.ttft.mean, 3),
            fmt(r.ttft.p50, 3),
            fmt(r.ttft.p99, 3),
            fmt(r.addedTtftMs.mean, 3),
            fmt(r.addedTtftMs.p50, 3),
            fmt(r.addedTtftMs.p99, 3),
            '',
          ]);
        return rows;
      }),
      2,
    ),
  );
  const pkN = (c) => cN.find((r) => r.side === 'portkey' && r.case === c);
  const directN = (c) => cN.find((r) => r.side === 'direct' && r.case === c);
  parts.push(
    '',
    `c=${CONC}, ${ROUNDS} × ${C32_S} s per case and side (ms; CPU: ms of CPU time per call)`,
    '',
    markdownTable(
      [
        'side',
        'case',
        'req/s',
        '× direct',
        '× Portkey',
        'p50',
        'p99',
        'TTFT p50',
        'TTFT p99',
        'side CPU',
        'Redis CPU',
        'bad',
      ],
      cN.map((r) => [
        r.side,
        r.case === 'chat' ? 'non-streamed' : 'streamed',
        fmt(r.rps, 0),
        fmt(r.rps / directN(r.case).rps, 2),
        pkN(r.case) ? fmt(r.rps / pkN(r.case).rps, 2) : '-',
        fmt(r.total.p50, 2),
        fmt(r.total.p99, 2),
        r.ttft ? fmt(r.ttft.p50, 2) : '-',
        r.ttft ? fmt(r.ttft.p99, 2) : '-',
        r.cpuMsPerCall.side === undefined ? '-' : fmt(r.cpuMsPerCall.side, 3),
        r.cpuMsPerCall.redis === undefined ? '-' : fmt(r.cpuMsPerCall.redis, 3),
        String(r.bad),
      ]),
      2,
    ),
  );
  parts.push(
    '',
    `${BURST} concurrent streams per side, twice in a row (ms; stall: first token or a gap between events > ${STALL_MS} ms)`,
    '',
    markdownTable(
      [
        'side',
        'burst',
        'ok',
        'failures',
        'stalls',
        'TTFT p50',
        'TTFT p99',
        'TTFT max',
        'largest gap p99',
        'largest gap max',
        'wall',
      ],
      bursts.map((r) => [
        r.side,
        r.burst,
        String(r.ok),
        String(r.failures),
        String(r.stalls),
        fmt(r.ttft.p50, 1),
        fmt(r.ttft.p99, 1),
        fmt(r.ttft.max, 1),
        fmt(r.maxGap.p99, 1),
        fmt(r.maxGap.max, 1),
        String(r.wallMs),
      ]),
      2,
    ),
  );
  parts.push(
    '',
    'each side against Portkey (targets apply to auto)',
    '',
    markdownTable(
      [
        'side',
        'added mean c=1',
        'added TTFT mean c=1',
        `req/s c=${CONC} × Portkey`,
        `streamed req/s × Portkey`,
        'stalls, failures: first burst',
        'second burst',
      ],
      perSide.map((p) => [
        p.side,
        fmt(p.addedMeanMs, 3),
        fmt(p.addedTtftMeanMs, 3),
        fmt(p.rpsChatOverPortkey, 2),
        fmt(p.rpsStreamOverPortkey, 2),
        `${p.firstBurstStalls}, ${p.firstBurstFailures}`,
        `${p.burstStalls}, ${p.burstFailures}`,
      ]),
    ),
  );
  if (targets.length > 0)
    parts.push(
      '',
      'targets (issue 13, auto lane)',
      '',
      markdownTable(
        ['', 'what', 'auto', 'target'],
        targets.map((t) => [mark(t.pass), t.label, fmt(t.value, t.key === 'burstStalls' ? 0 : 3), t.target]),
        2,
      ),
    );
  return parts.join('\n');
}

function header(m, build, portkeyInstall, output) {
  return [
    `# omnigate and peers on chat completions (${output.generatedAt})`,
    '',
    `${m.nproc} CPU (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}; node ${m.node}; redis ${m.redisVersion ?? m.redisServer}; load ${m.loadAvg1m} at the start, ${output.loadAvgAtEnd} at the end`,
    `omnigate build ${build.commit} (${build.builtAt})${build.readsDispatch ? '' : ': does not read DISPATCH, so auto and queue run the same code'}`,
    portkeyInstall
      ? `Portkey ${portkeyInstall.versions.portkey} (hono ${portkeyInstall.versions.hono}, @hono/node-server ${portkeyInstall.versions.honoNodeServer})`
      : 'Portkey not run',
    `command: ${output.command}; ${output.wallS} s measured`,
  ].join('\n');
}

function printMachine(m, build) {
  console.log(
    'omnigate chat peers benchmark: direct, Portkey and omnigate (auto, queue, inline) side by side',
  );
  console.log(
    `machine: ${m.nproc} CPU (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.os}, load ${m.loadAvg1m}`,
  );
  console.log(`node ${m.node}, redis-server ${m.redisServer}`);
  console.log(
    `gateway: ${build.source}, run from a copy in bench/results/build-peers/ (commit ${build.commit})${build.readsDispatch ? '' : '; this build does not read DISPATCH: auto and queue run the same code'}`,
  );
}
