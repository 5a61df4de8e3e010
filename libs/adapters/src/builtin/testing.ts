import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Modality } from '@omnigate/contracts';
import type {
  Adapter,
  AdapterContext,
  AdapterInput,
  AdapterLogger,
  AdapterRequest,
  AdapterResult,
} from '../sdk/adapter';

/** An in-memory stand-in for the worker runtime, for unit tests of adapters (not exported from the package). */
export interface AdapterHarness {
  context: AdapterContext;
  controller: AbortController;
  /** Every fraction the adapter reported, in order. */
  progress: number[];
  /** Stores bytes as a blob (id = sha256 hex) and describes them as an adapter input. */
  put(
    data: Buffer | string,
    input: { modality: Modality; mediaType: string; filename?: string },
  ): AdapterInput;
  /** Invokes the adapter with options parsed by its schema, as the gateway does before queueing. */
  invoke<Options>(
    adapter: Adapter<Options>,
    request: Omit<AdapterRequest<Options>, 'options'> & { options?: Record<string, unknown> },
  ): Promise<AdapterResult>;
}

const silentLogger: AdapterLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function createAdapterHarness(): AdapterHarness {
  const blobs = new Map<string, Buffer>();
  const controller = new AbortController();
  const progress: number[] = [];

  const read = (blobId: string): Buffer => {
    const blob = blobs.get(blobId);
    if (!blob) throw new Error(`no blob ${blobId}`);
    return blob;
  };

  const context: AdapterContext = {
    signal: controller.signal,
    progress: async (fraction) => {
      progress.push(fraction);
    },
    blobs: {
      read: async (blobId) => read(blobId),
      stream: (blobId) => Readable.from([read(blobId)]),
    },
    logger: silentLogger,
  };

  return {
    context,
    controller,
    progress,
    put(data, input) {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const blobId = createHash('sha256').update(bytes).digest('hex');
      blobs.set(blobId, bytes);
      return { ...input, blobId, bytes: bytes.length };
    },
    async invoke<Options>(
      adapter: Adapter<Options>,
      request: Omit<AdapterRequest<Options>, 'options'> & { options?: Record<string, unknown> },
    ) {
      const raw = request.options ?? {};
      const options = adapter.options ? adapter.options.parse(raw) : (raw as Options);
      return adapter.invoke({ ...request, options }, context);
    },
  };
}

/** The single output of a result, asserting it carries bytes. */
export function binaryOutput(result: AdapterResult): { mediaType: string; data: Buffer } {
  const [output] = result.outputs;
  if (result.outputs.length !== 1 || !output || !('data' in output)) {
    throw new Error(`expected one binary output, got ${JSON.stringify(result.outputs)}`);
  }
  return output;
}

/** The single output of a result, asserting it carries text. */
export function textOutput(result: AdapterResult): { mediaType: string; text: string } {
  const [output] = result.outputs;
  if (result.outputs.length !== 1 || !output || !('text' in output)) {
    throw new Error(`expected one text output, got ${JSON.stringify(result.outputs)}`);
  }
  return output;
}
