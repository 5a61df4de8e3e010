'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload for the compiled (CommonJS) gateway */
// Diagnostic preload for the compiled gateway: times the sections of the /v1/infer request path
// without touching its source. It wraps methods of the compiled classes (and fs/promises and
// ioredis) before main.js loads them, and at exit prints (and writes to BENCH_TRACE_OUT) calls
// per request and mean wall time per call. Wall times overlap under concurrency; read them at
// concurrency 1. The wrappers cost a little themselves, so use this to find where time goes,
// not to quote throughput.
//   node -r ./bench/trace-gateway.cjs dist/apps/gateway/apps/gateway/src/main.js
//   BENCH_TRACE=1 npm run bench      (run.mjs preloads it into the omnigate children)
const { join } = require('node:path');
const { writeFileSync } = require('node:fs');
const dc = require('node:diagnostics_channel');
const { performance, monitorEventLoopDelay } = require('node:perf_hooks');

require('reflect-metadata');

const BUILD = process.env.BENCH_BUILD_DIR ?? join(__dirname, '..', 'dist/apps/gateway');
const load = (rel) => require(join(BUILD, rel));
const stats = new Map();
const now = () => performance.now();

function record(name, ms) {
  let s = stats.get(name);
  if (!s) stats.set(name, (s = { calls: 0, totalMs: 0 }));
  s.calls++;
  s.totalMs += ms;
}

function timed(name, fn) {
  return function (...args) {
    const t0 = now();
    let out;
    try {
      out = fn.apply(this, args);
    } catch (err) {
      record(name, now() - t0);
      throw err;
    }
    if (out && typeof out.then === 'function') {
      return out.finally(() => record(name, now() - t0));
    }
    record(name, now() - t0);
    return out;
  };
}

function wrap(target, method, name) {
  const original = target[method];
  if (typeof original !== 'function' || original.__traced) return;
  const wrapped = timed(name, original);
  wrapped.__traced = true;
  // Nest keeps route metadata (@Post, ...) on the method function itself: carry it over.
  for (const key of Reflect.getOwnMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapped);
  }
  target[method] = wrapped;
}

// --- the request path
const ctrl = load('apps/gateway/src/inference/inference.controller.js').InferenceController.prototype;
wrap(ctrl, 'infer', 'controller.infer (whole handler)');
wrap(ctrl, 'parse', 'controller.parse (zod InferRequestSchema)');
wrap(ctrl, 'sendJson', 'controller.sendJson (present + reply.send)');
const svc = load('apps/gateway/src/inference/inference.service.js').InferenceService.prototype;
wrap(svc, 'run', 'service.run (sync: prepare, queue, wait)');
wrap(svc, 'prepare', '  run > prepare (inputs, detection, route)');
wrap(svc, 'enqueue', '  run > enqueue (record + queue add)');
wrap(svc, 'storeInput', '  submit > storeInput (blob put)');
wrap(svc, 'detect', '  submit > detect (readPrefix + detector)');
wrap(svc, 'present', 'service.present');
const chat = load('apps/gateway/src/openai/chat-completions.controller.js').ChatCompletionsController
  .prototype;
wrap(chat, 'create', 'chat.create (whole handler)');
const inspector = load('apps/gateway/src/detection/input-inspector.js').InputInspector.prototype;
wrap(inspector, 'inspect', '  prepare > inspector.inspect (store + detect)');
wrap(inspector, 'store', '    inspect > store (blob put)');
wrap(inspector, 'detect', '    inspect > detect');
const openaiChat = load('libs/adapters/src/openai/openai-chat.adapter.js').OpenAiChatAdapter.prototype;
wrap(openaiChat, 'invoke', 'openai chat.invoke (adapter)');
const tiered = load('apps/gateway/src/blobs/tiered-blob-store.js').TieredBlobStore.prototype;
for (const m of ['put', 'read']) wrap(tiered, m, `tiered blobs.${m}`);
const planner = load('apps/gateway/src/routing/route-planner.js').RoutePlanner.prototype;
wrap(planner, 'plan', '  submit > planner.plan');
const blobs = load('apps/gateway/src/blobs/fs-blob-store.js').FsBlobStore.prototype;
for (const m of ['put', 'readPrefix', 'read', 'stat']) wrap(blobs, m, `blobs.${m}`);
for (const m of ['commitContent', 'writeSidecar', 'readSidecar']) wrap(blobs, m, `  blobs.put > ${m}`);
const detector = load('apps/gateway/src/detection/content-modality-detector.js').ContentModalityDetector
  .prototype;
wrap(detector, 'detect', 'detector.detect');
const echo = load('libs/adapters/src/builtin/echo/echo.adapter.js').EchoAdapter.prototype;
wrap(echo, 'invoke', 'echo.invoke (adapter)');

