// The CPU cost of one chat call's tracing and metrics, alone: the compiled gateway's own
// functions (tracing/http-spans, trace-context's inSpan and carrierOf, tracing/hop-spans, the
// tracing SDK with its exporter; GatewayMetrics' HTTP hook and observers) called as one
// non-streamed POST /v1/chat/completions calls them, without the request itself, so their CPU is
// not lost in the noise of a whole gateway on a shared machine (bench/observability.mjs).
//   off      nothing (the loop's own cost)
//   metrics  the metrics of a call
//   tracing  the six spans of a call (request, detect, plan, enqueue, hop, GenAI client span) and
//            their three W3C carriers, exported at 100 % to an OTLP receiver in a child process
//            (node:http, counting bytes, decoding nothing)
//   both     both
// CALLS calls per round, CONC of them under way at once (their spans interleave as they do under
// load); ROUNDS rounds of every side in a rotating order, each side its own process. CPU per call:
// the main thread's (/proc/self/task/<pid>/stat) and the whole process's (with the export thread).
// Usage: npm run build && node bench/trace-cost.mjs
//   BENCH_GATEWAY_MAIN=path/to/main.js  the compiled gateway whose functions are measured
//   BENCH_TC_BUILDS=before=path/to/main.js,after=path/to/main.js  several builds instead, their
//                   sides alternated within each round (the machine's other load spread alike)
//   BENCH_TC_CALLS=20000  BENCH_TC_CONC=32  BENCH_TC_ROUNDS=3  BENCH_TC_SIDES=off,metrics,tracing,both
//   BENCH_TC_RATE=0       calls a second, at most (0: as fast as they go; the spans then come far
//                         faster than any collector takes them, which the export thread's CPU shows)
//   BENCH_TC_QUEUE=10000000  OTEL_BSP_MAX_QUEUE_SIZE of the sides: by default large enough that no
//                         span is dropped, so each is posted to the export thread as in the gateway
//                         (the default 2048 would drop nearly all of a hot loop's spans unposted)
//   BENCH_TC_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench/results/profiles"  options of the side processes
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from './lib/otlp-receiver.mjs';
import { SOURCE_MAIN } from './lib/shared.mjs';

const env = process.env;
const CALLS = Number(env.BENCH_TC_CALLS ?? 20_000);
const CONC = Number(env.BENCH_TC_CONC ?? 32);
const ROUNDS = Number(env.BENCH_TC_ROUNDS ?? 3);
const SIDES = (env.BENCH_TC_SIDES ?? 'off,metrics,tracing,both').split(',');
const RATE = Number(env.BENCH_TC_RATE ?? 0);
const QUEUE = env.BENCH_TC_QUEUE ?? '10000000';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
const SELF = fileURLToPath(import.meta.url);
/** name → compiled main.js */
const BUILDS = env.BENCH_TC_BUILDS
  ? Object.fromEntries(env.BENCH_TC_BUILDS.split(',').map((b) => b.split('=')))
  : { build: SOURCE_MAIN };

if (env.BENCH_TC_SIDE) await child(env.BENCH_TC_SIDE);
else await parent();

