import {
  AdapterError,
  type Adapter,
  type AdapterContext,
  type AdapterRequest,
  type AdapterResult,
} from '@omnigate/adapters';
import type { Logger } from 'pino';
import {
  deserializeError,
  serializeError,
  type SandboxOutcome,
  type SandboxProcessData,
} from './sandbox-protocol';
import { SandboxExitError, SandboxProcess, type HopMessage } from './sandbox-process';

export interface SandboxSettings {
  /** SANDBOX_PROCESSES: hops run at once in this gateway's sandbox; more wait for a process. */
  processes: number;
  /** SANDBOX_MAX_HEAP_MB: the V8 heap of one sandbox process. */
  maxHeapMb: number;
  /** SANDBOX_MAX_RSS_MB: the resident memory (heap, buffers, native) one process may reach during a hop. */
  maxRssMb: number;
  /** SANDBOX_CPU_BUDGET_MS: CPU time (all the process's threads) one hop may use. */
  cpuBudgetMs: number;
  /** How each process builds its adapters. */
  process: SandboxProcessData;
}

/** Inputs up to this size go with the hop; larger ones are read when the adapter asks for them. */
const PRELOAD_MAX_BYTES = 1024 * 1024;
/** How long a cancelled hop gets to stop on its own (and stop its ffmpeg) before its process is killed. */
const ABORT_GRACE_MS = 2_000;
/** How often a running hop's process is measured against the budget and the memory ceiling. */
const WATCH_INTERVAL_MS = 200;
/** Idle processes above one are ended after this long. */
const IDLE_PROCESS_MS = 60_000;

type Breach = 'cpu' | 'memory' | 'abort';

/**
 * Runs adapters on untrusted input away from the event loop that serves HTTP and renews queue
 * locks: each hop in a sandbox process (a pool of them), under a heap ceiling, a memory ceiling
 * and a CPU budget. A hop that breaches one kills its process, never the gateway; it fails with
 * a 4xx code and is not retried (the same input would breach again), so it never counts against
 * the adapter's health. The next hop gets a fresh process.
 */
export class AdapterSandbox {
  private readonly idle: SandboxProcess[] = [];
  private readonly waiting: Array<{ take(process: SandboxProcess): void; signal: AbortSignal }> = [];
  private running = 0;
  private closed = false;
  private readonly idleTimers = new Map<SandboxProcess, NodeJS.Timeout>();

  constructor(
    private readonly settings: SandboxSettings,
    private readonly logger: Logger,
  ) {}

  /** The adapter, with `invoke` run in a sandbox process by that process's own instance of it. */
  wrap(adapter: Adapter): Adapter {
    return new SandboxedAdapter(adapter, this);
  }

  async run(adapterId: string, request: AdapterRequest, context: AdapterContext): Promise<AdapterResult> {
    const blobs = await preload(request, context);
    const process = await this.acquire(context.signal);
    const breach: { kind?: Breach } = {};
    const kill = (kind: Breach) => {
      breach.kind ??= kind;
      process.kill();
    };
    let watch: NodeJS.Timeout | undefined;
    const onStarted = () => {
      // Start-up (loading the adapters) is the process's cost, not the hop's.
      const started = process.usage();
      watch = setInterval(() => this.measure(process, started, kill), WATCH_INTERVAL_MS);
    };
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      process.send({ type: 'abort', reason: reasonOf(context.signal) });
      grace = setTimeout(() => kill('abort'), ABORT_GRACE_MS);
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    let readError: unknown;
    let outcome: SandboxOutcome;
    try {
      outcome = await process.run(
        {
          adapterId,
          request,
          streams: context.onTextDelta !== undefined,
          blobs,
          ...(context.traceHeaders ? { traceHeaders: context.traceHeaders } : {}),
        },
        {
          onStarted,
          onMessage: (message) => this.serve(message, process, context, (err) => (readError = err)),
        },
      );
    } catch (err) {
      throw this.explain(err, adapterId, breach.kind, context.signal);
    } finally {
      clearInterval(watch);
      clearTimeout(grace);
      context.signal.removeEventListener('abort', onAbort);
      this.release(process);
    }
    if (outcome.ok) return withBuffers(outcome.result);
    // Storage that failed to give an input its bytes is the gateway's trouble, not the input's.
    throw readError ?? this.unexpected(deserializeError(outcome.error), adapterId);
  }

  /**
   * Starts a process now, so that the first hop does not wait for one to load its adapters
   * (hundreds of milliseconds); a hop sent to it before it is ready waits for it.
   */
  warm(): void {
    if (this.closed || this.running > 0 || this.idle.length > 0) return;
    this.idle.push(new SandboxProcess(this.settings.process, this.settings.maxHeapMb, this.logger));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    for (const process of this.idle.splice(0)) process.kill();
  }

