// omnigate routes benchmark (issue 4): what does a hop of a route cost, and how close does
// builtin.sharp through the gateway come to sharp called directly?
//   1. Hop overhead. The gateway loads the no-op relay adapters of bench/adapters/relay.mjs
//      (ADAPTER_MODULES). POST /v1/infer {"inputs":[{"text":"hello"}],"output":"text","task":T}
//      with T = relay-one (1 hop, text → text) and T = relay-end (3 hops, text → signal → image →
//      text); both routes and answers are checked once. At concurrency 1, one request at a time
//      over a keep-alive connection: WARMUP requests per case, then REQUESTS per case in blocks of
//      BLOCK that alternate between the cases (so that drift hits both); p50/p90/p99 and
//      (p50 3 hops − p50 1 hop) / 2 = the cost of one extra hop. At concurrency 16, autocannon
//      (Node API) for each case: requests/s.
//   2. sharp. A 12-megapixel JPEG (4000×3000, quality 90) is made from the fixture photo
//      (upscaled with sharp, in a temp dir). Raw: in this process, the pipeline builtin.sharp runs
//      (autoOrient, resize {width: 1024}, webp with the default quality) on a fresh copy of the
//      JPEG's bytes, with K calls in flight; gateway: the JPEG uploaded once (POST /v1/blobs),
//      then POST /v1/infer {"inputs":[{"blobId"}],"output":{"modality":"image","mediaType":
//      "image/webp"},"options":{"width":1024}} with K requests in flight (the route is checked
//      once to be builtin.sharp, and its output a 1024-wide WebP). Images/s for K = 2 and 4,
//      raw and gateway interleaved; the ratio gateway / raw.
// Both parts run against the built gateway with QUEUE_DRIVER=bullmq (a redis-server of its own on
// a free port) and again with QUEUE_DRIVER=inline, each a child process (ROLE=all, LOG_LEVEL=warn,
// unique QUEUE_PREFIX, BLOB_DIR in a temp dir) started from a copy of the build in
// bench/results/build-routes/. Everything it starts or writes is stopped or removed at the end,
// also on failure or Ctrl-C.
// Usage: npm run bench:routes   (builds, then runs this file; about 2 minutes). Knobs (env):
//   BENCH_GATEWAY_MAIN=path/to/main.js  compiled gateway (default dist/apps/gateway/apps/gateway/src/main.js)
//   BENCH_ROUTES_DRIVERS=bullmq,inline  BENCH_ROUTES_ONLY=hops,sharp
//   BENCH_ROUTES_WARMUP=300  BENCH_ROUTES_REQUESTS=2000  BENCH_ROUTES_BLOCK=100   (concurrency 1, per case)
//   BENCH_ROUTES_C16_WARMUP_S=1  BENCH_ROUTES_C16_S=5  BENCH_ROUTES_CONNECTIONS=16
//   BENCH_ROUTES_SHARP_S=8  BENCH_ROUTES_SHARP_WARMUP_S=1  BENCH_ROUTES_SHARP_CONC=2,4
//   BENCH_OUT=routes.json (under bench/results/)
//   BENCH_STRICT=1  also exit 1 when a target is missed (a wrong answer always fails the run)
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { MAIN_IN_BUILD, snapshotGatewayBuild } from './lib/build.mjs';
import { benchRun } from './lib/lifecycle.mjs';
import { httpRequest, postJson } from './lib/http.mjs';
import { CLK_TCK, cpuTicks, machineInfo, systemBusyTicks } from './lib/machine.mjs';
import { fmt, pct, round } from './lib/numbers.mjs';
import { redisVersion, startGatewayChild, startRedis } from './lib/processes.mjs';
import { LOG_DIR, RESULTS_DIR, ROOT, SOURCE_MAIN } from './lib/shared.mjs';

