// omnigate media benchmark (issue 3): does detection cost the same for a 4 KB and a 200 MB file,
// and does a 1 GiB upload stream through the gateway in bounded memory?
//   1. For each format (PCM WAV, binary PLY point cloud, CSV signal), a ~4 KB and a ~200 MB file
//      are generated in a temp dir and uploaded once (POST /v1/blobs, streamed from the file).
//      Then POST /v1/detect {"inputs":[{"blobId": id}]} is sent one request at a time:
//      - time: ROUNDS requests per size, the sizes interleaved (order rotating every round) so
//        that drift and bursts of other load hit every size alike: p50/p99 ms;
//      - memory: per size, a series of MEM_REPS requests with the gateway's RSS high-water mark
//        (VmHWM) reset before through /proc/<pid>/clear_refs: peak and growth over the RSS
//        before; also its CPU time, the bytes it read per request (rchar: files and sockets, and
//        the reads of its children once reaped, e.g. ffprobe's), and the child processes it
//        started (count, peak RSS sampled every 20 ms, CPU).
//      A third size, "mid" (1 MiB, above the 64 KiB detection prefix), helps read the ratios.
//   2. A generated 1 GiB file is streamed to POST /v1/blobs: throughput, the gateway's peak RSS
//      growth, and the answer checked (201, bytes, id = the file's sha256). This runs first, on
//      the freshly started gateway, so that no earlier work has already grown its heap.
// The gateway runs as a child process (ROLE=all, QUEUE_DRIVER=bullmq with a redis-server of its
// own on a free port, BLOB_DIR in a temp dir, LOG_LEVEL=warn, BLOB_MAX_BYTES=3 GiB). Everything the
// run starts or writes (gateway, redis, inputs, blobs) is stopped or removed at the end, also on
// failure or Ctrl-C.
// Usage: npm run bench:media   (builds, then runs this file). Knobs (env):
//   BENCH_GATEWAY_MAIN=path/to/main.js  compiled gateway (default dist/apps/gateway/apps/gateway/src/main.js);
//                       its build tree is copied to bench/results/build-media/ first
//   BENCH_MEDIA_FORMATS=wav,ply,csv  BENCH_MEDIA_ROUNDS=100  BENCH_MEDIA_MEM_REPS=20  BENCH_MEDIA_WARMUP=10
//   BENCH_MEDIA_SMALL_BYTES=4096  BENCH_MEDIA_MID_BYTES=1048576 (0: no mid)  BENCH_MEDIA_LARGE_BYTES=209715200
//   BENCH_MEDIA_UPLOAD_BYTES=1073741824
//   BENCH_MEDIA_ONLY=detect,upload   BENCH_OUT=media.json (under bench/results/)
//   BENCH_STRICT=1  also exit 1 when a target is missed or a format is detected as the wrong modality
//                   (a non-2xx answer or a wrong upload answer always fails the run)
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statfsSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import {
  CLK_TCK,
  machineInfo as baseMachineInfo,
  safeExec,
  safeRead,
  systemBusyTicks,
} from './lib/machine.mjs';
import { MAIN_IN_BUILD, snapshotGatewayBuild } from './lib/build.mjs';
import { benchRun } from './lib/lifecycle.mjs';
import { fmt, pct, round } from './lib/numbers.mjs';
import { freePort, redisVersion, spawnLogged, startRedis, tail, waitReadyOrExit } from './lib/processes.mjs';
import { LOG_DIR, RESULTS_DIR, ROOT, SOURCE_MAIN } from './lib/shared.mjs';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const env = process.env;
const FORMATS = (env.BENCH_MEDIA_FORMATS ?? 'wav,ply,csv').split(',').map((s) => s.trim());
const ONLY = new Set((env.BENCH_MEDIA_ONLY ?? 'detect,upload').split(',').map((s) => s.trim()));
const ROUNDS = Number(env.BENCH_MEDIA_ROUNDS ?? 100);
const MEM_REPS = Number(env.BENCH_MEDIA_MEM_REPS ?? 20);
const WARMUP = Number(env.BENCH_MEDIA_WARMUP ?? 10);
/** small and large as the issue asks; mid (1 MiB, above the 64 KiB detection prefix) to read the ratios by. */
const SIZES = {
  small: Number(env.BENCH_MEDIA_SMALL_BYTES ?? 4096),
  mid: Number(env.BENCH_MEDIA_MID_BYTES ?? MiB),
  large: Number(env.BENCH_MEDIA_LARGE_BYTES ?? 200 * MiB),
};
const SIZE_NAMES = SIZES.mid > 0 ? ['small', 'mid', 'large'] : ['small', 'large'];
const UPLOAD_BYTES = Number(env.BENCH_MEDIA_UPLOAD_BYTES ?? GiB);
const BLOB_MAX_BYTES = Math.max(3 * GiB, UPLOAD_BYTES * 2);
const STRICT = env.BENCH_STRICT === '1';
const SNAPSHOT_DIR = join(RESULTS_DIR, 'build-media');
const RUN_ID = `media${process.pid}${Date.now().toString(36)}`;
const SAMPLE_EVERY_MS = 20;

