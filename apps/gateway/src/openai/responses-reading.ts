import pLimit from 'p-limit';
import { InferRequestSchema, type InferRequest } from '@omnigate/contracts';
import type { BlobStore } from '../blobs/blob-store';
import type { InputInspector } from '../detection/input-inspector';
import { GatewayError } from '../errors/gateway-error';
import type { JobRecord } from '../jobs/job-record';
import { outputBytes, singleOutput } from './facade-job';
import { mediaOf, sourceOf } from './responses-media';
import type { ConversationItem, MediaPart } from './responses-request';

/** Reading jobs one request runs at the same time. */
const READS_AT_ONCE = 2;

/** What a chat model reads as it is: text, and images (a vision model, or a description hop before it). */
const READ_AS_IS = new Set(['text', 'image']);

/** How the Responses path reads media into what a chat model takes. */
export interface MediaReader {
  inspector: Pick<InputInspector, 'inspect'>;
  blobs: BlobStore;
  /** Runs a job to its end (the caller's own, so it is traced and owned as the request's). */
  run(request: InferRequest): Promise<JobRecord>;
}

/**
 * Gives every media part of the conversation the form a chat model reads: each part's modality
 * is detected once (kept as `modality`); audio, a signal, a point cloud or a video is read into
 * text once, by a job of its own (audio transcribed, the others described), and that text is
 * kept by blob id (`read_as`) for this turn and the later ones. Images and text stay as they
 * are. So a conversation holding an ECG and a plot of it is text and an image, which a vision
 * model takes in one hop.
 */
export async function readMediaForModel(
  items: readonly ConversationItem[],
  reader: MediaReader,
): Promise<void> {
  // A turn brings at most MAX_MEDIA_PER_TURN new media: read a few at a time, not all at once.
  const limit = pLimit(READS_AT_ONCE);
  await Promise.all(mediaOf(items).map((part) => limit(() => readPart(part, reader))));
}

async function readPart(part: MediaPart, reader: MediaReader): Promise<void> {
  if (part.read_as || !part.file_id) return;
  if (!part.modality) {
    const [inspected] = await reader.inspector.inspect([sourceOf(part.file_id)]);
    part.modality = inspected!.detection.modality;
  }
  if (READ_AS_IS.has(part.modality)) return;
  const read = (task?: string) =>
    reader.run(
      InferRequestSchema.parse({
        inputs: [sourceOf(part.file_id!)],
        output: { modality: 'text' },
        ...(task ? { task } : {}),
      }),
    );
  // Speech is read for what is said; without a transcriber, for what the route can tell of it.
  const record =
    part.modality === 'audio'
      ? await read('transcribe').catch((err: unknown) => {
          if (err instanceof GatewayError && err.code === 'no_route') return read();
          throw err;
        })
      : await read();
  // Kept as a blob of its own (not the job's output, which lives as long as the job).
  const text = await outputBytes(reader.blobs, singleOutput(record, 'text'));
  part.read_as = (await reader.blobs.put(text, { mediaType: 'text/plain' })).id;
}