const env = process.env;
const list = (v) => v.split(',').map((s) => s.trim());
const DRIVERS = list(env.BENCH_ROUTES_DRIVERS ?? 'bullmq,inline');
const ONLY = new Set(list(env.BENCH_ROUTES_ONLY ?? 'hops,sharp'));
const WARMUP = Number(env.BENCH_ROUTES_WARMUP ?? 300);
const REQUESTS = Number(env.BENCH_ROUTES_REQUESTS ?? 2000);
const BLOCK = Number(env.BENCH_ROUTES_BLOCK ?? 100);
const C16_WARMUP_S = Number(env.BENCH_ROUTES_C16_WARMUP_S ?? 1);
const C16_S = Number(env.BENCH_ROUTES_C16_S ?? 5);
const CONNECTIONS = Number(env.BENCH_ROUTES_CONNECTIONS ?? 16);
const SHARP_S = Number(env.BENCH_ROUTES_SHARP_S ?? 8);
const SHARP_WARMUP_S = Number(env.BENCH_ROUTES_SHARP_WARMUP_S ?? 1);
const SHARP_CONC = list(env.BENCH_ROUTES_SHARP_CONC ?? '2,4').map(Number);
const STRICT = env.BENCH_STRICT === '1';
const SNAPSHOT_DIR = join(RESULTS_DIR, 'build-routes');
const RUN_ID = `routes${process.pid}${Date.now().toString(36)}`;
const ADAPTER_MODULE = './bench/adapters/relay.mjs';
const FIXTURE = resolve(ROOT, '../shared/fixtures/image/fixture.jpg');
const IMAGE = { width: 4000, height: 3000, quality: 90 };
const RESIZE_WIDTH = 1024;
/** builtin.sharp's limitInputPixels (sharp's own default, stated by the adapter). */
const MAX_INPUT_PIXELS = 268_402_689;

const TARGETS = {
  perHopP50Ms: 1, // (p50 3 hops − p50 1 hop) / 2 at concurrency 1
  sharpRatio: 0.9, // builtin.sharp through the gateway / raw sharp, images/s, 12 MP JPEG → 1024 px WebP
};

const CASES = [
  { key: '1hop', label: '1 hop', task: 'relay-one', adapters: ['bench.relay-one'] },
  {
    key: '3hop',
    label: '3 hops',
    task: 'relay-end',
    adapters: ['bench.relay-a', 'bench.relay-b', 'bench.relay-end'],
  },
].map((c) => ({ ...c, body: JSON.stringify({ inputs: [{ text: 'hello' }], output: 'text', task: c.task }) }));

let redis;
const { children, mkTemp, stopGateway, cleanup, start } = benchRun({ redis: () => redis });
start(main);