const TARGETS = {
  detectTimeRatio: 1.2, // p50 (and p99) detect time, 200 MB / 4 KB, same format
  detectPeakMemRatio: 1.2, // gateway VmHWM during the series, 200 MB / 4 KB, same format
  uploadRssGrowthMB: 100, // gateway peak RSS growth during the 1 GiB upload
};

/**
 * The formats: each writes a file of about `target` bytes through `write(chunk)` and says what
 * it wrote. Content is deterministic (a sine, a helix), never random, so sizes and ids repeat.
 */
const GENERATORS = {
  wav: {
    label: 'PCM WAV, 16-bit stereo 44.1 kHz, 441 Hz sine',
    modality: 'audio',
    generate: generateWav,
  },
  ply: {
    label: 'PLY binary_little_endian, float32 x y z (helix)',
    modality: 'pointcloud',
    generate: generatePly,
  },
  csv: {
    label: 'CSV signal, header t,ch1,ch2 @ 250 Hz',
    modality: 'signal',
    generate: generateCsv,
  },
};

let redis;
const { children, mkTemp, cleanup, start } = benchRun({ redis: () => redis });
start(main, {
  onFailure: () => {
    const log = join(LOG_DIR, 'media-gateway.log');
    if (existsSync(log)) console.error(`\nlast lines of the gateway's log (${log}):\n${tail(log)}`);
  },
});

