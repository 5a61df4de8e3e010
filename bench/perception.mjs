// omnigate offline perception benchmark (issue 18): for each model-backed built-in, in a fresh
// Node process of its own (as a worker or sandbox process would hold it), the cold start (first
// job, the model loaded on the way), warm latency p50/p95, the process's RSS once loaded, the
// throughput with 2 jobs in flight, and how much the loaded model slows another adapter of the
// same process (builtin.text summarize of 4 KB of English: its p50 with the model loaded and idle, and while
// the model works, over its p50 before the model was loaded).
// Cases: vision (builtin.vision detect on the 1280×1158 sample sheet of @vladmandic/human),
//        ocr-chi (builtin.image ocr, language chi_sim, a rendered line of Chinese),
//        transcribe (builtin.transcribe on the 11 s JFK clip), festival (builtin.speech tts).
// Usage: npm run bench:perception   (builds, then runs this file; a few minutes). Knobs (env):
//   BENCH_PERCEPTION_CASES=vision,ocr-chi,transcribe,festival  BENCH_PERCEPTION_WARM=12
//   BENCH_OUT=perception.json (under bench/results/)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './lib/machine.mjs';
import { fmt, markdownTable, pct, round } from './lib/numbers.mjs';
import { RESULTS_DIR, ROOT } from './lib/shared.mjs';

const env = process.env;
const CASES = (env.BENCH_PERCEPTION_CASES ?? 'vision,ocr-chi,transcribe,festival')
  .split(',')
  .map((s) => s.trim());
const WARM = Number(env.BENCH_PERCEPTION_WARM ?? 12);
const ADAPTERS = join(env.BENCH_BUILD_DIR ?? join(ROOT, 'dist/apps/gateway'), 'libs/adapters/src/index.js');
const FIXTURES = resolve(ROOT, '../shared/fixtures');
const require = createRequire(import.meta.url);