async function main() {
  mkdirSync(LOG_DIR, { recursive: true });
  const machine = machineInfo();
  machine.uvThreadpoolSize = env.UV_THREADPOOL_SIZE ?? '4 (default)';
  machine.sharp = {
    version: sharp.versions.sharp,
    vips: sharp.versions.vips,
    concurrency: sharp.concurrency(),
    cache: sharp.cache(),
    simd: sharp.simd(),
  };
  const build = snapshotGatewayBuild(SOURCE_MAIN, SNAPSHOT_DIR);
  printMachine(machine, build);

  if (DRIVERS.includes('bullmq')) {
    redis = await startRedis(children, join(LOG_DIR, 'routes-redis.log'));
    machine.redisVersion = await redisVersion(redis.client);
    console.log(
      `redis ${machine.redisVersion} on 127.0.0.1:${redis.port} (pid ${redis.proc.pid}, no persistence)`,
    );
  }
  const image = ONLY.has('sharp') ? await makeImage() : undefined;
  if (image) {
    console.log(
      `image: ${image.width}×${image.height} JPEG q${IMAGE.quality}, ${fmt(image.bytes / 1e6, 2)} MB, from ${FIXTURE} (${image.fixture.width}×${image.fixture.height}) upscaled with sharp (fit cover)`,
    );
  }
  console.log();

  const started = Date.now();
  const hops = [];
  const sharpRuns = [];
  for (const driver of DRIVERS) {
    if (ONLY.has('hops')) {
      const gateway = await startGateway(driver, { relays: true });
      try {
        await checkHops(gateway);
        hops.push(...(await latencyC1(gateway)));
        for (const c of CASES) hops.push(await throughputC16(gateway, c));
      } finally {
        await stopGateway(gateway);
      }
    }
    if (image) {
      // A gateway of its own, without the relays: at cost 0 they would carry image → image
      // (image → text → signal → image) instead of builtin.sharp.
      const gateway = await startGateway(driver, { relays: false });
      try {
        const blobId = await uploadImage(gateway, image);
        const body = JSON.stringify({
          inputs: [{ blobId }],
          output: { modality: 'image', mediaType: 'image/webp' },
          options: { width: RESIZE_WIDTH },
        });
        await checkSharp(gateway, body);
        // Raw sharp measured again next to each gateway's runs, interleaved, so that drift and
        // other load on the machine hit both sides of each ratio alike.
        if (driver === DRIVERS[0]) await checkRaw(image);
        for (const conc of SHARP_CONC) {
          sharpRuns.push({ ...(await sharpRun(image, conc, 'raw')), pairedWith: driver });
          sharpRuns.push(await sharpRun(image, conc, 'gateway', { gateway, body }));
        }
      } finally {
        await stopGateway(gateway);
      }
    }
  }

  const summary = summarize(hops, sharpRuns);
  printTables(hops, sharpRuns, summary);
  const output = {
    generatedAt: new Date().toISOString(),
    command: 'npm run bench:routes',
    build,
    settings: {
      drivers: DRIVERS,
      adapterModules: ADAPTER_MODULE,
      cases: CASES.map(({ key, task, adapters, body }) => ({ key, task, adapters, body: JSON.parse(body) })),
      warmup: WARMUP,
      requests: REQUESTS,
      block: BLOCK,
      c16: { connections: CONNECTIONS, warmupS: C16_WARMUP_S, durationS: C16_S },
      sharp: {
        seconds: SHARP_S,
        warmupS: SHARP_WARMUP_S,
        concurrency: SHARP_CONC,
        image: image && { ...IMAGE, bytes: image.bytes, fixture: FIXTURE },
        raw: `in the bench process: sharp(copy of the JPEG, {limitInputPixels: ${MAX_INPUT_PIXELS}}).autoOrient().resize({width: ${RESIZE_WIDTH}}).webp().toBuffer()`,
      },
    },
    machine,
    hops,
    sharp: sharpRuns,
    summary,
    targets: TARGETS,
    loadAvgAtEnd: round(os.loadavg()[0], 2),
    wallS: Math.round((Date.now() - started) / 1000),
  };
  const file = join(RESULTS_DIR, env.BENCH_OUT ?? 'routes.json');
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nresults: ${file} (${output.wallS} s)`);
  await cleanup();

  const bad = [...hops, ...sharpRuns].filter((r) => r.bad > 0);
  if (bad.length > 0) {
    console.error('\nBENCH FAILED: some answers were not 200 (or the connection failed):');
    for (const r of bad)
      console.error(`  ${r.driver ?? 'raw'} ${r.label ?? r.side} c=${r.concurrency}: ${r.bad} bad`);
    process.exit(1);
  }
  if (STRICT && Object.values(summary.checks).some((c) => c.pass === false)) process.exit(1);
}

// ---------------------------------------------------------------- hops

/** The routes the router plans for both cases, and one answer of each: hops, adapters, output 'hello'. */
async function checkHops(gateway) {
  const r = await httpRequest(`${gateway.url}/v1/routes?from=text&to=text&task=relay-end`);
  const planned = r.json?.route?.map((s) => s.adapter);
  if (r.status !== 200 || JSON.stringify(planned) !== JSON.stringify(CASES[1].adapters)) {
    throw new Error(
      `GET /v1/routes task relay-end: expected ${CASES[1].adapters.join(' → ')}, got ${r.status} ${r.text.slice(0, 500)}`,
    );
  }
  const steps = r.json.route.map((s) => `${s.adapter} (${s.from.join('+')} → ${s.to}, ${s.task})`);
  console.log(`${gateway.driver}: GET /v1/routes?from=text&to=text&task=relay-end → ${steps.join(' → ')}`);
  for (const c of CASES) {
    const res = await postJson(`${gateway.url}/v1/infer`, c.body);
    const route = res.json?.route?.map((s) => s.adapter);
    const good =
      res.status === 200 &&
      res.json.status === 'completed' &&
      res.json.outputs?.[0]?.text === 'hello' &&
      JSON.stringify(route) === JSON.stringify(c.adapters);
    if (!good)
      throw new Error(
        `${gateway.driver} ${c.label}: unexpected answer ${res.status} ${res.text.slice(0, 500)}`,
      );
    console.log(
      `${gateway.driver}: task ${c.task}: ${route.length} hop(s) ${route.join(' → ')}, output '${res.json.outputs[0].text}'`,
    );
  }
}

/**
 * Concurrency 1: one request at a time over one keep-alive connection. WARMUP requests per case,
 * then REQUESTS per case in blocks of BLOCK, the order of the cases swapping every block.
 */
async function latencyC1(gateway) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = `${gateway.url}/v1/infer`;
  const stats = CASES.map(() => ({ latencies: [], serverTotal: [], serverRun: [], bad: 0 }));
  const one = async (i) => {
    const res = await postJson(url, CASES[i].body, agent);
    if (res.status !== 200 || res.json?.outputs?.[0]?.text !== 'hello') return false;
    stats[i].latencies.push(res.ms);
    stats[i].serverTotal.push(res.json.timings?.totalMs ?? NaN);
    stats[i].serverRun.push(res.json.timings?.runMs ?? NaN);
    return true;
  };
  process.stdout.write(
    `${gateway.driver}: c=1 warm-up ${WARMUP} + ${REQUESTS} requests per case, blocks of ${BLOCK} ... `,
  );
  for (let i = 0; i < WARMUP; i++) for (const c of CASES.keys()) await postJson(url, CASES[c].body, agent);
  const m = await measured(gateway, async () => {
    for (let b = 0; b * BLOCK < REQUESTS; b++) {
      const order = b % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        for (let n = 0; n < Math.min(BLOCK, REQUESTS - b * BLOCK); n++) if (!(await one(i))) stats[i].bad++;
      }
    }
  });
  agent.destroy();
  const runs = CASES.map((c, i) => {
    const s = stats[i];
    const sorted = Float64Array.from(s.latencies).sort();
    const median = (values) => pct(Float64Array.from(values).sort(), 50);
    return {
      driver: gateway.driver,
      case: c.key,
      label: c.label,
      task: c.task,
      hops: c.adapters.length,
      concurrency: 1,
      requests: s.latencies.length,
      bad: s.bad,
      p50Ms: round(pct(sorted, 50), 3),
      p90Ms: round(pct(sorted, 90), 3),
      p99Ms: round(pct(sorted, 99), 3),
      meanMs: round(s.latencies.reduce((a, v) => a + v, 0) / s.latencies.length, 3),
      // The gateway's own view (the answer's timings, whole milliseconds): created → finished, and hop run time.
      serverTotalP50Ms: median(s.serverTotal),
      serverRunP50Ms: median(s.serverRun),
      // CPU over the whole alternating series (both cases together).
      ...m.cpu,
    };
  });
  console.log(
    runs
      .map(
        (r) =>
          `${r.label} p50 ${fmt(r.p50Ms)} ms (gateway's timings: total ${r.serverTotalP50Ms}, run ${r.serverRunP50Ms} ms)`,
      )
      .join(', '),
  );
  return runs;
}

