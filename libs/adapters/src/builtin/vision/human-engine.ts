import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AdapterError } from '../../sdk/adapter-error';
import { HUMAN_THREAD_SOURCE } from './human-thread';

/** One detected object: a COCO label, the model's score (0..1) and its box in pixels. */
export interface DetectedObject {
  label: string;
  score: number;
  /** [x, y, width, height] in pixels of the image given. */
  box: [number, number, number, number];
}

/** One detected face, with what the face models estimate of it. */
export interface DetectedFace {
  score: number;
  box: [number, number, number, number];
  age?: number;
  gender?: string;
  genderScore?: number;
  /** Emotions, most likely first. */
  emotion: { emotion: string; score: number }[];
  /** The face's 1024-number descriptor (for matching faces), when asked for. */
  descriptor?: number[];
}

export interface Detections {
  objects: DetectedObject[];
  faces: DetectedFace[];
}

/** Pixels as the models read them: 8-bit RGB, row by row. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

export interface DetectOptions {
  objects: boolean;
  faces: boolean;
  minScore: number;
  descriptor: boolean;
  signal: AbortSignal;
}

export interface HumanEngineSettings {
  /** How long loading the models may take (starting the thread, compiling WebAssembly, reading 20 MB). */
  loadBudgetMs: number;
  /** How long one image may take; images are shrunk before they get here, so this is generous. */
  detectBudgetMs: number;
  /** Images waiting behind the one being read, at most; more are refused as busy (retryable). */
  maxWaiting: number;
  /** The thread's V8 heap ceiling; the models' WebAssembly memory comes on top. */
  maxHeapMb: number;
}

export const DEFAULT_HUMAN_ENGINE_SETTINGS: HumanEngineSettings = {
  loadBudgetMs: 60_000,
  detectBudgetMs: 60_000,
  maxWaiting: 8,
  maxHeapMb: 512,
};

/** The most faces and objects one image yields. */
export const MAX_DETECTIONS = 100;

/**
 * Where the package, its models and the WebAssembly backend are: resolved, never loaded here
 * (the package's main entry needs tfjs-node; the thread loads the node-wasm build by this path).
 */
export function humanPaths(): { humanModule: string; modelsDir: string; wasmDir: string } {
  const root = dirname(dirname(require.resolve('@vladmandic/human')));
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  return {
    humanModule: join(root, 'dist', 'human.node-wasm.js'),
    modelsDir: join(root, 'models'),
    wasmDir: wasmDir.endsWith('dist') ? wasmDir : join(wasmDir, 'dist'),
  };
}

interface Pending {
  resolve(detections: Detections): void;
  reject(error: unknown): void;
}

type ThreadMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | ({ id: number; ok: true } & Detections)
  | { id: number; ok: false; message: string };

/**
 * The objects and faces models of @vladmandic/human (COCO CenterNet, BlazeFace, FaceRes,
 * emotion) on TensorFlow.js's WebAssembly backend, in one worker thread per process: started
 * and loaded on first use, shared by every job, one image at a time (the backend uses one core).
 * An image that is aborted or overruns its budget terminates the thread (WebAssembly cannot be
 * interrupted), so the next image loads the models again instead of waiting behind it.
 */
export class HumanEngine {
  private thread?: { worker: Worker; ready: Promise<void>; pending: Map<number, Pending> };
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private nextId = 0;
  /** How many times the models were loaded in this process (for benchmarks and tests). */
  loads = 0;

  constructor(private readonly settings: HumanEngineSettings = DEFAULT_HUMAN_ENGINE_SETTINGS) {}

  /** Objects and/or faces in an image; rejects with `signal.reason` when aborted. */
  detect(image: RgbImage, options: DetectOptions): Promise<Detections> {
    options.signal.throwIfAborted();
    if (this.waiting >= this.settings.maxWaiting) {
      return Promise.reject(
        new AdapterError('adapter_failed', 'the vision models are busy: too many images are waiting', {
          retryable: true,
          retryAfterMs: 1_000,
        }),
      );
    }
    this.waiting++;
    const run = () => {
      this.waiting--;
      return this.run(image, options);
    };
    const job = this.queue.then(run, run);
    this.queue = job.catch(() => undefined);
    return job;
  }