async function parent() {
  const receiver = await startOtlpReceiver();
  const runs = Object.keys(BUILDS).flatMap((build) => SIDES.map((side) => ({ build, side })));
  const results = new Map(runs.map((r) => [`${r.build} ${r.side}`, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < runs.length; k++) {
      const { build, side } = runs[(k + r) % runs.length];
      const out = await runChild(side, receiver.url, BUILDS[build]);
      results.get(`${build} ${side}`).push(out);
      console.log(
        `round ${r + 1} ${build} ${side.padEnd(8)} main ${out.mainMs.toFixed(4)} ms/call, process ${out.processMs.toFixed(4)} ms/call`,
      );
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  console.log(
    `\n${CALLS} calls a round, ${CONC} at once, ${RATE > 0 ? `at most ${RATE}/s, ` : ''}${ROUNDS} rounds, OTEL_BSP_MAX_QUEUE_SIZE ${QUEUE}`,
  );
  for (const [name, main] of Object.entries(BUILDS)) console.log(`${name}: ${main}`);
  console.log(
    '| build | side | main thread CPU ms/call (median) | (min) | process CPU ms/call (median) | (min) | spans dropped (max) |',
  );
  console.log('| ----- | ---- | ---: | ---: | ---: | ---: | ---: |');
  for (const [key, outs] of results) {
    const main = outs.map((o) => o.mainMs);
    const proc = outs.map((o) => o.processMs);
    const f = (v) => v.toFixed(4);
    console.log(
      `| ${key.replace(' ', ' | ')} | ${f(median(main))} | ${f(Math.min(...main))} | ${f(median(proc))} | ${f(Math.min(...proc))} | ${Math.max(...outs.map((o) => o.dropped))} |`,
    );
  }
  console.log(`the receiver got ${receiver.counts.posts} posts, ${receiver.counts.bytes} bytes`);
  await receiver.close();
}

function runChild(side, url, main) {
  return new Promise((resolve, reject) => {
    const nodeArgs = env.BENCH_TC_NODE_ARGS ? env.BENCH_TC_NODE_ARGS.split(' ') : [];
    const proc = spawn(process.execPath, [...nodeArgs, SELF], {
      env: {
        ...env,
        BENCH_TC_SIDE: side,
        BENCH_TC_MAIN: main,
        OTEL_BSP_MAX_QUEUE_SIZE: QUEUE,
        OTEL_EXPORTER_OTLP_ENDPOINT: url,
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (c) => (out += c));
    proc.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()))
        : reject(new Error(`${side}: exit ${code}`)),
    );
  });
}

function ticks(path) {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function child(side) {
  const build = join(dirname(env.BENCH_TC_MAIN), '..', '..', '..');
  const require = createRequire(join(build, 'x.js'));
  const src = (p) => require(join(build, 'apps/gateway/src', p));
  require('reflect-metadata');
  const pino = require('pino');
  const tracing = side === 'tracing' || side === 'both';
  const metrics = side === 'metrics' || side === 'both';
  const { tracingFromEnv } = src('tracing/tracing-config.js');
  const { inSpan, inSpanSync, carrierOf } = src('tracing/trace-context.js');
  // A build from before inSpanSync (BENCH_TC_BUILDS) planned in an awaited inSpan.
  const plan = inSpanSync ?? inSpan;
  const { installHttpTracing, requestSpan } = src('tracing/http-spans.js');
  const { HopSpans } = src('tracing/hop-spans.js');
  const { GatewayMetrics } = src('metrics/gateway-metrics.js');
  const { modelLabels } = src('metrics/model-metrics.js');
  const { modalityPair } = src('metrics/modality-labels.js');
  const { modelAdapters } = src('adapters/model-adapters.js');

  const logger = pino({ level: 'silent' });
  const backends = [
    {
      id: 'bench',
      baseUrl: 'http://127.0.0.1:1/v1',
      apiKey: 'k',
      models: { chat: 'gpt-4o-mini' },
      concurrency: 64,
    },
  ];
  const models = modelAdapters(backends);
  const [adapterId, model] = [...models][0];
  let sdk;
  if (tracing) {
    const config = tracingFromEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_SERVICE_NAME: 'trace-cost',
    });
    sdk = src('tracing/tracing-sdk.js').startTracing(config, '0.0.0', logger);
  }
  const gm = metrics ? new GatewayMetrics(modelLabels(backends), true) : undefined;
  const detected = gm?.detection.observer(() => true);

  // Fastify's hooks, as the gateway installs them (tracing first, then metrics).
  const hooks = { onRequest: [], onResponse: [] };
  const fastify = { addHook: (name, fn) => hooks[name].push(fn), decorateRequest: () => {} };
  if (tracing) installHttpTracing(fastify);
  if (gm) gm.installHttpHook(fastify);
  const runHooks = async (name, request, reply) => {
    for (const fn of hooks[name]) {
      if (fn.length === 3) await new Promise((done) => fn(request, reply, done));
      else await fn(request, reply);
    }
  };
  const meta = {
    usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 },
    id: 'chatcmpl-1',
    model: 'gpt-4o-mini',
    finish_reason: 'stop',
  };
  const hopInputs = [{ modality: 'text' }];

  async function call(i) {
    const request = {
      method: 'POST',
      routeOptions: { url: '/v1/chat/completions' },
      headers: { 'content-type': 'application/json', accept: 'application/json', host: '127.0.0.1' },
    };
    const reply = {
      statusCode: 200,
      elapsedTime: 3.2,
      header() {
        return this;
      },
    };
    await runHooks('onRequest', request, reply);
    const parent = requestSpan(request);
    await inSpan('detect', parent, async (span) => {
      detected?.detected('text');
      span?.setAttribute('omnigate.input.modalities', ['text']);
    });
    await plan('plan', parent, (span) => {
      span?.setAttribute('omnigate.route', [adapterId]);
    });
    const trace = parent && carrierOf(parent);
    const jobId = `job-${i}`;
    await inSpan('enqueue', parent, (span) => {
      span?.setAttribute('omnigate.job.id', jobId);
      return Promise.resolve();
    });
    gm?.jobCreated(
      'interactive',
      modalityPair(hopInputs, 'text', () => true),
      undefined,
    );
    // The hop, with its adapter's call.
    const hop = { jobId, adapter: adapterId, task: 'chat', hop: 0, generation: 0, trace };
    // The job goes through a queue: the event loop turns (and takes the export thread's messages)
    // at least once a call, as in the gateway.
    await new Promise((r) => setImmediate(r));
    const spans = HopSpans.start(hop, 1, model);
    const headers = spans?.headers;
    if (headers && !headers.traceparent) throw new Error('no traceparent for the backend');
    await Promise.resolve();
    spans?.answered(meta);
    gm?.hopAnswered(adapterId, meta);
    spans?.end('completed');
    gm?.hopRan(adapterId, 'completed', 3, 'chat');
    gm?.jobEnded({ status: 'completed', timings: { totalMs: 3, queuedMs: 0 } });
    await runHooks('onResponse', request, reply);
  }

  // Warm-up, then the measured calls (call k not before k/RATE s from the start, with a rate).
  const run = async (n) => {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONC }, async () => {
        while (next < n) {
          const k = next++;
          const wait = RATE > 0 ? t0 + (k * 1000) / RATE - performance.now() : 0;
          if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
          await call(k);
        }
      }),
    );
  };
  await run(Math.min(5000, CALLS));
  const pid = process.pid;
  const main0 = ticks(`/proc/${pid}/task/${pid}/stat`);
  const proc0 = ticks(`/proc/${pid}/stat`);
  const cpu0 = process.cpuUsage();
  await run(CALLS);
  // The export of the measured calls' spans belongs to them.
  if (sdk) await sdk.shutdown();
  const main = ticks(`/proc/${pid}/task/${pid}/stat`) - main0;
  const procTicks = ticks(`/proc/${pid}/stat`) - proc0;
  const cpu = process.cpuUsage(cpu0);
  // Ticks are 10 ms: for the main thread, rusage-thread would be finer, but it is not in Node 20.
  console.log(
    JSON.stringify({
      side,
      mainMs: (main * 1000) / CLK_TCK / CALLS,
      processMs: (procTicks * 1000) / CLK_TCK / CALLS,
      processUsageMs: (cpu.user + cpu.system) / 1000 / CALLS,
      dropped: sdk?.droppedSpans?.() ?? 0,
    }),
  );
  process.exit(0);
}