/** Concurrency 16 (CONNECTIONS) with autocannon: requests/s and exact percentiles of one case. */
async function throughputC16(gateway, c) {
  const options = (duration) => ({
    url: `${gateway.url}/v1/infer`,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: c.body,
    connections: CONNECTIONS,
    pipelining: 1,
    duration,
    timeout: 30,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  });
  process.stdout.write(
    `${gateway.driver}: c=${CONNECTIONS} ${c.label}, warm-up ${C16_WARMUP_S}s, measure ${C16_S}s ... `,
  );
  if (C16_WARMUP_S > 0) await autocannon(options(C16_WARMUP_S));
  const latencies = [];
  const statusCodes = {};
  const m = await measured(gateway, async () => {
    const instance = autocannon(options(C16_S));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode === 200) latencies.push(responseTime);
    });
    return instance;
  });
  const sorted = Float64Array.from(latencies).sort();
  const answered = Object.values(statusCodes).reduce((s, n) => s + n, 0);
  const ok = statusCodes[200] ?? 0;
  const durationS = m.result.duration ?? m.elapsedS;
  const run = {
    driver: gateway.driver,
    case: c.key,
    label: c.label,
    task: c.task,
    hops: c.adapters.length,
    concurrency: CONNECTIONS,
    requests: ok,
    bad: answered - ok + m.result.errors + m.result.timeouts,
    statusCodes,
    rps: round(ok / durationS, 1),
    p50Ms: round(pct(sorted, 50), 3),
    p90Ms: round(pct(sorted, 90), 3),
    p99Ms: round(pct(sorted, 99), 3),
    ...m.cpu,
  };
  console.log(
    `${fmt(run.rps, 0)} req/s  p50 ${fmt(run.p50Ms)} ms  p99 ${fmt(run.p99Ms)} ms${run.bad ? `  ${run.bad} BAD` : ''}`,
  );
  return run;
}