async function main() {
  for (const f of FORMATS) if (!GENERATORS[f]) throw new Error(`unknown format ${f} in BENCH_MEDIA_FORMATS`);
  mkdirSync(LOG_DIR, { recursive: true });
  const machine = machineInfo();
  const tmpRoot = os.tmpdir();
  const needBytes =
    (ONLY.has('detect') ? FORMATS.length * (SIZES.large + SIZES.mid + SIZES.small) * 2 : 0) +
    (ONLY.has('upload') ? UPLOAD_BYTES * 2 : 0) +
    256 * MiB;
  const free = freeBytes(tmpRoot);
  console.log('omnigate media benchmark: detection at two sizes, and a large streamed upload');
  console.log(
    `machine: ${machine.nproc} CPU (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, ${machine.os}, load ${machine.loadAvg1m}`,
  );
  console.log(`node ${machine.node}, redis-server ${machine.redisServer}, ffprobe ${machine.ffprobe}`);
  console.log(`temp dir ${tmpRoot}: ${gib(free)} GiB free, this run needs up to ${gib(needBytes)} GiB`);
  if (free < needBytes)
    throw new Error(`not enough free disk in ${tmpRoot}: ${gib(free)} GiB < ${gib(needBytes)} GiB`);

  const build = snapshotGatewayBuild(SOURCE_MAIN, SNAPSHOT_DIR);
  console.log(
    `gateway: ${build.source}${build.commit ? ` (${build.commit})` : ''}, run from a copy in ${relative(ROOT, SNAPSHOT_DIR)}/`,
  );

  redis = await startRedis(children, join(LOG_DIR, 'media-redis.log'));
  machine.redisVersion = await redisVersion(redis.client);
  const gateway = await startGateway();
  console.log(
    `gateway pid ${gateway.proc.pid} on ${gateway.url}, redis on :${redis.port}; BLOB_DIR ${gateway.blobDir}`,
  );
  console.log(
    `gateway env: ${Object.entries(gateway.publicEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}\n`,
  );
  const failures = [];
  const warnings = [];
  const work = mkTemp('omnigate-media-in-');
  const started = Date.now();

  // ------------------------------------------------------------ the 1 GiB streamed upload, first:
  // on the freshly started gateway, so that no earlier work has already grown its heap.
  const rssAtStartMB = round(procStatus(gateway.proc.pid).rssKb / 1024, 1);
  let bigUpload;
  if (ONLY.has('upload')) {
    const file = join(work, 'upload.bin');
    const t0 = performance.now();
    const chunk = randomBytes(MiB);
    const written = writeGenerated(file, (write) => {
      for (let done = 0; done < UPLOAD_BYTES; done += chunk.length) {
        write(chunk.subarray(0, Math.min(chunk.length, UPLOAD_BYTES - done)));
      }
    });
    const genMs = performance.now() - t0;
    console.log(
      `upload: ${fmtBytes(written.bytes)} file generated in ${fmt(genMs, 0)} ms (sha256 ${written.sha256.slice(0, 16)}…), streaming it to POST /v1/blobs ...`,
    );
    try {
      const up = await measured(gateway, () => upload(gateway.url, file, written.bytes));
      const problems = uploadProblems(up.result, written);
      failures.push(...problems.map((p) => `1 GiB upload: ${p}`));
      bigUpload = {
        bytes: written.bytes,
        sha256: written.sha256,
        generateMs: round(genMs, 0),
        status: up.result.status,
        answer: up.result.body,
        verified: problems.length === 0,
        ...uploadFigures(up, written.bytes),
      };
      console.log(
        `upload: ${up.result.status} in ${fmt(up.result.ms, 0)} ms, ${fmt(bigUpload.mbPerS, 0)} MB/s, gateway RSS +${fmt(bigUpload.rssGrowthMB, 1)} MB ` +
          `(before ${fmt(bigUpload.rssBeforeMB, 1)} MB, peak ${fmt(bigUpload.rssPeakMB, 1)} MB), answer ${problems.length ? `WRONG: ${problems.join('; ')}` : 'verified (201, bytes, id = sha256)'}`,
      );
    } finally {
      rmSync(file, { force: true });
    }
    console.log();
  }

  // ------------------------------------------------------------ detection at two sizes (and mid)
  const formats = [];
  if (ONLY.has('detect')) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const key of FORMATS) {
      const gen = GENERATORS[key];
      const entry = { format: key, label: gen.label, expectedModality: gen.modality, sizes: {} };
      formats.push(entry);
      for (const size of SIZE_NAMES) {
        const file = join(work, `${key}-${size}.${key}`);
        const t0 = performance.now();
        const written = writeGenerated(file, (write) => gen.generate(SIZES[size], write));
        const genMs = performance.now() - t0;
        const up = await measured(gateway, () => upload(gateway.url, file, written.bytes));
        rmSync(file, { force: true }); // the gateway has its own copy now
        checkUpload(up.result, written, `${key} ${size}`);
        entry.sizes[size] = {
          bytes: written.bytes,
          sha256: written.sha256,
          generateMs: round(genMs, 0),
          upload: uploadFigures(up, written.bytes),
          blobId: up.result.body.id,
        };
        console.log(
          `${key} ${size.padEnd(5)} ${fmtBytes(written.bytes).padStart(10)}  generated in ${fmt(genMs, 0)} ms, uploaded in ${fmt(up.result.ms, 0)} ms (${fmt(entry.sizes[size].upload.mbPerS, 0)} MB/s)`,
        );
      }
      // The content is stored: flush it to disk, so that the write-back of 200 MB does not run
      // under the measurements.
      const syncStart = performance.now();
      safeExec('sync', []);
      entry.syncMs = round(performance.now() - syncStart, 0);
      // Warm the gateway on this format at every size, so that no size gets the cold requests.
      const bodies = Object.fromEntries(
        SIZE_NAMES.map((size) => [size, JSON.stringify({ inputs: [{ blobId: entry.sizes[size].blobId }] })]),
      );
      for (let i = 0; i < WARMUP; i++)
        for (const size of SIZE_NAMES) await detect(gateway.url, bodies[size], agent);

      // Per size: one answer kept (what was detected, which metadata), then a series of
      // MEM_REPS requests for the memory high-water mark, CPU, bytes read and child processes.
      for (const size of SIZE_NAMES) {
        const s = entry.sizes[size];
        const first = await detect(gateway.url, bodies[size], agent);
        if (first.status !== 200) {
          failures.push(`${key} ${size}: detect answered ${first.status} ${first.text.slice(0, 300)}`);
          console.log(`${key} ${size}: detect answered ${first.status}: ${first.text.slice(0, 300)}`);
        }
        const d = first.json?.detected?.[0];
        s.detection = d ?? null;
        s.metaKeys = d?.meta ? Object.keys(d.meta) : [];
        if (d && d.modality !== gen.modality) {
          warnings.push(
            `${key} ${size}: detected as ${d.modality} (${d.mediaType}), expected ${gen.modality}`,
          );
        }
        const series = await measured(gateway, () =>
          detectSeries(gateway.url, [bodies[size]], MEM_REPS, agent),
        );
        const { statuses } = series.result[0];
        const bad = MEM_REPS - (statuses[200] ?? 0);
        if (bad > 0)
          failures.push(`${key} ${size}: ${bad} non-200 detect answers ${JSON.stringify(statuses)}`);
        s.detect = seriesFigures(series, MEM_REPS);
      }

      // Time: ROUNDS rounds, each one request per size, in an order that rotates every round, so
      // that drift and bursts of other load on the machine hit every size alike.
      const timed = await measured(gateway, () =>
        detectSeries(
          gateway.url,
          SIZE_NAMES.map((size) => bodies[size]),
          ROUNDS,
          agent,
        ),
      );
      entry.timingOtherCpuPct = round(timed.otherCpuPct, 0);
      SIZE_NAMES.forEach((size, i) => {
        const s = entry.sizes[size];
        const { latencies, statuses } = timed.result[i];
        const bad = ROUNDS - (statuses[200] ?? 0);
        if (bad > 0)
          failures.push(`${key} ${size}: ${bad} non-200 detect answers ${JSON.stringify(statuses)}`);
        s.time = latencyFigures(latencies, statuses, ROUNDS);
        const d = s.detection;
        console.log(
          `${key} ${size.padEnd(5)} detect: p50 ${fmt(s.time.p50Ms)} ms  p99 ${fmt(s.time.p99Ms)} ms (x${ROUNDS})  ` +
            `RSS +${fmt(s.detect.rssGrowthMB, 1)} MB  CPU ${fmt(s.detect.cpuMsPerReq)} ms/req  read ${fmtBytes(s.detect.readBytesPerReq)}/req (x${MEM_REPS})  ` +
            `-> ${d ? `${d.modality} ${d.mediaType} [${s.metaKeys.join(', ') || 'no meta'}]` : 'no detection'}`,
        );
      });
      entry.ratios = ratios(entry.sizes.small, entry.sizes.large);
      if (entry.sizes.mid) entry.ratiosLargeOverMid = ratios(entry.sizes.mid, entry.sizes.large);
    }
    agent.destroy();
  }

  const summary = summarize(formats, bigUpload);
  printTables(formats, bigUpload, summary);
  if (warnings.length) console.log(`\nwarnings:\n${warnings.map((w) => `  ${w}`).join('\n')}`);

  const output = {
    generatedAt: new Date().toISOString(),
    command: 'npm run bench:media',
    settings: {
      formats: FORMATS,
      sizes: SIZES,
      timedRequestsPerSize: ROUNDS,
      memorySeriesRequestsPerSize: MEM_REPS,
      warmup: WARMUP,
      uploadBytes: UPLOAD_BYTES,
      detectBody: '{"inputs":[{"blobId":"<id>"}]}',
      uploadContentType: 'application/octet-stream (no media type hint: detection goes by content)',
      gatewayEnv: gateway.publicEnv,
      rssSamplingMs: SAMPLE_EVERY_MS,
    },
    machine,
    build,
    gatewayRssAtStartMB: rssAtStartMB ?? null,
    formats,
    upload: bigUpload ?? null,
    summary,
    targets: TARGETS,
    warnings,
    failures,
    ok: failures.length === 0,
    loadAvgAtEnd: round(os.loadavg()[0], 2),
    wallS: Math.round((Date.now() - started) / 1000),
  };
  const outFile = join(RESULTS_DIR, env.BENCH_OUT ?? 'media.json');
  writeFileSync(outFile, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nresults: ${outFile}`);
  await cleanup();

  if (failures.length > 0) {
    console.error(`\nBENCH FAILED:\n${failures.map((f) => `  ${f}`).join('\n')}`);
    process.exit(1);
  }
  const missed = Object.values(summary.checks).some((c) => c.pass === false);
  if (STRICT && (missed || warnings.length > 0)) process.exit(1);
}

// ---------------------------------------------------------------- generated inputs

/** Writes a file through `produce(write)`, hashing it on the way. */
function writeGenerated(file, produce) {
  const fd = openSync(file, 'w');
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    produce((chunk) => {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      hash.update(chunk);
      bytes += chunk.length;
    });
  } finally {
    closeSync(fd);
  }
  return { file, bytes, sha256: hash.digest('hex') };
}

function generateWav(target, write) {
  const channels = 2;
  const rate = 44100;
  const blockAlign = channels * 2;
  const frames = Math.max(1, Math.floor((target - 44) / blockAlign));
  const dataBytes = frames * blockAlign;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  write(header);
  // 441 Hz at 44.1 kHz: exactly 100 frames a period, so whole periods tile without a seam.
  const periodFrames = 100;
  const periodsPerChunk = 2600;
  const chunk = Buffer.alloc(periodFrames * periodsPerChunk * blockAlign);
  for (let f = 0; f < periodFrames * periodsPerChunk; f++) {
    const phase = (2 * Math.PI * (f % periodFrames)) / periodFrames;
    chunk.writeInt16LE(Math.round(16000 * Math.sin(phase)), f * blockAlign);
    chunk.writeInt16LE(Math.round(12000 * Math.sin(phase + Math.PI / 2)), f * blockAlign + 2);
  }
  for (let done = 0; done < dataBytes; done += chunk.length) {
    write(chunk.subarray(0, Math.min(chunk.length, dataBytes - done)));
  }
}

function generatePly(target, write) {
  const headerFor = (n) =>
    'ply\nformat binary_little_endian 1.0\ncomment omnigate media benchmark: a helix\n' +
    `element vertex ${n}\nproperty float x\nproperty float y\nproperty float z\nend_header\n`;
  let points = Math.max(1, Math.floor((target - headerFor(0).length) / 12));
  while (headerFor(points).length + points * 12 > target && points > 1) points--;
  write(Buffer.from(headerFor(points), 'latin1'));
  const perChunk = 87_381; // ~1 MiB of points
  const xyz = new Float32Array(perChunk * 3);
  for (let first = 0; first < points; first += perChunk) {
    const n = Math.min(perChunk, points - first);
    for (let i = 0; i < n; i++) {
      const t = (first + i) * 0.001;
      xyz[3 * i] = Math.cos(t);
      xyz[3 * i + 1] = Math.sin(t);
      xyz[3 * i + 2] = t * 0.01;
    }
    write(Buffer.from(xyz.buffer, 0, n * 12));
  }
}

function generateCsv(target, write) {
  const rate = 250;
  // ch1: a 1 Hz sine (250 samples a period), ch2: a 10 Hz sine (25 samples), as fixed strings.
  const ch1 = Array.from({ length: rate }, (_, i) => Math.sin((2 * Math.PI * i) / rate).toFixed(4));
  const ch2 = Array.from({ length: 25 }, (_, i) => (0.5 * Math.sin((2 * Math.PI * i) / 25)).toFixed(4));
  const header = 't,ch1,ch2\n';
  write(Buffer.from(header, 'latin1'));
  let bytes = header.length;
  let parts = [];
  let pending = 0;
  for (let i = 0; ; i++) {
    const row = `${(i / rate).toFixed(3)},${ch1[i % rate]},${ch2[i % 25]}\n`;
    if (bytes + row.length > target) break;
    parts.push(row);
    bytes += row.length;
    pending += row.length;
    if (pending >= MiB) {
      write(Buffer.from(parts.join(''), 'latin1'));
      parts = [];
      pending = 0;
    }
  }
  if (parts.length) write(Buffer.from(parts.join(''), 'latin1'));
}

// ---------------------------------------------------------------- requests

/** Streams a file to POST /v1/blobs (raw body, content-length set) and reads the answer. */
function upload(url, file, bytes) {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const req = http.request(`${url}/v1/blobs`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
    });
    let bodyError;
    req.on('response', async (res) => {
      try {
        const text = await readAll(res);
        let body;
        try {
          body = JSON.parse(text);
        } catch {
          body = { raw: text.slice(0, 500) };
        }
        resolvePromise({ status: res.statusCode, body, ms: performance.now() - t0 });
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', (err) => reject(bodyError ?? err));
    req.setTimeout(600_000, () => req.destroy(new Error('upload timed out after 600 s')));
    // An early answer (e.g. 413) may cut the body short: the answer is what counts then.
    pipeline(createReadStream(file, { highWaterMark: MiB }), req).catch((err) => {
      bodyError = err;
    });
  });
}

function detect(url, body, agent) {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const req = http.request(`${url}/v1/detect`, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      },
    });
    req.on('response', async (res) => {
      try {
        const text = await readAll(res);
        const ms = performance.now() - t0;
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolvePromise({ status: res.statusCode, text, json, ms });
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
    req.setTimeout(120_000, () => req.destroy(new Error('detect timed out after 120 s')));
    req.end(body);
  });
}

async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

function uploadProblems(result, written) {
  const problems = [];
  if (result.status !== 201)
    problems.push(`status ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
  if (result.body?.bytes !== written.bytes) problems.push(`bytes ${result.body?.bytes} != ${written.bytes}`);
  if (result.body?.id !== written.sha256) problems.push(`id ${result.body?.id} != sha256 ${written.sha256}`);
  return problems;
}