  /** An idle live process, a new one if the pool has room, else the next one freed. */
  private acquire(signal: AbortSignal): Promise<SandboxProcess> {
    signal.throwIfAborted();
    if (this.closed) {
      throw new AdapterError('adapter_failed', 'the sandbox is shut down', { retryable: true });
    }
    let process: SandboxProcess | undefined;
    while ((process = this.idle.pop()) && !process.alive);
    if (process) {
      clearTimeout(this.idleTimers.get(process));
      this.idleTimers.delete(process);
    } else if (this.running < this.settings.processes) {
      process = new SandboxProcess(this.settings.process, this.settings.maxHeapMb, this.logger);
    }
    if (process) {
      this.running++;
      return Promise.resolve(process);
    }
    return new Promise((resolve, reject) => {
      const entry = {
        signal,
        take: (taken: SandboxProcess) => {
          signal.removeEventListener('abort', onAbort);
          resolve(taken);
        },
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Hands the process (or, if it died, a new one) to the next waiting hop, or parks it. */
  private release(process: SandboxProcess): void {
    const next = this.waiting.shift();
    if (next) {
      const handed =
        process.alive || this.closed
          ? process
          : new SandboxProcess(this.settings.process, this.settings.maxHeapMb, this.logger);
      next.take(handed);
      return;
    }
    this.running--;
    if (!process.alive) return;
    if (this.closed) return process.kill();
    this.idle.push(process);
    if (this.idle.length > 1) {
      this.idleTimers.set(
        process,
        setTimeout(() => {
          this.idleTimers.delete(process);
          const at = this.idle.indexOf(process);
          if (at !== -1 && this.idle.length > 1) this.idle.splice(at, 1)[0].kill();
        }, IDLE_PROCESS_MS).unref(),
      );
    }
  }

  private measure(
    process: SandboxProcess,
    started: ReturnType<SandboxProcess['usage']>,
    kill: (kind: Breach) => void,
  ): void {
    const now = process.usage();
    if (!now || !started) return;
    if (now.rssBytes > this.settings.maxRssMb * 1024 * 1024) kill('memory');
    else if (now.cpuMs - started.cpuMs > this.settings.cpuBudgetMs) kill('cpu');
  }

  private serve(
    message: HopMessage,
    process: SandboxProcess,
    context: AdapterContext,
    onReadError: (err: unknown) => void,
  ): void {
    switch (message.type) {
      case 'read':
        context.blobs.read(message.blobId).then(
          (data) => process.send({ type: 'blob', id: message.id, data }),
          (err: unknown) => {
            onReadError(err);
            process.send({ type: 'blob-error', id: message.id, error: serializeError(err) });
          },
        );
        return;
      case 'progress':
        void context.progress(message.fraction);
        return;
      case 'delta':
        context.onTextDelta?.(message.text);
        return;
      case 'log':
        context.logger[message.level](message.fields, message.msg);
        return;
    }
  }

  /** Why the process stopped before the hop answered, as the job runner should see it. */
  private explain(err: unknown, adapterId: string, breach: Breach | undefined, signal: AbortSignal): Error {
    if (breach === 'cpu') {
      const max = this.settings.cpuBudgetMs;
      return new AdapterError(
        'unprocessable_input',
        `${adapterId} used more than SANDBOX_CPU_BUDGET_MS=${max} ms of CPU on this input and was stopped`,
        { details: { limit: 'SANDBOX_CPU_BUDGET_MS', max }, cause: err },
      );
    }
    if (signal.aborted) return abortError(signal, err);
    const outOfHeap = err instanceof SandboxExitError && err.outOfHeap;
    if (breach === 'memory' || outOfHeap) {
      const [limit, max] = outOfHeap
        ? ['SANDBOX_MAX_HEAP_MB', this.settings.maxHeapMb]
        : ['SANDBOX_MAX_RSS_MB', this.settings.maxRssMb];
      return new AdapterError(
        'payload_too_large',
        `${adapterId} needed more than ${limit}=${max} MB of memory for this input and was stopped`,
        { details: { limit, max }, cause: err },
      );
    }
    if (this.closed) {
      return new AdapterError('adapter_failed', 'the sandbox was shut down while the hop ran', {
        retryable: true,
        cause: err,
      });
    }
    return this.unexpected(err, adapterId);
  }

  /**
   * A sandboxed adapter is local and deterministic: an error it did not mean (a RangeError, a
   * process that died) comes from this input and would come again, so it is the input's 422,
   * not a retry and not a mark against the adapter's health. Operators see the cause logged.
   */
  private unexpected(err: unknown, adapterId: string): Error {
    if (AdapterError.is(err) || (err instanceof Error && err.name === 'AbortError')) return err;
    this.logger.error({ err, adapter: adapterId }, 'sandboxed adapter failed unexpectedly on an input');
    return new AdapterError('unprocessable_input', `${adapterId} could not process this input`, {
      cause: err,
    });
  }
}

/** An adapter whose descriptor and options are the in-process instance's, and whose invoke runs in the sandbox. */
class SandboxedAdapter implements Adapter {
  readonly descriptor: Adapter['descriptor'];
  readonly options: Adapter['options'];

  constructor(
    private readonly local: Adapter,
    private readonly sandbox: AdapterSandbox,
  ) {
    this.descriptor = local.descriptor;
    this.options = local.options;
  }

  invoke(request: AdapterRequest, context: AdapterContext): Promise<AdapterResult> {
    return this.sandbox.run(this.descriptor.id, request, context);
  }

  async close(): Promise<void> {
    await Promise.all([this.local.close?.(), this.sandbox.close()]);
  }
}

/** The bytes of the request's small inputs (a failing store throws here, as itself: not the input's fault). */
async function preload(
  request: AdapterRequest,
  context: AdapterContext,
): Promise<Record<string, Uint8Array>> {
  const small = request.inputs.filter((input) => input.bytes <= PRELOAD_MAX_BYTES);
  const read = await Promise.all(small.map((input) => context.blobs.read(input.blobId)));
  return Object.fromEntries(small.map((input, i) => [input.blobId, read[i]]));
}

/** The IPC channel turns a Buffer into a Uint8Array; outputs are Buffers again, without a copy. */
function withBuffers(result: AdapterResult): AdapterResult {
  return {
    ...result,
    outputs: result.outputs.map((output) =>
      'data' in output
        ? {
            ...output,
            data: Buffer.from(output.data.buffer, output.data.byteOffset, output.data.byteLength),
          }
        : output,
    ),
  };
}

function abortError(signal: AbortSignal, cause?: unknown): Error {
  return Object.assign(new Error(`the hop was stopped: ${reasonOf(signal)}`, { cause }), {
    name: 'AbortError',
  });
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}