// ---------------------------------------------------------------- sharp

/** The 12 MP JPEG: the fixture photo upscaled to 4000×3000 (cover), quality 90, in memory and in a temp dir. */
async function makeImage() {
  const fixture = await sharp(FIXTURE).metadata();
  const buffer = await sharp(FIXTURE)
    .resize({ width: IMAGE.width, height: IMAGE.height, fit: 'cover' })
    .jpeg({ quality: IMAGE.quality })
    .toBuffer();
  const dir = mkTemp('omnigate-routes-img-');
  const file = join(dir, 'photo-12mp.jpg');
  writeFileSync(file, buffer);
  const meta = await sharp(buffer).metadata();
  if (meta.width !== IMAGE.width || meta.height !== IMAGE.height || meta.format !== 'jpeg') {
    throw new Error(`generated image is ${meta.width}×${meta.height} ${meta.format}`);
  }
  return { buffer, file, bytes: buffer.length, width: meta.width, height: meta.height, fixture };
}

/** What builtin.sharp runs for {width: 1024} and image/webp (sharp-image.adapter.ts), on a fresh copy of the bytes. */
function rawConvert(image) {
  // A copy, as the gateway's adapter gets a fresh Buffer from the blob store each time: libvips'
  // operation cache cannot serve a repeat of the same input memory.
  return sharp(Buffer.from(image.buffer), { limitInputPixels: MAX_INPUT_PIXELS })
    .autoOrient()
    .resize({ width: RESIZE_WIDTH, height: undefined, fit: undefined })
    .webp({ quality: undefined })
    .toBuffer();
}

async function checkRaw(image) {
  const meta = await sharp(await rawConvert(image)).metadata();
  if (meta.format !== 'webp' || meta.width !== RESIZE_WIDTH)
    throw new Error(`raw sharp wrote ${meta.width} px ${meta.format}`);
  console.log(`raw: ${meta.width}×${meta.height} ${meta.format}`);
}

async function uploadImage(gateway, image) {
  const res = await httpRequest(`${gateway.url}/v1/blobs`, {
    method: 'POST',
    body: image.buffer,
    headers: { 'content-type': 'image/jpeg' },
  });
  if (res.status !== 201 || res.json?.bytes !== image.bytes) {
    throw new Error(`${gateway.driver}: upload answered ${res.status} ${res.text.slice(0, 300)}`);
  }
  return res.json.id;
}

