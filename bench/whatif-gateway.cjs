'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload for the compiled (CommonJS) gateway */
// "What if" preload for the compiled gateway: estimates what a change to the request path would
// buy, by patching the compiled classes at load time, without touching the source. Diagnostic
// only: these patches are NOT correct implementations (e.g. memory blobs do not survive a
// restart and are not shared between processes).
//   BENCH_WHATIF=1 WHATIF_MEM_BLOBS=1 BENCH_ONLY=c,d npm run bench
// Toggles (env, each independent):
//   WHATIF_MEM_BLOBS=1          Buffer puts (inline text/base64 inputs, outputs) kept in a Map:
//                               the cost of a request whose small inline input never touches disk
//   WHATIF_NO_FSYNC=1           blob content writes without fsync (flush: false)
//   WHATIF_NO_ACTIVE_SAVE=1     skip the record rewrite + publish for the 'active' transition
//   WHATIF_WORKER_CONCURRENCY=N worker concurrency for every adapter queue (echo declares 16)
//   WHATIF_BULLMQ_OWN_CONNECTION=1  BullMQ queues/workers on a duplicate of the store's connection, so
//                               BullMQ's ~64 Lua commands are not defined on the connection whose
//                               multi() the job store calls (ioredis copies them into every Pipeline)
require('reflect-metadata');
const { createHash } = require('node:crypto');
const { join } = require('node:path');

const BUILD = process.env.BENCH_BUILD_DIR ?? join(__dirname, '..', 'dist/apps/gateway');
const load = (rel) => require(join(BUILD, rel));
const on = (name) => process.env[name] === '1';
const applied = [];

if (on('WHATIF_MEM_BLOBS')) {
  const proto = load('apps/gateway/src/blobs/fs-blob-store.js').FsBlobStore.prototype;
  const mem = new Map();
  const { put, stat, read, readPrefix } = proto;
  proto.put = async function (data, options = {}) {
    if (!Buffer.isBuffer(data)) return put.call(this, data, options);
    const id = createHash('sha256').update(data).digest('hex');
    const info = {
      id,
      bytes: data.length,
      mediaType: options.mediaType ?? 'application/octet-stream',
      ...(options.filename !== undefined && { filename: options.filename }),
      createdAt: new Date().toISOString(),
    };
    mem.set(id, { data, info });
    return info;
  };
  proto.stat = async function (id) {
    return mem.get(id)?.info ?? stat.call(this, id);
  };
  proto.read = async function (id) {
    return mem.get(id)?.data ?? read.call(this, id);
  };
  proto.readPrefix = async function (id, bytes) {
    const hit = mem.get(id);
    return hit ? hit.data.subarray(0, bytes) : readPrefix.call(this, id, bytes);
  };
  applied.push('WHATIF_MEM_BLOBS');
}

if (on('WHATIF_NO_FSYNC')) {
  const fsp = require('node:fs/promises');
  // FileHandle is not exported: take its prototype from a handle.
  fsp.open('/dev/null', 'r').then(async (handle) => {
    const proto = Object.getPrototypeOf(handle);
    await handle.close();
    const createWriteStream = proto.createWriteStream;
    proto.createWriteStream = function (options) {
      return createWriteStream.call(this, { ...options, flush: false });
    };
  });
  applied.push('WHATIF_NO_FSYNC');
}

if (on('WHATIF_NO_ACTIVE_SAVE')) {
  const skipActive = (proto) => {
    const save = proto.save;
    proto.save = function (record, event) {
      return event.status === 'active' ? Promise.resolve() : save.call(this, record, event);
    };
  };
  skipActive(load('apps/gateway/src/queue/redis-job-store.js').RedisJobStore.prototype);
  const inlineModule = load('apps/gateway/src/queue/inline-job-backend.js');
  const Inline = inlineModule.InlineJobBackend;
  let patched = false;
  inlineModule.InlineJobBackend = class extends Inline {
    constructor(...args) {
      super(...args);
      if (!patched) skipActive(Object.getPrototypeOf(this.store));
      patched = true;
    }
  };
  applied.push('WHATIF_NO_ACTIVE_SAVE');
}

const concurrency = Number(process.env.WHATIF_WORKER_CONCURRENCY ?? 0);
if (concurrency > 0) {
  const proto = load('apps/gateway/src/queue/bullmq-hop-queue.js').BullMqHopQueue.prototype;
  const work = proto.work;
  proto.work = function (adapterId, _concurrency, handler) {
    return work.call(this, adapterId, concurrency, handler);
  };
  const inlineModule = load('apps/gateway/src/queue/inline-job-backend.js');
  const Inline = inlineModule.InlineJobBackend;
  inlineModule.InlineJobBackend = class extends Inline {
    constructor(...args) {
      super(...args);
      const hops = this.hops;
      const inlineWork = hops.work.bind(hops);
      hops.work = (adapterId, _concurrency, handler) => inlineWork(adapterId, concurrency, handler);
    }
  };
  applied.push(`WHATIF_WORKER_CONCURRENCY=${concurrency}`);
}

if (on('WHATIF_BULLMQ_OWN_CONNECTION')) {
  const mod = load('apps/gateway/src/queue/bullmq-hop-queue.js');
  const Base = mod.BullMqHopQueue;
  mod.BullMqHopQueue = class extends Base {
    constructor(redis, ...rest) {
      super(redis.duplicate(), ...rest);
    }
  };
  applied.push('WHATIF_BULLMQ_OWN_CONNECTION');
}

if (applied.length) process.stderr.write(`what-if patches: ${applied.join(', ')}\n`);