function checkUpload(result, written, what) {
  const problems = uploadProblems(result, written);
  if (problems.length) throw new Error(`upload of ${what}: ${problems.join('; ')}`);
}

// ---------------------------------------------------------------- measuring the gateway

/**
 * Runs `work` while watching the gateway: VmHWM reset before (clear_refs 5) and read after, RSS
 * sampled every 20 ms as a cross-check (and the RSS of any child process it starts, e.g.
 * ffprobe), CPU ticks and rchar (bytes read through read()-like calls, page cache included).
 */
async function measured(gateway, work) {
  const pid = gateway.proc.pid;
  let hwmReset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    hwmReset = false;
  }
  const before = procStatus(pid);
  const ioBefore = procIo(pid);
  const cpuBefore = cpuNs(pid);
  const redisBefore = redis ? cpuNs(redis.proc.pid) : 0;
  const reapedBefore = reapedChildTicks(pid);
  const systemBefore = systemBusyTicks();
  const selfBefore = process.cpuUsage();
  let sampledPeakKb = before.rssKb;
  let childPeakKb = 0;
  let childPids = new Set();
  const timer = setInterval(() => {
    const s = procStatus(pid);
    if (s.rssKb > sampledPeakKb) sampledPeakKb = s.rssKb;
    const descendants = descendantsOf(pid);
    let sum = 0;
    for (const d of descendants) {
      childPids.add(d);
      sum += procStatus(d).rssKb || 0;
    }
    if (sum > childPeakKb) childPeakKb = sum;
  }, SAMPLE_EVERY_MS);
  const t0 = performance.now();
  let result;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  const elapsedMs = performance.now() - t0;
  const cpuMs = (cpuNs(pid) - cpuBefore) / 1e6;
  const redisMs = redis ? (cpuNs(redis.proc.pid) - redisBefore) / 1e6 : 0;
  const systemMs = ((systemBusyTicks() - systemBefore) / CLK_TCK) * 1000;
  const self = process.cpuUsage(selfBefore);
  const selfMs = (self.user + self.system) / 1000;
  const childCpuMs = ((reapedChildTicks(pid) - reapedBefore) / CLK_TCK) * 1000;
  const after = procStatus(pid);
  const ioAfter = procIo(pid);
  const peakKb = hwmReset ? after.hwmKb : Math.max(sampledPeakKb, after.rssKb);
  return {
    result,
    elapsedMs,
    hwmReset,
    rssBeforeMB: before.rssKb / 1024,
    rssAfterMB: after.rssKb / 1024,
    rssPeakMB: peakKb / 1024,
    rssSampledPeakMB: Math.max(sampledPeakKb, after.rssKb) / 1024,
    rssGrowthMB: Math.max(0, peakKb - before.rssKb) / 1024,
    cpuMs,
    childCpuMs,
    otherCpuPct: Math.max(0, (100 * (systemMs - cpuMs - childCpuMs - redisMs - selfMs)) / elapsedMs),
    readBytes: ioAfter.rchar - ioBefore.rchar,
    childProcesses: childPids.size,
    childPeakRssMB: childPeakKb / 1024,
  };
}