/** One answer checked: route builtin.sharp alone, output a WebP 1024 px wide (sharp's metadata of the fetched blob). */
async function checkSharp(gateway, body) {
  const res = await postJson(`${gateway.url}/v1/infer`, body);
  const route = res.json?.route?.map((s) => s.adapter);
  const out = res.json?.outputs?.[0];
  if (res.status !== 200 || JSON.stringify(route) !== '["builtin.sharp"]' || !out?.url) {
    throw new Error(`${gateway.driver} sharp: unexpected answer ${res.status} ${res.text.slice(0, 500)}`);
  }
  const blob = await httpRequest(`${gateway.url}${out.url}`, { headers: { accept: '*/*' } });
  const meta = await sharp(blob.buffer).metadata();
  if (blob.status !== 200 || meta.format !== 'webp' || meta.width !== RESIZE_WIDTH) {
    throw new Error(`${gateway.driver} sharp: output ${blob.status} ${meta.width} px ${meta.format}`);
  }
  console.log(
    `${gateway.driver}: image → image/webp width ${RESIZE_WIDTH}: route ${route.join(' → ')}, output ${meta.width}×${meta.height} ${meta.format} (${out.mediaType}, ${out.bytes} B)`,
  );
}

/** `conc` conversions in flight for SHARP_S seconds (after SHARP_WARMUP_S): raw in this process, or through the gateway. */
async function sharpRun(image, conc, side, { gateway, body } = {}) {
  const agent = gateway && new http.Agent({ keepAlive: true, maxSockets: conc });
  const serverTotal = [];
  const serverRun = [];
  const once =
    side === 'raw'
      ? async () => (await rawConvert(image)).length > 0
      : async () => {
          const res = await postJson(`${gateway.url}/v1/infer`, body, agent);
          serverTotal.push(res.json?.timings?.totalMs ?? NaN);
          serverRun.push(res.json?.timings?.runMs ?? NaN);
          return res.status === 200 && res.json?.outputs?.[0]?.mediaType === 'image/webp';
        };
  const label = side === 'raw' ? 'raw sharp (bench process)' : `gateway ${gateway.driver}`;
  process.stdout.write(
    `sharp ${label.padEnd(26)} c=${conc} warm-up ${SHARP_WARMUP_S}s, measure ${SHARP_S}s ... `,
  );
  await closedLoop(conc, SHARP_WARMUP_S, once);
  const m = await measured(gateway, () => closedLoop(conc, SHARP_S, once));
  agent?.destroy();
  const { latencies, bad, elapsedS } = m.result;
  const sorted = Float64Array.from(latencies).sort();
  const run = {
    side,
    driver: gateway?.driver,
    concurrency: conc,
    images: latencies.length,
    bad,
    elapsedS: round(elapsedS, 2),
    imagesPerS: round(latencies.length / elapsedS, 2),
    p50Ms: round(pct(sorted, 50), 1),
    p99Ms: round(pct(sorted, 99), 1),
    // The gateway's own view (the answers' timings): created → finished, and the hop's run time.
    ...(gateway && {
      serverTotalP50Ms: pct(Float64Array.from(serverTotal).sort(), 50),
      serverRunP50Ms: pct(Float64Array.from(serverRun).sort(), 50),
    }),
    // CPU time per image of the process(es) doing the work: this one (raw), or the gateway and Redis.
    cpuMsPerImage: round((m.cpuS.work * 1000) / Math.max(latencies.length, 1), 1),
    ...m.cpu,
  };
  console.log(`${fmt(run.imagesPerS)} images/s  p50 ${fmt(run.p50Ms, 1)} ms${bad ? `  ${bad} BAD` : ''}`);
  return run;
}

/** `conc` loops calling `once` until `seconds` have passed; every call that started is waited for and counted. */
async function closedLoop(conc, seconds, once) {
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const latencies = [];
  let bad = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        if (await once()) latencies.push(performance.now() - start);
        else bad++;
      }
    }),
  );
  return { latencies, bad, elapsedS: (performance.now() - t0) / 1000 };
}

// ---------------------------------------------------------------- CPU around a run

/**
 * Runs `work` and says where the machine's CPU went meanwhile (100% = one core): the gateway (all
 * its threads), Redis, this process (load generator, or raw sharp) and everything else.
 */
