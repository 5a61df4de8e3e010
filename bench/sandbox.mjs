// omnigate sandbox benchmark (issue 12): what does running built-in adapters in sandbox
// processes cost on the happy path? Two gateways from one build on one Redis (QUEUE_DRIVER=bullmq,
// ROLE=all), the same but for SANDBOX_PROCESSES: the default (sandboxed) and 0 (adapters in the
// gateway's process). For each case, at concurrency 1 over a keep-alive connection, WARMUP requests
// per gateway, then REQUESTS per gateway in blocks of BLOCK that alternate between the gateways
// (so that drift and other load hit both); then at concurrency CONC, autocannon for SECONDS per
// gateway, twice, alternating. Cases (each answer checked once):
//   echo       {"inputs":[{"text":"hello"}],"output":"text","task":"echo"}          builtin.echo
//   summarize  a 4 KB English text (the fixture's start) → text, task summarize      builtin.text
//   sharp      the fixture JPEG (uploaded once) → 256 px WebP                        builtin.sharp
// Reports p50/p99 and requests/s per gateway and the ratios sandboxed / in-process.
// Usage: npm run bench:sandbox   (builds, then runs this file; about 2 minutes). Knobs (env):
//   BENCH_GATEWAY_MAIN=path/to/main.js   BENCH_SANDBOX_CASES=echo,summarize,sharp
//   BENCH_SANDBOX_WARMUP=200  BENCH_SANDBOX_REQUESTS=1000  BENCH_SANDBOX_BLOCK=100
//   BENCH_SANDBOX_CONC=8  BENCH_SANDBOX_SECONDS=5  BENCH_OUT=sandbox.json (under bench/results/)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { snapshotGatewayBuild } from './lib/build.mjs';
import { benchRun } from './lib/lifecycle.mjs';
import { httpRequest, postJson } from './lib/http.mjs';
import { machineInfo } from './lib/machine.mjs';
import { fmt, latencyStats, markdownTable, round } from './lib/numbers.mjs';
import { redisVersion, startGatewayChild, startRedis } from './lib/processes.mjs';
import { LOG_DIR, RESULTS_DIR, ROOT, SOURCE_MAIN } from './lib/shared.mjs';

const env = process.env;
const list = (v) => v.split(',').map((s) => s.trim());
const ONLY = list(env.BENCH_SANDBOX_CASES ?? 'echo,summarize,sharp');
const WARMUP = Number(env.BENCH_SANDBOX_WARMUP ?? 200);
const REQUESTS = Number(env.BENCH_SANDBOX_REQUESTS ?? 1000);
const BLOCK = Number(env.BENCH_SANDBOX_BLOCK ?? 100);
const CONC = Number(env.BENCH_SANDBOX_CONC ?? 8);
const SECONDS = Number(env.BENCH_SANDBOX_SECONDS ?? 5);
const SNAPSHOT_DIR = join(RESULTS_DIR, 'build-sandbox');
const RUN_ID = `sandbox${process.pid}${Date.now().toString(36)}`;
const FIXTURES = resolve(ROOT, '../shared/fixtures');
const SIDES = [
  { key: 'sandboxed', env: {} },
  { key: 'in-process', env: { SANDBOX_PROCESSES: '0' } },
];

let redis;
const { children, mkTemp, cleanup, start } = benchRun({ redis: () => redis });
start(main);

