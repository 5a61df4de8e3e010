import type { AdapterContext, AdapterInput } from '../../sdk/adapter';
import { checkInputLimit, type InputLimits } from '../../sdk/input-limits';
import { readInput } from '../inputs';
import { extensionFor } from './media-types';
import { probedDurationS, type Ffmpeg, type MediaProbe, type MediaStream } from './ffmpeg';

/** Inputs are read whole into memory for now; streaming can lift this. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;
/** What a video's frame rate is taken to be when its headers do not say. */
const ASSUMED_FRAME_RATE = 25;

/** An audio or video input read and probed, its declared sizes checked. */
export interface MediaInput {
  source: Buffer;
  /** Tells ffmpeg the input's container when probing is ambiguous. */
  inputExtension: string;
  probe: MediaProbe;
  /** Seconds, as the headers declare them; undefined when they do not say. */
  durationS: number | undefined;
}

/**
 * Reads an audio or video input and probes it, then checks what its headers declare before
 * anything decodes it: the duration against LIMIT_MEDIA_DURATION_S and each picture against
 * LIMIT_IMAGE_PIXELS (413 naming the variable). The input may come from another hop or from a
 * remote adapter, so the gateway's own check at detection is not enough.
 */
export async function readMediaInput(
  ffmpeg: Ffmpeg,
  context: AdapterContext,
  input: AdapterInput,
  limits: InputLimits,
): Promise<MediaInput> {
  const source = await readInput(context, input, {
    maxBytes: MAX_INPUT_BYTES,
    what: `the ${input.modality}`,
  });
  const inputExtension = extensionFor(input.mediaType);
  const probe = await ffmpeg.probe(source, context.signal, inputExtension);
  const durationS = probedDurationS(probe);
  if (durationS !== undefined) {
    checkInputLimit(limits, 'mediaDurationS', `${input.modality} duration (s)`, durationS);
  }
  for (const stream of probe.streams) {
    if (stream.codecType !== 'video' || !stream.width || !stream.height) continue;
    checkInputLimit(
      limits,
      'imagePixels',
      `a frame of ${stream.width}×${stream.height} pixels:`,
      stream.width * stream.height,
    );
  }
  return { source, inputExtension, probe, durationS };
}

/** Pixels per second a video stream decodes to: frame rate × width × height; 0 without a picture size. */
export function pixelsPerSecond(stream: MediaStream | undefined): number {
  if (!stream?.width || !stream.height) return 0;
  return (stream.frameRate ?? ASSUMED_FRAME_RATE) * stream.width * stream.height;
}