async function measured(gateway, work) {
  const gwBefore = gateway ? cpuTicks(gateway.proc.pid) : 0;
  const redisBefore = redis ? cpuTicks(redis.proc.pid) : 0;
  const systemBefore = systemBusyTicks();
  const selfBefore = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const elapsedS = (performance.now() - t0) / 1000;
  const gwS = gateway ? (cpuTicks(gateway.proc.pid) - gwBefore) / CLK_TCK : 0;
  const usesRedis = gateway?.driver === 'bullmq';
  const redisS = usesRedis ? (cpuTicks(redis.proc.pid) - redisBefore) / CLK_TCK : 0;
  const self = process.cpuUsage(selfBefore);
  const selfS = (self.user + self.system) / 1e6;
  const otherS = Math.max(0, (systemBusyTicks() - systemBefore) / CLK_TCK - gwS - redisS - selfS);
  const pctOf = (s) => round((100 * s) / elapsedS, 0);
  return {
    result,
    elapsedS,
    cpuS: { work: gateway ? gwS + redisS : selfS, gateway: gwS, redis: redisS, self: selfS },
    cpu: {
      gatewayCpuPct: gateway ? pctOf(gwS) : undefined,
      redisCpuPct: usesRedis ? pctOf(redisS) : undefined,
      selfCpuPct: pctOf(selfS),
      otherCpuPct: pctOf(otherS),
    },
  };
}

// ---------------------------------------------------------------- gateway

/** The gateway with `driver`; `relays`: with the relay adapters (ADAPTER_MODULES), else the builtins only. */
async function startGateway(driver, { relays }) {
  const name = `${relays ? 'hops' : 'sharp'}-${driver}`;
  const child = await startGatewayChild(children, {
    name,
    main: join(SNAPSHOT_DIR, MAIN_IN_BUILD),
    cwd: ROOT, // ADAPTER_MODULES paths are relative to it
    logFile: join(LOG_DIR, `routes-gateway-${name}.log`),
    publicEnv: {
      ROLE: 'all',
      QUEUE_DRIVER: driver,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...(relays && { ADAPTER_MODULES: ADAPTER_MODULE }),
    },
    privateEnv: {
      QUEUE_PREFIX: `${RUN_ID}-${name}`,
      ...(driver === 'bullmq' ? { REDIS_URL: `redis://127.0.0.1:${redis.port}` } : {}),
    },
    dropEnv: [...(relays ? [] : ['ADAPTER_MODULES']), ...(driver === 'bullmq' ? [] : ['REDIS_URL'])],
    blobDir: mkTemp(`omnigate-routes-blobs-${name}-`),
  });
  return Object.assign(child, { driver });
}

// ---------------------------------------------------------------- report

function summarize(hops, sharpRuns) {
  const check = (value, target, cmp) => ({ value, target, pass: value === null ? null : cmp(value, target) });
  const checks = {};
  const info = {};
  for (const driver of DRIVERS) {
    const find = (key, conc) =>
      hops.find((r) => r.driver === driver && r.case === key && r.concurrency === conc);
    const [one, three] = [find('1hop', 1), find('3hop', 1)];
    if (one && three) {
      const perHop = (p) => round((three[p] - one[p]) / 2, 3);
      checks[`perHopP50Ms_${driver}`] = check(perHop('p50Ms'), TARGETS.perHopP50Ms, (v, t) => v <= t);
      info[`perHopP90Ms_${driver}`] = perHop('p90Ms');
      info[`perHopP99Ms_${driver}`] = perHop('p99Ms');
    }
    const [one16, three16] = [find('1hop', CONNECTIONS), find('3hop', CONNECTIONS)];
    if (one16 && three16) {
      info[`rpsRatioC${CONNECTIONS}_3over1_${driver}`] = round(three16.rps / one16.rps, 3);
      // Per extra hop, in the gateway's throughput terms: (1/rps3 − 1/rps1) / 2, in ms of the (saturated) gateway.
      info[`perHopMsAtC${CONNECTIONS}_${driver}`] = round(((1 / three16.rps - 1 / one16.rps) / 2) * 1000, 3);
    }
    for (const conc of SHARP_CONC) {
      const raw = sharpRuns.find(
        (r) => r.side === 'raw' && r.pairedWith === driver && r.concurrency === conc,
      );
      const gw = sharpRuns.find((r) => r.side === 'gateway' && r.driver === driver && r.concurrency === conc);
      if (raw && gw) {
        checks[`sharpRatioC${conc}_${driver}`] = check(
          round(gw.imagesPerS / raw.imagesPerS, 3),
          TARGETS.sharpRatio,
          (v, t) => v >= t,
        );
      }
    }
  }
  return { checks, info };
}

