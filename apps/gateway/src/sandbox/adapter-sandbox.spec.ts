import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import {
  AdapterError,
  DEFAULT_INPUT_LIMITS,
  createBuiltinAdapters,
  type Adapter,
  type AdapterContext,
  type AdapterRequest,
} from '@omnigate/adapters';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdapterModules } from '../adapters/adapter-modules';
import { AdapterSandbox } from './adapter-sandbox';

const TEST_MODULE = resolve(__dirname, '../../../../test/adapters/sandbox-adapters.mjs');
const CPU_BUDGET_MS = 400;
const MAX_HEAP_MB = 96;
const MAX_RSS_MB = 512;

/** A hop's context over in-memory blobs, recording what the thread sent back. */
function hopContext(blobs: Map<string, Buffer>, signal = new AbortController().signal) {
  const seen = { progress: [] as number[], logs: [] as unknown[], deltas: [] as string[] };
  const read = async (id: string) => {
    const data = blobs.get(id);
    if (!data) throw new Error(`storage is down: cannot read ${id}`);
    return data;
  };
  const context: AdapterContext = {
    signal,
    progress: async (fraction) => void seen.progress.push(fraction),
    blobs: { read, stream: (id) => Readable.from([blobs.get(id) ?? Buffer.alloc(0)]) },
    logger: {
      debug: (fields) => void seen.logs.push(fields),
      info: (fields, msg) => void seen.logs.push({ ...fields, msg }),
      warn: (fields) => void seen.logs.push(fields),
      error: (fields) => void seen.logs.push(fields),
    },
    onTextDelta: (delta) => void seen.deltas.push(delta),
  };
  return { context, seen };
}

function textRequest(task: string, text: string, blobs: Map<string, Buffer>): AdapterRequest {
  const data = Buffer.from(text, 'utf8');
  const blobId = createHash('sha256').update(data).digest('hex');
  blobs.set(blobId, data);
  return {
    task,
    inputs: [{ modality: 'text', mediaType: 'text/plain', blobId, bytes: data.length }],
    output: { modality: 'text' },
    options: {},
  };
}