function latencyFigures(latencies, statuses, reps) {
  const sorted = Float64Array.from(latencies).sort();
  const n = sorted.length;
  return {
    reps,
    ok: n,
    statuses,
    p50Ms: round(pct(sorted, 50), 3),
    p90Ms: round(pct(sorted, 90), 3),
    p99Ms: round(pct(sorted, 99), 3),
    minMs: round(sorted[0] ?? NaN, 3),
    maxMs: round(sorted.at(-1) ?? NaN, 3),
    meanMs: round(sorted.reduce((s, v) => s + v, 0) / n, 3),
  };
}

/** `rounds` rounds of one request per body, the order rotating each round; latencies per body. */
async function detectSeries(url, bodies, rounds, agent) {
  const out = bodies.map(() => ({ latencies: [], statuses: {} }));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < bodies.length; k++) {
      const i = (r + k) % bodies.length;
      const res = await detect(url, bodies[i], agent);
      out[i].statuses[res.status] = (out[i].statuses[res.status] ?? 0) + 1;
      if (res.status === 200) out[i].latencies.push(res.ms);
    }
  }
  return out;
}

/** The figures of a memory series; its latencies too, for reference (one size at a time). */
function seriesFigures(m, reps) {
  const { latencies, statuses } = m.result[0];
  const t = latencyFigures(latencies, statuses, reps);
  return {
    reps,
    ok: t.ok,
    statuses,
    seriesP50Ms: t.p50Ms,
    seriesMaxMs: t.maxMs,
    rssBeforeMB: round(m.rssBeforeMB, 1),
    rssPeakMB: round(m.rssPeakMB, 1),
    rssGrowthMB: round(m.rssGrowthMB, 1),
    rssSampledPeakMB: round(m.rssSampledPeakMB, 1),
    rssAfterMB: round(m.rssAfterMB, 1),
    hwmReset: m.hwmReset,
    cpuMsPerReq: round(m.cpuMs / reps, 2),
    otherCpuPct: round(m.otherCpuPct, 0),
    readBytesPerReq: Math.round(m.readBytes / reps),
    childProcessesSeen: m.childProcesses,
    childCpuMsPerReq: round(m.childCpuMs / reps, 2),
    childPeakRssMB: round(m.childPeakRssMB, 1),
  };
}

