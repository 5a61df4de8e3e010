import { InferRequestSchema, type InferRequest } from '@omnigate/contracts';
import { z } from 'zod';
import { servedBytesHeaders } from '../blobs/served-bytes-headers';
import type { RoutePlanner } from '../routing/route-planner';
import { blobPath, type EndpointDeps, type EndpointJobs, type FacadeEndpoint } from './facade-endpoint';
import { outputBytes, singleOutput } from './facade-job';
import type { ModelCatalog } from './model-catalog';

/** The media type asked of the route for each speech format; pcm is WAV without its header. */
export const SPEECH_MEDIA_TYPES = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/wav',
} as const;
export type SpeechFormat = keyof typeof SPEECH_MEDIA_TYPES;

export const SpeechRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    input: z.string().min(1).max(16_384),
    voice: z.string().min(1).max(64).nullish(),
    response_format: z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']).nullish(),
    speed: z.number().min(0.25).max(4).nullish(),
    instructions: z.string().max(4096).nullish(),
  })
  .meta({ id: 'OpenAiSpeechRequest' });
export type SpeechRequest = z.infer<typeof SpeechRequestSchema>;

/**
 * Speech as a job: task `tts`, the format asked of the route (so `auto` + mp3 is Flite then
 * ffmpeg), speed and instructions as options. OpenAI's voices (alloy, ...) mean nothing to the
 * built-in Flite voice list, so `voice` is passed only when the adapter that would speak takes it.
 */
export function speechJobRequest(
  body: SpeechRequest,
  models: ModelCatalog,
  planner: RoutePlanner,
  priority?: number,
): { request: InferRequest; format: SpeechFormat } {
  const format = body.response_format ?? 'mp3';
  const mediaType = SPEECH_MEDIA_TYPES[format];
  const resolved = models.resolve(body.model, 'tts');
  const task = models.taskFor('tts', resolved);
  const speed = body.speed ?? undefined;
  const options: Record<string, unknown> = {
    ...(speed !== undefined ? { speed, rate: speed } : {}),
    ...(body.instructions ? { instructions: body.instructions } : {}),
  };
  const query = {
    inputs: ['text'],
    output: 'audio',
    outputMediaType: mediaType,
    task,
    adapter: resolved.adapter,
  };
  if (body.voice && speaker(planner, query)?.options?.safeParse({ voice: body.voice }).success !== false) {
    options.voice = body.voice;
  }
  const request = InferRequestSchema.parse({
    inputs: [{ text: body.input, modality: 'text' }],
    output: { modality: 'audio', mediaType },
    ...(task ? { task } : {}),
    ...(resolved.adapter ? { adapter: resolved.adapter } : {}),
    options,
    ...(priority !== undefined ? { priority } : {}),
  });
  return { request, format };
}

/**
 * Speech's jobs and answers. The endpoint answers the audio itself (PCM: the WAV's samples); a
 * batch line's body says where the audio is instead: `{object: "audio.speech", media_type,
 * bytes, url: /v1/blobs/<id>}` (PCM, or audio that came inline, is stored as a blob first).
 */
export function speechJobs(body: SpeechRequest, deps: EndpointDeps, priority?: number): EndpointJobs {
  const { blobs } = deps;
  const { request, format } = speechJobRequest(body, deps.models, deps.planner, priority);
  return {
    requests: [request],
    reply: async ([record]) => {
      const audio = singleOutput(record!, 'audio');
      const bytes = await outputBytes(blobs, audio);
      return {
        record: record!,
        bytes: format === 'pcm' ? wavSamples(bytes) : bytes,
        headers: servedBytesHeaders(format === 'pcm' ? 'audio/pcm' : audio.mediaType),
      };
    },
    lineBody: async ([record]) => {
      const audio = singleOutput(record!, 'audio');
      let blob = { id: audio.blobId, bytes: audio.bytes, mediaType: audio.mediaType };
      if (format === 'pcm' || !blob.id) {
        const bytes = await outputBytes(blobs, audio);
        blob = await blobs.put(format === 'pcm' ? wavSamples(bytes) : bytes, {
          mediaType: format === 'pcm' ? 'audio/pcm' : audio.mediaType,
        });
      }
      return {
        object: 'audio.speech',
        media_type: blob.mediaType,
        bytes: blob.bytes,
        url: blobPath(blob.id!),
      };
    },
  };
}

/** `POST /v1/audio/speech`, defined once for the endpoint and its batch lines. */
export const speechEndpoint: FacadeEndpoint = {
  lineJobs: (body, deps, priority) => speechJobs(SpeechRequestSchema.parse(body), deps, priority),
};

/** The adapter that would speak, or undefined when there is no route (the job's planning says why). */
function speaker(planner: RoutePlanner, query: Parameters<RoutePlanner['plan']>[0]) {
  try {
    return planner.plan(query).find((h) => h.capability.output === 'audio')?.adapter;
  } catch {
    return undefined;
  }
}

/** The samples of a PCM WAV (its `data` chunk); the bytes as they are when they are not a WAV. */
export function wavSamples(wav: Buffer): Buffer {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') {
    return wav;
  }
  for (let offset = 12; offset + 8 <= wav.length;) {
    const size = wav.readUInt32LE(offset + 4);
    if (wav.toString('ascii', offset, offset + 4) === 'data') {
      return wav.subarray(offset + 8, Math.min(wav.length, offset + 8 + size));
    }
    offset += 8 + size + (size % 2);
  }
  return wav;
}