async function main() {
  mkdirSync(LOG_DIR, { recursive: true });
  const machine = machineInfo();
  const build = snapshotGatewayBuild(SOURCE_MAIN, SNAPSHOT_DIR);
  console.log(`build ${build.commit} (${build.builtAt}); ${machine.cpus ?? os.cpus().length} CPUs`);
  redis = await startRedis(children, join(LOG_DIR, 'sandbox-redis.log'));
  machine.redisVersion = await redisVersion(redis.client);

  const gateways = [];
  for (const side of SIDES) {
    gateways.push({
      ...side,
      ...(await startGatewayChild(children, {
        name: side.key,
        main: build.main,
        cwd: ROOT,
        logFile: join(LOG_DIR, `sandbox-${side.key}.log`),
        publicEnv: { QUEUE_DRIVER: 'bullmq', ROLE: 'all', LOG_LEVEL: 'warn', ...side.env },
        privateEnv: { REDIS_URL: `redis://127.0.0.1:${redis.port}`, QUEUE_PREFIX: `${RUN_ID}${side.key}` },
        blobDir: mkTemp('omnigate-bench-sandbox-'),
      })),
    });
  }
  const cases = await Promise.all(ONLY.map((key) => makeCase(key, gateways)));
  const started = Date.now();
  const results = [];
  for (const c of cases) {
    for (const g of gateways) await check(g, c);
    results.push(...(await latencyC1(gateways, c)));
    results.push(...(await throughput(gateways, c)));
  }
  const ratios = cases.flatMap((c) =>
    ['c1', `c${CONC}`].map((mode) => {
      const [s, p] = SIDES.map((side) =>
        results.find((r) => r.case === c.key && r.mode === mode && r.side === side.key),
      );
      return mode === 'c1'
        ? {
            case: c.key,
            mode,
            p50Ratio: round(s.p50 / p.p50, 3),
            p99Ratio: round(s.p99 / p.p99, 3),
            addedP50Ms: round(s.p50 - p.p50, 3),
          }
        : { case: c.key, mode, rpsRatio: round(s.rps / p.rps, 3) };
    }),
  );
  printTables(results, ratios);
  const output = {
    generatedAt: new Date().toISOString(),
    command: 'npm run bench:sandbox',
    build,
    settings: {
      warmup: WARMUP,
      requests: REQUESTS,
      block: BLOCK,
      concurrency: CONC,
      seconds: SECONDS,
      sides: SIDES,
    },
    machine,
    results,
    ratios,
    loadAvgAtEnd: round(os.loadavg()[0], 2),
    wallS: Math.round((Date.now() - started) / 1000),
  };
  const file = join(RESULTS_DIR, env.BENCH_OUT ?? 'sandbox.json');
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nresults: ${file} (${output.wallS} s)`);
  await cleanup();
  if (results.some((r) => r.bad > 0)) {
    console.error('\nBENCH FAILED: some answers were not 200');
    process.exit(1);
  }
}

/** A case: its body per gateway (an uploaded blob is per gateway) and what its answer must be. */
async function makeCase(key, gateways) {
  switch (key) {
    case 'echo':
      return {
        key,
        adapter: 'builtin.echo',
        body: () => JSON.stringify({ inputs: [{ text: 'hello' }], output: 'text', task: 'echo' }),
        good: (json) => json?.outputs?.[0]?.text === 'hello',
      };
    case 'summarize': {
      const text = readFileSync(join(FIXTURES, 'text/english.txt'), 'utf8').slice(0, 4096);
      return {
        key,
        adapter: 'builtin.text',
        body: () => JSON.stringify({ inputs: [{ text }], output: 'text', task: 'summarize' }),
        good: (json) => typeof json?.outputs?.[0]?.text === 'string' && json.outputs[0].text.length > 0,
      };
    }
    case 'sharp': {
      const jpeg = readFileSync(join(FIXTURES, 'image/fixture.jpg'));
      const blobs = new Map();
      for (const g of gateways) {
        const res = await httpRequest(`${g.url}/v1/blobs`, {
          method: 'POST',
          body: jpeg,
          headers: { 'content-type': 'image/jpeg' },
        });
        if (res.status !== 201 && res.status !== 200) throw new Error(`upload: ${res.status} ${res.text}`);
        blobs.set(g.key, res.json.id);
      }
      return {
        key,
        adapter: 'builtin.sharp',
        body: (g) =>
          JSON.stringify({
            inputs: [{ blobId: blobs.get(g.key) }],
            output: { modality: 'image', mediaType: 'image/webp' },
            options: { width: 256 },
          }),
        good: (json) => json?.outputs?.[0]?.mediaType === 'image/webp',
      };
    }
    default:
      throw new Error(`unknown case ${key} (BENCH_SANDBOX_CASES: echo, summarize, sharp)`);
  }
}

async function check(g, c) {
  const res = await postJson(`${g.url}/v1/infer`, c.body(g));
  const route = res.json?.route?.map((s) => s.adapter);
  if (res.status !== 200 || !c.good(res.json) || route?.[0] !== c.adapter || route.length !== 1) {
    throw new Error(`${g.key} ${c.key}: unexpected answer ${res.status} ${res.text.slice(0, 400)}`);
  }
}

async function latencyC1(gateways, c) {
  const agents = gateways.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const latencies = gateways.map(() => []);
  const bad = gateways.map(() => 0);
  const one = async (i, keep) => {
    const g = gateways[i];
    const res = await postJson(`${g.url}/v1/infer`, c.body(g), agents[i]);
    if (res.status !== 200 || !c.good(res.json)) bad[i]++;
    else if (keep) latencies[i].push(res.ms);
  };
  process.stdout.write(
    `${c.key}: c=1 warm-up ${WARMUP} + ${REQUESTS} per gateway, alternating blocks of ${BLOCK} ... `,
  );
  for (let n = 0; n < WARMUP; n++) for (const i of gateways.keys()) await one(i, false);
  for (let b = 0; b * BLOCK < REQUESTS; b++) {
    const order = b % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) for (let n = 0; n < Math.min(BLOCK, REQUESTS - b * BLOCK); n++) await one(i, true);
  }
  for (const agent of agents) agent.destroy();
  const runs = gateways.map((g, i) => ({
    case: c.key,
    mode: 'c1',
    side: g.key,
    bad: bad[i],
    ...latencyStats(latencies[i]),
  }));
  console.log(runs.map((r) => `${r.side} p50 ${fmt(r.p50)} ms p99 ${fmt(r.p99)} ms`).join(', '));
  return runs;
}

async function throughput(gateways, c) {
  const totals = gateways.map(() => ({ requests: 0, seconds: 0, bad: 0 }));
  process.stdout.write(`${c.key}: c=${CONC} ${SECONDS}s per gateway, twice, alternating ... `);
  for (const round_ of [0, 1]) {
    const order = round_ === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const g = gateways[i];
      const result = await autocannon({
        url: `${g.url}/v1/infer`,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: c.body(g),
        connections: CONC,
        duration: SECONDS,
        timeout: 30,
        renderProgressBar: false,
        renderResultsTable: false,
        renderLatencyTable: false,
      });
      totals[i].requests += result['2xx'];
      totals[i].bad += result.non2xx + result.errors + result.timeouts;
      totals[i].seconds += result.duration;
    }
  }
  const runs = gateways.map((g, i) => ({
    case: c.key,
    mode: `c${CONC}`,
    side: g.key,
    bad: totals[i].bad,
    rps: round(totals[i].requests / totals[i].seconds, 1),
  }));
  console.log(runs.map((r) => `${r.side} ${fmt(r.rps, 1)} req/s`).join(', '));
  return runs;
}

function printTables(results, ratios) {
  console.log('\nconcurrency 1 (ms)');
  console.log(
    markdownTable(
      ['case', 'side', 'p50', 'p99', 'mean'],
      results
        .filter((r) => r.mode === 'c1')
        .map((r) => [r.case, r.side, fmt(r.p50, 3), fmt(r.p99, 3), fmt(r.mean, 3)]),
      2,
    ),
  );
  console.log(`\nconcurrency ${CONC} (requests/s)`);
  console.log(
    markdownTable(
      ['case', 'side', 'req/s'],
      results.filter((r) => r.mode !== 'c1').map((r) => [r.case, r.side, fmt(r.rps, 1)]),
      2,
    ),
  );
  console.log('\nsandboxed / in-process');
  console.log(
    markdownTable(
      ['case', 'p50 ratio', 'p99 ratio', 'added p50 (ms)', `req/s ratio (c=${CONC})`],
      [...new Set(ratios.map((r) => r.case))].map((key) => {
        const c1 = ratios.find((r) => r.case === key && r.mode === 'c1');
        const cN = ratios.find((r) => r.case === key && r.mode !== 'c1');
        return [key, fmt(c1.p50Ratio, 3), fmt(c1.p99Ratio, 3), fmt(c1.addedP50Ms, 3), fmt(cN.rpsRatio, 3)];
      }),
    ),
  );
}
