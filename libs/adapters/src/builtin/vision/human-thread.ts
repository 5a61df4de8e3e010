/**
 * The source of the worker thread that holds the @vladmandic/human models (run with `eval: true`).
 *
 * It requires `dist/human.node-wasm.js` by its absolute path (the package's `exports` map has
 * no subpath for it), which uses the installed `@tensorflow/tfjs-core`, `-converter` and
 * `-backend-wasm` on TensorFlow.js's Node platform: no browser globals to fake. Measured against
 * the browser bundle this replaced (`dist/human.esm.js`, run with `WorkerGlobalScope` and
 * `__dirname` faked): the same detections, the same CPU time per image, warm latency and memory
 * within the noise of a loaded machine (docs/benchmarks.md).
 *
 * Two things are still done by hand, both thread-local:
 * - `wasmPath` is the backend's own folder on disk: Human's default is a CDN, and in Node the
 *   backend reads the `.wasm` file from that folder itself (with `fs`, no fetch);
 * - `fetch` serves the model files from disk (Human loads models through the global `fetch`,
 *   and Node's own cannot read `file://` URLs) and refuses everything else, so nothing in this
 *   thread is ever fetched from a network.
 *
 * Messages in: `{ id, width, height, data (RGB bytes), objects, faces, minScore, descriptor }`.
 * Messages out: `{ type: 'ready' }`, `{ type: 'failed', message }`, then per image
 * `{ id, ok: true, objects, faces }` or `{ id, ok: false, message }`.
 */
export const HUMAN_THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFile } = require('node:fs/promises');
const { pathToFileURL, fileURLToPath } = require('node:url');
const { humanModule, modelsDir, wasmDir, maxFaces, maxObjects } = workerData;
const modelsRoot = pathToFileURL(modelsDir).href + '/';
globalThis.fetch = async (url) => {
  const href = String(url);
  if (!href.startsWith(modelsRoot)) throw new Error('offline: will not fetch ' + href);
  const path = fileURLToPath(href);
  const type = path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  return new Response(await readFile(path), { headers: { 'content-type': type } });
};

const config = {
  backend: 'wasm',
  wasmPath: wasmDir + '/',
  wasmPlatformFetch: false,
  modelBasePath: modelsRoot,
  debug: false,
  async: true,
  warmup: 'none',
  cacheSensitivity: 0,
  filter: { enabled: false },
  face: {
    enabled: true,
    detector: { rotation: false, maxDetected: maxFaces, minConfidence: 0.2, return: false },
    // The mesh aligns the face that age, gender and emotion are read from (without it gender is unknown).
    mesh: { enabled: true },
    attention: { enabled: false },
    iris: { enabled: false },
    description: { enabled: true },
    emotion: { enabled: true },
    antispoof: { enabled: false },
    liveness: { enabled: false },
  },
  body: { enabled: false },
  hand: { enabled: false },
  gesture: { enabled: false },
  segmentation: { enabled: false },
  object: { enabled: true, maxDetected: maxObjects, minConfidence: 0.05 },
};

const round = (value, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

let human;
(async () => {
  const { Human } = require(humanModule);
  human = new Human(config);
  await human.load();
  parentPort.postMessage({ type: 'ready' });
})().catch((error) => parentPort.postMessage({ type: 'failed', message: String((error && error.stack) || error) }));

parentPort.on('message', async (job) => {
  let input;
  try {
    input = human.tf.tensor4d(Float32Array.from(job.data), [1, job.height, job.width, 3], 'float32');
    const result = await human.detect(input, {
      object: { enabled: job.objects, minConfidence: job.minScore },
      face: {
        enabled: job.faces,
        detector: { minConfidence: job.minScore },
        description: { enabled: job.faces },
        emotion: { enabled: job.faces },
      },
    });
    if (result.error) throw new Error(result.error);
    const objects = (result.object || []).map((o) => ({ label: o.label, score: round(o.score), box: o.box }));
    const faces = (result.face || []).map((f) => ({
      score: round(f.boxScore ?? f.score),
      box: f.box,
      age: typeof f.age === 'number' ? round(f.age, 1) : undefined,
      gender: f.gender,
      genderScore: typeof f.genderScore === 'number' ? round(f.genderScore) : undefined,
      emotion: (f.emotion || []).map((e) => ({ emotion: e.emotion, score: round(e.score) })),
      descriptor: job.descriptor && f.embedding ? Array.from(f.embedding, (v) => round(v, 5)) : undefined,
    }));
    parentPort.postMessage({ id: job.id, ok: true, objects, faces });
  } catch (error) {
    parentPort.postMessage({ id: job.id, ok: false, message: String((error && error.message) || error) });
  } finally {
    if (input) input.dispose();
  }
});
`;