function uploadFigures(m, bytes) {
  return {
    ms: round(m.result.ms, 0),
    mbPerS: round(bytes / 1e6 / (m.result.ms / 1000), 1),
    rssBeforeMB: round(m.rssBeforeMB, 1),
    rssPeakMB: round(m.rssPeakMB, 1),
    rssGrowthMB: round(m.rssGrowthMB, 1),
    rssSampledPeakMB: round(m.rssSampledPeakMB, 1),
    hwmReset: m.hwmReset,
    cpuMs: round(m.cpuMs, 0),
    cpuPct: round((100 * m.cpuMs) / m.elapsedMs, 0),
    otherCpuPct: round(m.otherCpuPct, 0),
  };
}

function ratios(small, large) {
  const r = (a, b) => (a > 0 && b > 0 ? round(b / a, 3) : null);
  return {
    bytes: r(small.bytes, large.bytes),
    p50: r(small.time?.p50Ms, large.time?.p50Ms),
    p99: r(small.time?.p99Ms, large.time?.p99Ms),
    peakRss: r(small.detect?.rssPeakMB, large.detect?.rssPeakMB),
    // Growth itself is near 0 at every size, so its ratio would be noise: the MB are shown instead.
    rssGrowthMB: `${fmt(small.detect?.rssGrowthMB, 1)} -> ${fmt(large.detect?.rssGrowthMB, 1)}`,
    readBytesPerReq: r(
      Math.max(small.detect?.readBytesPerReq ?? 0, 1),
      Math.max(large.detect?.readBytesPerReq ?? 0, 1),
    ),
  };
}