describe('AdapterSandbox (real processes, real adapters)', () => {
  let sandbox: AdapterSandbox;
  let adapters: Map<string, Adapter>;
  const blobs = new Map<string, Buffer>();

  beforeAll(async () => {
    const logger = pino({ level: 'silent' });
    sandbox = new AdapterSandbox(
      {
        processes: 2,
        maxHeapMb: MAX_HEAP_MB,
        maxRssMb: MAX_RSS_MB,
        cpuBudgetMs: CPU_BUDGET_MS,
        process: { limits: DEFAULT_INPUT_LIMITS, modules: [TEST_MODULE] },
      },
      logger,
    );
    const local = [...createBuiltinAdapters(), ...(await loadAdapterModules([TEST_MODULE], { logger }))];
    adapters = new Map(local.map((a) => [a.descriptor.id, sandbox.wrap(a)]));
  });
  afterAll(async () => sandbox.close());

  const run = (id: string, text: string, signal?: AbortSignal) => {
    const { context, seen } = hopContext(blobs, signal);
    const adapter = adapters.get(id);
    if (!adapter) throw new Error(`no adapter ${id}`);
    return { result: adapter.invoke(textRequest(id.split('.')[1], text, blobs), context), seen };
  };

  it('runs a hop in another process: blobs, progress, logs and text deltas cross over', async () => {
    const { result, seen } = run('sandbox.upper', 'hello sandbox');
    const answer = await result;
    expect(answer.outputs).toEqual([{ modality: 'text', mediaType: 'text/plain', text: 'HELLO SANDBOX' }]);
    expect(answer.meta?.pid).toEqual(expect.any(Number));
    expect(answer.meta?.pid).not.toBe(process.pid);
    expect(seen.progress).toEqual([0.5]);
    expect(seen.logs).toContainEqual({ chars: 13, msg: 'upper-casing' });
    expect(seen.deltas).toEqual(['H']);
  });

  it('keeps its processes: after warm(), consecutive hops run in the same one', async () => {
    const own = new AdapterSandbox(
      {
        processes: 1,
        maxHeapMb: 256,
        maxRssMb: 1024,
        cpuBudgetMs: 10_000,
        process: { limits: DEFAULT_INPUT_LIMITS, modules: [TEST_MODULE] },
      },
      pino({ level: 'silent' }),
    );
    try {
      own.warm();
      const upper = adapters.get('sandbox.upper');
      if (!upper) throw new Error('no sandbox.upper');
      const pids = [];
      for (const text of ['one', 'two', 'three']) {
        const answer = await own
          .wrap(upper)
          .invoke(textRequest('upper', text, blobs), hopContext(blobs).context);
        pids.push(answer.meta?.pid);
      }
      expect(new Set(pids).size).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('answers as the built-in adapter does in the gateway, binary outputs as Buffers', async () => {
    const text = 'Sandboxes keep one input from hurting the others. '.repeat(20);
    const request = textRequest('summarize', text, blobs);
    const inProcess = createBuiltinAdapters().find((a) => a.descriptor.id === 'builtin.text');
    const expected = await inProcess?.invoke(request, hopContext(blobs).context);
    const sandboxed = await adapters.get('builtin.text')?.invoke(request, hopContext(blobs).context);
    expect(sandboxed).toEqual(expected);

    const render = await adapters
      .get('builtin.render')
      ?.invoke(
        { ...textRequest('render', 'drawn in a thread', blobs), output: { modality: 'image' } },
        hopContext(blobs).context,
      );
    const [image] = render?.outputs ?? [];
    expect(image && 'data' in image && Buffer.isBuffer(image.data)).toBe(true);
    expect(image && 'data' in image && image.data.subarray(1, 4).toString()).toBe('PNG');
  });

  it('stops a spinning hop at the CPU budget with a 422, and the event loop never notices', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = Date.now();
    const error = await run('sandbox.spin', 'x').result.catch((err: unknown) => err);
    delay.disable();
    expect(AdapterError.is(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'unprocessable_input',
      retryable: false,
      details: { limit: 'SANDBOX_CPU_BUDGET_MS', max: CPU_BUDGET_MS },
    });
    expect(Date.now() - started).toBeLessThan(CPU_BUDGET_MS + 5_000);
    expect(delay.max / 1e6).toBeLessThan(250);
    // The process was replaced: the next hop runs.
    await expect(run('sandbox.upper', 'after').result).resolves.toMatchObject({
      outputs: [{ text: 'AFTER' }],
    });
  });

  it('does not count time spent waiting against the CPU budget', async () => {
    const answer = await run('sandbox.sleep', String(CPU_BUDGET_MS * 3)).result;
    expect(answer.outputs).toEqual([
      { modality: 'text', mediaType: 'text/plain', text: `slept ${CPU_BUDGET_MS * 3} ms` },
    ]);
  });

  /** The test adapter `id` in a sandbox of its own whose CPU budget leaves memory to run out first. */
  async function runRoomy(id: string, settings: { maxHeapMb: number; maxRssMb: number }) {
    const roomy = new AdapterSandbox(
      {
        processes: 1,
        cpuBudgetMs: 60_000,
        ...settings,
        process: { limits: DEFAULT_INPUT_LIMITS, modules: [TEST_MODULE] },
      },
      pino({ level: 'silent' }),
    );
    const adapter = adapters.get(id);
    if (!adapter) throw new Error(`no adapter ${id}`);
    return roomy
      .wrap(adapter)
      .invoke(textRequest(id.split('.')[1], 'x', blobs), hopContext(blobs).context)
      .catch((err: unknown) => err)
      .finally(() => roomy.close());
  }

  it('ends a process that outgrows its heap with a 413 naming SANDBOX_MAX_HEAP_MB', async () => {
    const error = await runRoomy('sandbox.hog', { maxHeapMb: MAX_HEAP_MB, maxRssMb: 4096 });
    expect(error).toMatchObject({
      code: 'payload_too_large',
      retryable: false,
      details: { limit: 'SANDBOX_MAX_HEAP_MB', max: MAX_HEAP_MB },
    });
    expect((error as Error).cause).toMatchObject({ name: 'SandboxExitError', outOfHeap: true });
  });

  it('kills a process whose memory outside the heap passes SANDBOX_MAX_RSS_MB, with a 413', async () => {
    const error = await runRoomy('sandbox.buffers', { maxHeapMb: 1024, maxRssMb: MAX_RSS_MB });
    expect(error).toMatchObject({
      code: 'payload_too_large',
      retryable: false,
      details: { limit: 'SANDBOX_MAX_RSS_MB', max: MAX_RSS_MB },
    });
  });

  it('kills the processes a hop started along with its own', async () => {
    const { result, seen } = run('sandbox.orphan', 'x');
    await expect(result).rejects.toMatchObject({ details: { limit: 'SANDBOX_CPU_BUDGET_MS' } });
    const started = seen.logs.find((line) => (line as { childPid?: number }).childPid !== undefined);
    const childPid = (started as { childPid: number }).childPid;
    const alive = () => {
      try {
        process.kill(childPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await expect.poll(alive, { timeout: 2_000 }).toBe(false);
  });

  it('turns an error the adapter did not mean into the input’s 422, keeping the cause', async () => {
    const error = await run('sandbox.range', 'x').result.catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'unprocessable_input', retryable: false });
    expect((error as Error).message).toBe('sandbox.range could not process this input');
    expect((error as Error).cause).toMatchObject({ name: 'RangeError' });
  });

  it('keeps an adapter’s own AdapterError as it is', async () => {
    const request = { ...textRequest('summarize', 'no input', blobs), inputs: [] };
    const error = await adapters
      .get('builtin.text')
      ?.invoke(request, hopContext(blobs).context)
      .catch((err: unknown) => err);
    expect(AdapterError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'unprocessable_input', message: 'builtin.text needs a text input' });
  });

  it('passes a storage failure through as it is (retryable), not as the input’s fault', async () => {
    // Small inputs are read before the hop is sent; larger ones when the adapter asks.
    const small = textRequest('upper', 'x', new Map());
    const large = { ...small, inputs: [{ ...small.inputs[0], bytes: 2 * 1024 * 1024 }] };
    for (const request of [small, large]) {
      const error = await adapters
        .get('sandbox.upper')
        ?.invoke(request, hopContext(new Map()).context)
        .catch((err: unknown) => err);
      expect(AdapterError.is(error)).toBe(false);
      expect((error as Error).message).toMatch(/storage is down/);
    }
  });

  it('reads a large input when the adapter asks for it', async () => {
    const request = textRequest('upper', 'read on demand', blobs);
    const large = { ...request, inputs: [{ ...request.inputs[0], bytes: 2 * 1024 * 1024 }] };
    const answer = await adapters.get('sandbox.upper')?.invoke(large, hopContext(blobs).context);
    expect(answer?.outputs).toEqual([{ modality: 'text', mediaType: 'text/plain', text: 'READ ON DEMAND' }]);
  });

  it('aborts a hop when the job is cancelled, and kills a process that ignores the abort', async () => {
    const polite = new AbortController();
    const waiting = run('sandbox.sleep', '60000', polite.signal).result.catch((err: unknown) => err);
    setTimeout(() => polite.abort(new Error('the job was cancelled')), 100);
    let started = Date.now();
    expect(await waiting).toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1_500);

    const stubborn = new AbortController();
    const ignoring = run('sandbox.sleep', '60000 ignore', stubborn.signal).result.catch(
      (err: unknown) => err,
    );
    setTimeout(() => stubborn.abort(new Error('the job was cancelled')), 100);
    started = Date.now();
    expect(await ignoring).toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(6_000);
  });
});