  /** Loads the models now (a benchmark's cold start, a warm-up). */
  async load(): Promise<void> {
    await this.start().ready;
  }

  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    if (thread) await thread.worker.terminate();
  }

  private async run(image: RgbImage, options: DetectOptions): Promise<Detections> {
    const { signal } = options;
    signal.throwIfAborted();
    const thread = this.start();
    const overrun = AbortSignal.timeout(this.settings.detectBudgetMs);
    const stop = AbortSignal.any([signal, overrun]);
    let onStop: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onStop = () => {
        // Nothing can interrupt the model: drop the thread, so no later image waits on it.
        void this.drop(thread.worker);
        if (signal.aborted) return reject(signal.reason);
        reject(
          new AdapterError(
            'timeout',
            `the vision models did not finish within ${this.settings.detectBudgetMs} ms (the machine may be busy)`,
            { retryable: true },
          ),
        );
      };
      stop.addEventListener('abort', onStop, { once: true });
    });
    const work = (async () => {
      await thread.ready;
      const id = this.nextId++;
      return new Promise<Detections>((resolve, reject) => {
        thread.pending.set(id, { resolve, reject });
        // A copy the thread owns: the caller's buffer may be a slice of a larger pool.
        const data = new Uint8Array(image.data);
        thread.worker.postMessage(
          {
            id,
            width: image.width,
            height: image.height,
            data,
            objects: options.objects,
            faces: options.faces,
            minScore: options.minScore,
            descriptor: options.descriptor,
          },
          [data.buffer],
        );
      });
    })();
    work.catch(() => undefined);
    try {
      return await Promise.race([work, stopped]);
    } finally {
      if (onStop) stop.removeEventListener('abort', onStop);
    }
  }

  private start(): NonNullable<HumanEngine['thread']> {
    if (this.thread) return this.thread;
    const worker = new Worker(HUMAN_THREAD_SOURCE, {
      eval: true,
      workerData: { ...humanPaths(), maxFaces: MAX_DETECTIONS, maxObjects: MAX_DETECTIONS },
      resourceLimits: { maxOldGenerationSizeMb: this.settings.maxHeapMb },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    const pending = new Map<number, Pending>();
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new AdapterError(
            'adapter_failed',
            `the vision models did not load within ${this.settings.loadBudgetMs} ms`,
            { retryable: true },
          ),
        );
        void this.drop(worker);
      }, this.settings.loadBudgetMs).unref();
      worker.on('message', (message: ThreadMessage) => {
        if ('type' in message) {
          clearTimeout(timer);
          if (message.type === 'ready') return resolve();
          void this.drop(worker);
          return reject(
            new AdapterError('adapter_failed', `the vision models failed to load: ${message.message}`),
          );
        }
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (!waiter) return;
        if (message.ok) waiter.resolve({ objects: message.objects, faces: message.faces });
        else {
          waiter.reject(new AdapterError('adapter_failed', `the vision models failed: ${message.message}`));
        }
      });
      const fail = (error: Error) => {
        clearTimeout(timer);
        if (this.thread?.worker === worker) this.thread = undefined;
        const failure = new AdapterError('adapter_failed', `the vision thread stopped: ${error.message}`, {
          retryable: true,
          cause: error,
        });
        reject(failure);
        for (const waiter of pending.values()) waiter.reject(failure);
        pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`it exited with code ${code}`)));
    });
    ready.catch(() => undefined);
    this.loads++;
    this.thread = { worker, ready, pending };
    return this.thread;
  }

  private async drop(worker: Worker): Promise<void> {
    if (this.thread?.worker === worker) this.thread = undefined;
    await worker.terminate().catch(() => undefined);
  }
}
