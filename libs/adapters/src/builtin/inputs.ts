import type { Modality } from '@omnigate/contracts';
import type { z } from 'zod';
import type { AdapterContext, AdapterInput, AdapterRequest } from '../sdk/adapter';
import { AdapterError } from '../sdk/adapter-error';

/** The first input of the given modality; the router only sends matching inputs, so a miss is bad input. */
export function requireInput(
  request: AdapterRequest<unknown>,
  modality: Modality,
  adapterId: string,
): AdapterInput {
  const input = request.inputs.find((candidate) => candidate.modality === modality);
  if (!input) {
    throw AdapterError.unprocessable(`${adapterId} needs a ${modality} input`);
  }
  return input;
}

/**
 * Options as the adapter's schema reads them, defaults included. The gateway validates options
 * before queueing; parsing again here keeps an adapter correct when it is invoked directly.
 */
export function parseOptions<Options>(schema: z.ZodType<Options>, raw: unknown, adapterId: string): Options {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const summary = issues.map((issue) => `${issue.path || '(options)'}: ${issue.message}`).join('; ');
  throw new AdapterError('invalid_request', `invalid options for ${adapterId}: ${summary}`, {
    details: { issues },
    cause: result.error,
  });
}

/**
 * An input's bytes, checked for abort before and after the read; over `maxBytes` is 413
 * (`what` names the content in the message: "a signal", "a point cloud"). The size the input
 * states is checked before reading, the bytes read after it.
 */
export async function readInput(
  context: AdapterContext,
  input: AdapterInput,
  options: { maxBytes?: number; what?: string } = {},
): Promise<Buffer> {
  const tooLarge = (bytes: number) =>
    options.maxBytes !== undefined && bytes > options.maxBytes
      ? new AdapterError(
          'payload_too_large',
          `${options.what ?? 'the input'} of ${bytes} bytes is over the ${options.maxBytes} bytes read`,
        )
      : undefined;
  context.signal.throwIfAborted();
  const stated = tooLarge(input.bytes);
  if (stated) throw stated;
  const bytes = await context.blobs.read(input.blobId);
  const read = tooLarge(bytes.length);
  if (read) throw read;
  context.signal.throwIfAborted();
  return bytes;
}
