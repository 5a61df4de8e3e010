import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AdapterError, type AdapterInput, type AdapterOutput, type BlobReader } from '@omnigate/adapters';
import type { ErrorCode, OutputPart } from '@omnigate/contracts';
import { isBlobStoreUnavailable } from '../blobs/blob-errors';
import type { BlobStore } from '../blobs/blob-store';
import type { HopJob } from './job-record';

/**
 * What goes into and out of a hop besides the adapter's call: its outputs stored, an output as
 * the next hop's input, small texts carried in the hop itself, and a failure classified.
 */

/** Text outputs up to this size travel inside the next hop's queue entry instead of as blobs. */
const MAX_CARRIED_TEXT_BYTES = 64 * 1024;

/** An adapter's output as the job shows it; bytes stored (beside the job when intermediate). */
export async function storeOutput(
  blobs: BlobStore,
  hop: HopJob,
  output: AdapterOutput,
  intermediate: boolean,
): Promise<OutputPart> {
  if (output.modality !== hop.output.modality) {
    throw new AdapterError(
      'adapter_failed',
      `adapter ${hop.adapter} returned ${output.modality}, not ${hop.output.modality}`,
    );
  }
  if ('text' in output) return { modality: output.modality, mediaType: output.mediaType, text: output.text };
  const blob = await blobs.put(output.data, {
    mediaType: output.mediaType,
    ...(intermediate ? { scope: 'job' as const } : {}),
  });
  return {
    modality: output.modality,
    mediaType: blob.mediaType,
    blobId: blob.id,
    url: `/v1/blobs/${blob.id}`,
    bytes: blob.bytes,
  };
}

/**
 * An output of one hop as an input of the next. Small text rides in the next hop itself
 * (`texts`, under the id its content would have as a blob); larger text is stored beside the job.
 */
export async function asNextInput(
  blobs: BlobStore,
  output: OutputPart,
  texts: Record<string, string>,
): Promise<AdapterInput> {
  const { modality, mediaType } = output;
  if (output.blobId) return { modality, mediaType, blobId: output.blobId, bytes: output.bytes ?? 0 };
  const data = Buffer.from(output.text ?? '', 'utf8');
  if (data.length <= MAX_CARRIED_TEXT_BYTES) {
    const blobId = createHash('sha256').update(data).digest('hex');
    texts[blobId] = output.text ?? '';
    return { modality, mediaType, blobId, bytes: data.length };
  }
  const blob = await blobs.put(data, { mediaType, scope: 'job' });
  return { modality, mediaType, blobId: blob.id, bytes: blob.bytes };
}

/** A blob reader that serves the hop's carried texts first. */
export function withTexts(blobs: BlobReader, texts: Record<string, string>): BlobReader {
  const carried = (id: string) => (Object.hasOwn(texts, id) ? Buffer.from(texts[id], 'utf8') : undefined);
  return {
    read: async (id) => carried(id) ?? blobs.read(id),
    stream: (id) => {
      const data = carried(id);
      return data ? Readable.from([data]) : blobs.stream(id);
    },
  };
}

/** A hop's failure: an adapter's deliberate error as it says; anything else retryable, the adapter's fault. */
export function classifyFailure(err: unknown): {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
} {
  if (AdapterError.is(err)) {
    return {
      code: err.code,
      message: err.message,
      retryable: err.retryable === true,
      retryAfterMs: err.retryAfterMs,
      details: err.details,
    };
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return { code: 'timeout', message: 'the job was interrupted', retryable: true };
  }
  // Reading the inputs or storing the outputs failed, not the adapter: said so if it stays failing.
  if (isBlobStoreUnavailable(err)) {
    return { code: 'unavailable', message: 'the blob store (S3) is not reachable', retryable: true };
  }
  // An unexpected exception is the adapter's fault, not the caller's; it may be transient.
  return { code: 'adapter_failed', message: 'the adapter failed unexpectedly', retryable: true };
}