async function main() {
  const machine = machineInfo();
  const results = [];
  for (const name of CASES) {
    console.error(`perception: ${name} …`);
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 1024 * 1024,
    });
    results.push({ name, ...JSON.parse(out.trim().split('\n').at(-1)) });
  }
  const rows = results.map((r) => [
    r.name,
    fmt(r.coldMs, 0),
    fmt(r.warm.p50, 0),
    fmt(r.warm.p95, 0),
    fmt(r.rssMiB, 0),
    fmt(r.perSecondTwoInFlight, 2),
    fmt(r.slowdown.idle, 2),
    fmt(r.slowdown.busy, 2),
  ]);
  const table = markdownTable(
    [
      'case',
      'cold ms',
      'warm p50 ms',
      'warm p95 ms',
      'RSS MiB',
      'jobs/s, 2 in flight',
      'text ×, idle',
      'text ×, busy',
    ],
    rows,
  );
  console.log(Array.isArray(table) ? table.join('\n') : table);
  console.log(`\nmachine: ${JSON.stringify(machine)}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, env.BENCH_OUT ?? 'perception.json'),
    `${JSON.stringify({ machine, warm: WARM, results }, null, 2)}\n`,
  );
}

/** The adapter runtime in miniature: blobs in memory, no progress, a fresh abort signal. */
function harness() {
  const blobs = new Map();
  const context = {
    signal: new AbortController().signal,
    progress: async () => undefined,
    blobs: {
      read: async (id) => blobs.get(id),
      stream: (id) => Readable.from([blobs.get(id)]),
    },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  };
  const put = (data, modality, mediaType) => {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const blobId = createHash('sha256').update(bytes).digest('hex');
    blobs.set(blobId, bytes);
    return { modality, mediaType, blobId, bytes: bytes.length };
  };
  return { context, put };
}

const ms = (start) => performance.now() - start;
const stats = (values) => {
  const sorted = Float64Array.from(values).sort();
  return { n: values.length, p50: round(pct(sorted, 50), 3), p95: round(pct(sorted, 95), 3) };
};

async function runCase(name) {
  const lib = require(ADAPTERS);
  const { tools } = lib.findSystemTools();
  const h = harness();
  // About 4 KB of English: the fixture (184 bytes) repeated, one paragraph per copy.
  const english = readFileSync(join(FIXTURES, 'text/english.txt'), 'utf8').trim();
  const text = h.put(Array.from({ length: 22 }, () => english).join('\n\n'), 'text', 'text/plain');
  const summarizer = new lib.TextAnalysisAdapter();
  const summarize = () =>
    summarizer.invoke(
      {
        task: 'summarize',
        inputs: [text],
        output: { modality: 'text' },
        options: summarizer.options.parse({}),
      },
      h.context,
    );
  const textP50 = async () => {
    const times = [];
    for (let i = 0; i < 40; i++) {
      const t = performance.now();
      await summarize();
      times.push(ms(t));
    }
    return stats(times).p50;
  };
  // Warm the summarizer well first, so that "before" is not its JIT warm-up.
  for (let i = 0; i < 400; i++) await summarize();
  const before = await textP50();

  let adapter;
  let job;
  if (name === 'vision') {
    adapter = new lib.VisionAdapter();
    const sheet = join(dirname(dirname(require.resolve('@vladmandic/human'))), 'assets', 'samples.jpg');
    const input = h.put(readFileSync(sheet), 'image', 'image/jpeg');
    job = () =>
      adapter.invoke(
        { task: 'detect', inputs: [input], output: { modality: 'text' }, options: adapter.options.parse({}) },
        h.context,
      );
  } else if (name === 'ocr-chi') {
    const sharp = require('sharp');
    adapter = new lib.ImageTextAdapter(undefined, new lib.TesseractEngine(undefined, tools.tessdata));
    const glyphs = await sharp({
      text: { text: '全模态大模型能够理解语音和图像', font: 'Noto Sans CJK SC 10', dpi: 300, rgba: true },
    })
      .png()
      .toBuffer({ resolveWithObject: true });
    const page = await sharp({
      create: {
        width: glyphs.info.width + 80,
        height: glyphs.info.height + 80,
        channels: 3,
        background: '#ffffff',
      },
    })
      .composite([{ input: glyphs.data, top: 40, left: 40 }])
      .png()
      .toBuffer();
    const input = h.put(page, 'image', 'image/png');
    job = () =>
      adapter.invoke(
        {
          task: 'ocr',
          inputs: [input],
          output: { modality: 'text' },
          options: adapter.options.parse({ language: 'chi_sim' }),
        },
        h.context,
      );
  } else if (name === 'transcribe') {
    if (!tools.pocketsphinx) throw new Error('pocketsphinx is not installed');
    adapter = new lib.PocketsphinxAdapter(tools.pocketsphinx, new lib.Ffmpeg());
    const input = h.put(readFileSync(join(FIXTURES, 'audio/jfk.wav')), 'audio', 'audio/wav');
    job = () =>
      adapter.invoke(
        { task: 'transcribe', inputs: [input], output: { modality: 'text' }, options: {} },
        h.context,
      );
  } else if (name === 'festival') {
    if (!tools.text2wave) throw new Error('festival is not installed');
    adapter = new lib.SpeechAdapter(tools.text2wave);
    const input = h.put(
      'Ask not what your country can do for you, ask what you can do for your country.',
      'text',
      'text/plain',
    );
    job = () =>
      adapter.invoke(
        { task: 'tts', inputs: [input], output: { modality: 'audio' }, options: adapter.options.parse({}) },
        h.context,
      );
  } else {
    throw new Error(`unknown case ${name}`);
  }

  let t = performance.now();
  await job();
  const coldMs = round(ms(t), 1);
  const warm = [];
  for (let i = 0; i < WARM; i++) {
    t = performance.now();
    await job();
    warm.push(ms(t));
  }
  const rssMiB = round(process.memoryUsage().rss / 2 ** 20, 1);
  const idle = await textP50();

  t = performance.now();
  let next = 0;
  const lane = async () => {
    while (next++ < WARM) await job();
  };
  await Promise.all([lane(), lane()]);
  const perSecondTwoInFlight = round(WARM / (ms(t) / 1000), 3);

  let busy = true;
  const background = (async () => {
    while (busy) await job();
  })();
  const busyP50 = await textP50();
  busy = false;
  await background;
  await adapter.close?.();
  return {
    coldMs,
    warm: stats(warm),
    rssMiB,
    perSecondTwoInFlight,
    textP50Ms: { before, idle, busy: busyP50 },
    slowdown: { idle: round(idle / before, 3), busy: round(busyP50 / before, 3) },
  };
}

// Last: the helpers above are initialised by now.
if (process.argv[2] === '--child') {
  const result = await runCase(process.argv[3]);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  await main();
}