function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

const cpuCell = (v) => (v === undefined ? '-' : `${v}%`);

function printTables(hops, sharpRuns, { checks, info }) {
  if (hops.length > 0) {
    console.log('\nhops: no-op relay routes, POST /v1/infer text → text');
    table(
      [
        'driver',
        'route',
        'conc',
        'req/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'non-200',
        'gw CPU',
        'redis CPU',
        'loadgen CPU',
        'other CPU',
      ],
      hops.map((r) => [
        r.driver,
        `${r.label} (${r.task})`,
        String(r.concurrency),
        r.rps === undefined ? '-' : fmt(r.rps, 0),
        fmt(r.p50Ms),
        fmt(r.p90Ms),
        fmt(r.p99Ms),
        String(r.bad),
        cpuCell(r.gatewayCpuPct),
        cpuCell(r.redisCpuPct),
        cpuCell(r.selfCpuPct),
        cpuCell(r.otherCpuPct),
      ]),
    );
  }
  if (sharpRuns.length > 0) {
    console.log(`\nsharp: ${IMAGE.width}×${IMAGE.height} JPEG → ${RESIZE_WIDTH} px WebP`);
    table(
      [
        'side',
        'driver',
        'conc',
        'images/s',
        'p50 ms',
        'p99 ms',
        'bad',
        'CPU ms/img',
        'gw CPU',
        'redis CPU',
        'bench CPU',
        'other CPU',
      ],
      sharpRuns.map((r) => [
        r.side === 'raw' ? 'raw sharp' : 'gateway',
        r.driver ?? `(next to ${r.pairedWith})`,
        String(r.concurrency),
        fmt(r.imagesPerS),
        fmt(r.p50Ms, 1),
        fmt(r.p99Ms, 1),
        String(r.bad),
        fmt(r.cpuMsPerImage, 1),
        cpuCell(r.gatewayCpuPct),
        cpuCell(r.redisCpuPct),
        cpuCell(r.selfCpuPct),
        cpuCell(r.otherCpuPct),
      ]),
    );
  }
  const mark = (c) => (c.pass === null ? 'n/a ' : c.pass ? 'PASS' : 'MISS');
  console.log('\ntargets');
  for (const [key, c] of Object.entries(checks)) {
    const [what, driver] = key.split('_');
    const text = what.startsWith('perHop')
      ? `per extra hop, (p50 3 hops − p50 1 hop) / 2 at c=1: ${fmt(c.value, 3)} ms (target <= ${c.target} ms)`
      : `builtin.sharp gateway / raw images/s at c=${what.replace('sharpRatioC', '')}: ${fmt(c.value)} (target >= ${c.target})`;
    console.log(`  ${mark(c)}  ${driver.padEnd(6)} ${text}`);
  }
  console.log('for comparison');
  for (const [key, v] of Object.entries(info)) console.log(`  ${key}: ${fmt(v, 3)}`);
}

function printMachine(m, build) {
  console.log('omnigate routes benchmark: hop overhead, and builtin.sharp against raw sharp');
  console.log(
    `machine: ${m.nproc} CPU (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.os}, load ${m.loadAvg1m}`,
  );
  console.log(`node ${m.node}, redis-server ${m.redisServer}, UV_THREADPOOL_SIZE ${m.uvThreadpoolSize}`);
  console.log(
    `sharp ${m.sharp.version} (libvips ${m.sharp.vips}): concurrency ${m.sharp.concurrency}, cache ${JSON.stringify(m.sharp.cache)}, SIMD ${m.sharp.simd}; defaults, left alone here and in the gateway`,
  );
  console.log(
    `gateway: ${build.source}, run from a copy in bench/results/build-routes/ (commit ${build.commit})`,
  );
}