function summarize(formats, bigUpload) {
  const check = (value, target) => ({
    value,
    target,
    pass: value === null || value === undefined ? null : value <= target,
  });
  const checks = {};
  for (const f of formats) {
    checks[`${f.format}.p50Ratio`] = check(f.ratios.p50, TARGETS.detectTimeRatio);
    checks[`${f.format}.p99Ratio`] = check(f.ratios.p99, TARGETS.detectTimeRatio);
    checks[`${f.format}.peakRssRatio`] = check(f.ratios.peakRss, TARGETS.detectPeakMemRatio);
  }
  if (bigUpload) checks['upload.rssGrowthMB'] = check(bigUpload.rssGrowthMB, TARGETS.uploadRssGrowthMB);
  return { checks };
}

// ---------------------------------------------------------------- processes

async function startGateway() {
  const port = await freePort();
  const blobDir = mkTemp('omnigate-media-blobs-');
  const publicEnv = {
    ROLE: 'all',
    QUEUE_DRIVER: 'bullmq',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    BLOB_MAX_BYTES: String(BLOB_MAX_BYTES),
  };
  const childEnv = {
    ...process.env,
    ...publicEnv,
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: `redis://127.0.0.1:${redis.port}`,
    QUEUE_PREFIX: RUN_ID,
    BLOB_DIR: blobDir,
  };
  delete childEnv.MAX_BODY_BYTES; // the default
  // Anything else the gateway reads is inherited from this shell (e.g. FFPROBE_PATH): say so.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => /^(LIMIT_|PROBE_|FFPROBE|BLOB_|JOB_|SYNC_|UV_)/.test(k)),
  );
  const logFile = join(LOG_DIR, 'media-gateway.log');
  const proc = spawnLogged(process.execPath, [join(SNAPSHOT_DIR, MAIN_IN_BUILD)], logFile, {
    cwd: ROOT,
    env: childEnv,
  });
  const child = {
    proc,
    url: `http://127.0.0.1:${port}`,
    blobDir,
    publicEnv: { ...inherited, ...publicEnv },
    name: 'gateway',
  };
  children.add(child);
  await waitReadyOrExit(proc, child.url, 30_000, {
    notReady: 'the gateway was not ready',
    exited: (code, signal) =>
      `the gateway exited during start-up (code ${code}, signal ${signal}); log ${logFile}:\n${tail(logFile)}`,
  });
  return child;
}

// ---------------------------------------------------------------- /proc

function procStatus(pid) {
  const text = safeRead(`/proc/${pid}/status`);
  const kb = (name) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

function procIo(pid) {
  const text = safeRead(`/proc/${pid}/io`);
  return { rchar: Number(text.match(/^rchar:\s+(\d+)/m)?.[1] ?? NaN) };
}

function descendantsOf(pid) {
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    // Node starts child processes from its main thread: that thread's list is enough.
    for (const c of safeRead(`/proc/${p}/task/${p}/children`).split(/\s+/).filter(Boolean)) {
      out.push(Number(c));
      queue.push(Number(c));
    }
  }
  return out;
}

/** CPU time of all the process's threads, in ns (schedstat: finer than the 10 ms ticks of /proc/<pid>/stat). */
function cpuNs(pid) {
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return NaN;
  }
  let sum = 0;
  for (const tid of tids) sum += Number(safeRead(`/proc/${pid}/task/${tid}/schedstat`).split(' ')[0]) || 0;
  return sum;
}