// --- queue backends
const redisStore = load('apps/gateway/src/queue/redis-job-store.js').RedisJobStore.prototype;
for (const m of ['create', 'get', 'save', 'publish']) wrap(redisStore, m, `store.${m} (redis)`);
wrap(redisStore, 'dispatch', 'store.dispatch (redis pub/sub message)');
const hopQueue = load('apps/gateway/src/queue/bullmq-hop-queue.js').BullMqHopQueue.prototype;
wrap(hopQueue, 'add', 'hops.add (bullmq Queue.add)');

const inlineModule = load('apps/gateway/src/queue/inline-job-backend.js');
const Inline = inlineModule.InlineJobBackend;
inlineModule.InlineJobBackend = class TracedInlineJobBackend extends Inline {
  constructor(...args) {
    super(...args);
    const store = Object.getPrototypeOf(this.store);
    for (const m of ['create', 'get', 'save', 'publish']) wrap(store, m, `store.${m} (memory)`);
    wrap(Object.getPrototypeOf(this.hops), 'add', 'hops.add (inline)');
  }
};

const runnerModule = load('apps/gateway/src/jobs/hop-runner.js');
const Runner = runnerModule.HopRunner;
runnerModule.HopRunner = class TracedHopRunner extends Runner {
  constructor(...args) {
    super(...args);
    const handle = this.handle;
    this.handle = timed('runner.handle (worker: whole hop)', handle);
  }
};
for (const m of ['execute', 'succeeded', 'end', 'markActive', 'load'])
  wrap(Runner.prototype, m, `runner.${m}`);

const waiterModule = load('apps/gateway/src/jobs/job-waiter.js');
waiterModule.waitForJob = timed('waitForJob', waiterModule.waitForJob);

// --- file system and Redis, counted
const fsp = require('node:fs/promises');
for (const m of [
  'open',
  'readFile',
  'writeFile',
  'rename',
  'rm',
  'stat',
  'utimes',
  'mkdir',
  'link',
  'readdir',
]) {
  wrap(fsp, m, `fs.${m}`);
}
const { Redis } = require('ioredis');
const sendCommand = Redis.prototype.sendCommand;
const commands = new Map();
Redis.prototype.sendCommand = function (command, stream) {
  const name = command.name === 'evalsha' || command.name === 'eval' ? `${command.name}` : command.name;
  commands.set(name, (commands.get(name) ?? 0) + 1);
  return sendCommand.call(this, command, stream);
};

// --- HTTP: request start to response finish, as Node's http server sees it
const started = new WeakMap();
const httpCount = { n: 0 };
dc.subscribe('http.server.request.start', ({ request }) => started.set(request, now()));
dc.subscribe('http.server.response.finish', ({ request }) => {
  const t0 = started.get(request);
  if (t0 !== undefined && (request.url === '/v1/infer' || request.url === '/v1/chat/completions')) {
    record('http: request start -> response finish', now() - t0);
    httpCount.n++;
  }
});

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const eluStart = performance.eventLoopUtilization();

let reported = false;
function report() {
  if (reported) return;
  reported = true;
  const requests = Math.max(
    1,
    (stats.get('controller.infer (whole handler)')?.calls ?? 0) +
      (stats.get('chat.create (whole handler)')?.calls ?? 0),
  );
  const rows = [...stats]
    .map(([name, s]) => ({
      name,
      calls: s.calls,
      perRequest: +(s.calls / requests).toFixed(2),
      meanMs: +(s.totalMs / s.calls).toFixed(3),
      totalMs: Math.round(s.totalMs),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const redis = Object.fromEntries(
    [...commands].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, +(n / requests).toFixed(2)]),
  );
  const elu = performance.eventLoopUtilization(eluStart);
  const out = {
    requests,
    eventLoopUtilization: +elu.utilization.toFixed(3),
    eventLoopDelayMs: {
      p50: +(loopDelay.percentile(50) / 1e6).toFixed(2),
      p99: +(loopDelay.percentile(99) / 1e6).toFixed(2),
      max: +(loopDelay.max / 1e6).toFixed(2),
    },
    redisCommandsPerRequest: redis,
    redisCommandsPerRequestTotal: +[...commands.values()].reduce((s, n) => s + n / requests, 0).toFixed(1),
    sections: rows,
  };
  if (process.env.BENCH_TRACE_OUT)
    writeFileSync(process.env.BENCH_TRACE_OUT, `${JSON.stringify(out, null, 2)}\n`);
  const lines = [
    `trace: ${requests} requests, event loop utilisation ${out.eventLoopUtilization}, loop delay p99 ${out.eventLoopDelayMs.p99} ms`,
    `redis commands per request: ${out.redisCommandsPerRequestTotal} ${JSON.stringify(redis)}`,
    ...rows.map(
      (r) =>
        `${r.name.padEnd(46)} ${String(r.perRequest).padStart(6)}/req ${r.meanMs.toFixed(3).padStart(9)} ms`,
    ),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}
process.on('exit', report);