/** CPU time of the process's children that have exited and been waited for (cutime + cstime), in ticks. */
function reapedChildTicks(pid) {
  const stat = safeRead(`/proc/${pid}/stat`);
  if (!stat) return NaN;
  // After the parenthesised command name: cutime is the 16th field, cstime the 17th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

function freeBytes(dir) {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

// ---------------------------------------------------------------- report

/** The shared machine facts plus ffprobe's version and the temp dir's file system, in this key order. */
function machineInfo() {
  const { os: osName, loadAvg1m, ...base } = baseMachineInfo();
  return {
    ...base,
    ffprobe: safeExec('ffprobe', ['-version']).match(/ffprobe version (\S+)/)?.[1] ?? 'not on PATH',
    os: osName,
    tmpFs: safeExec('df', ['-hT', os.tmpdir()]).split('\n')[1]?.replace(/\s+/g, ' ') ?? 'unknown',
    loadAvg1m,
  };
}

function printTables(formats, bigUpload, summary) {
  if (formats.length) {
    console.log(
      `\nPOST /v1/detect {"inputs":[{"blobId":…}]}, one request at a time. p50/p99/max: ${ROUNDS} requests per size, ` +
        `sizes interleaved; RSS, CPU, read (rchar) and child processes: the gateway process over a series of ${MEM_REPS} ` +
        `requests per size (VmHWM reset before); other CPU: the rest of the machine during the timed requests`,
    );
    table(
      [
        'format',
        'size',
        'detected',
        'bytes',
        'n',
        'p50 ms',
        'p99 ms',
        'max ms',
        'RSS before MB',
        'peak MB',
        'growth MB',
        'CPU ms/req',
        'read/req',
        'children',
        'other CPU',
      ],
      formats.flatMap((f) =>
        SIZE_NAMES.map((size) => {
          const s = f.sizes[size];
          const d = s.detection;
          return [
            f.format,
            size,
            d ? `${d.modality} ${d.mediaType}` : 'n/a',
            fmtBytes(s.bytes),
            `${s.time.ok}/${s.time.reps}`,
            fmt(s.time.p50Ms),
            fmt(s.time.p99Ms),
            fmt(s.time.maxMs),
            fmt(s.detect.rssBeforeMB, 1),
            fmt(s.detect.rssPeakMB, 1),
            fmt(s.detect.rssGrowthMB, 1),
            fmt(s.detect.cpuMsPerReq),
            fmtBytes(s.detect.readBytesPerReq),
            s.detect.childProcessesSeen
              ? `${s.detect.childProcessesSeen}, ≤${fmt(s.detect.childPeakRssMB, 0)} MB, ${fmt(s.detect.childCpuMsPerReq, 1)} ms/req`
              : '0',
            `${f.timingOtherCpuPct}%`,
          ];
        }),
      ),
      3,
    );
    console.log(
      '\nratios large / small (target ≤ 1.2 for time and peak RSS); large / mid for comparison (mid is above the 64 KiB prefix)',
    );
    const mid = SIZE_NAMES.includes('mid');
    table(
      [
        'format',
        'bytes',
        'p50',
        'p99',
        'peak RSS',
        'RSS growth MB',
        'read/req',
        ...(mid ? ['p50 large/mid', 'p99 large/mid', 'read/req large/mid'] : []),
      ],
      formats.map((f) => [
        f.format,
        fmt(f.ratios.bytes, 0),
        mark(f.ratios.p50, TARGETS.detectTimeRatio),
        mark(f.ratios.p99, TARGETS.detectTimeRatio),
        mark(f.ratios.peakRss, TARGETS.detectPeakMemRatio),
        f.ratios.rssGrowthMB,
        fmt(f.ratios.readBytesPerReq, 1),
        ...(mid
          ? [
              fmt(f.ratiosLargeOverMid.p50),
              fmt(f.ratiosLargeOverMid.p99),
              fmt(f.ratiosLargeOverMid.readBytesPerReq, 1),
            ]
          : []),
      ]),
      1,
    );
    console.log('\nwhat detection found (the probing this build has): detected[0] per input');
    for (const f of formats) {
      for (const size of SIZE_NAMES) {
        const d = f.sizes[size].detection;
        console.log(
          `  ${f.format} ${size.padEnd(5)}: ${d ? `${d.modality} ${d.mediaType}, confidence ${d.confidence}, "${d.reason}"` : 'n/a'}; meta ${d?.meta ? JSON.stringify(d.meta) : 'none'}`,
        );
      }
    }
  }
  if (bigUpload) {
    console.log('\nPOST /v1/blobs, raw body streamed from a file (content-length set)');
    table(
      [
        'bytes',
        'status',
        'ms',
        'MB/s',
        'RSS before MB',
        'peak MB',
        'growth MB',
        'CPU',
        'other CPU',
        'answer',
      ],
      [
        [
          fmtBytes(bigUpload.bytes),
          String(bigUpload.status),
          fmt(bigUpload.ms, 0),
          fmt(bigUpload.mbPerS, 0),
          fmt(bigUpload.rssBeforeMB, 1),
          fmt(bigUpload.rssPeakMB, 1),
          mark(bigUpload.rssGrowthMB, TARGETS.uploadRssGrowthMB, 1),
          `${bigUpload.cpuPct}%`,
          `${bigUpload.otherCpuPct}%`,
          bigUpload.verified ? 'verified' : 'WRONG',
        ],
      ],
      1,
    );
  }
  const checks = Object.entries(summary.checks);
  if (checks.length) {
    console.log('\ntargets');
    for (const [name, c] of checks) {
      console.log(
        `  ${c.pass === null ? 'n/a ' : c.pass ? 'PASS' : 'MISS'}  ${name}: ${fmt(c.value)} (target ≤ ${c.target})`,
      );
    }
  }
}

function table(head, rows, leftColumns = 2) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i < leftColumns ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  console.log(line(head));
  console.log(
    `|${widths.map((w, i) => (i < leftColumns ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const row of rows) console.log(line(row));
}

function mark(value, target, digits = 2) {
  if (value === null || value === undefined) return 'n/a';
  return `${fmt(value, digits)}${value <= target ? '' : ' MISS'}`;
}

function fmtBytes(n) {
  if (!Number.isFinite(n)) return 'n/a';
  if (n >= GiB) return `${(n / GiB).toFixed(2)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function gib(n) {
  return (n / GiB).toFixed(1);
}
