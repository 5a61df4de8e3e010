import { InferRequestSchema, type InferRequest, type InputPart } from '@omnigate/contracts';
import { z } from 'zod';
import type { RoutePlanner } from '../routing/route-planner';
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

export const TranscriptionFieldsSchema = z.object({
  model: z.string().min(1).max(256),
  language: z.string().optional(),
  prompt: z.string().optional(),
  response_format: z.enum(['json', 'text', 'verbose_json', 'srt', 'vtt']).default('json'),
  temperature: z.coerce.number().min(0).max(1).optional(),
  timestamp_granularities: z.array(z.enum(['word', 'segment'])).optional(),
});
export type TranscriptionFields = z.infer<typeof TranscriptionFieldsSchema>;

/**
 * A transcription as a job (the endpoint's and a batch line's): task `transcribe` of the model's
 * adapter, the other fields as options.
 */
export function transcriptionJobRequest(
  body: TranscriptionFields,
  file: InputPart,
  models: ModelCatalog,
  priority?: number,
): InferRequest {
  const resolved = models.resolve(body.model, 'transcribe');
  const task = models.taskFor('transcribe', resolved);
  const { model: _model, ...options } = body;
  return InferRequestSchema.parse({
    inputs: [file],
    output: { modality: 'text' },
    ...(task ? { task } : {}),
    ...(resolved.adapter ? { adapter: resolved.adapter } : {}),
    options,
    ...(priority !== undefined ? { priority } : {}),
  });
}

/**
 * Speech as a job (the endpoint's and a batch line's): task `tts`, the format asked of the route
 * (so `auto` + mp3 is Flite then ffmpeg), speed and instructions as options. OpenAI's voices
 * (alloy, ...) mean nothing to the built-in Flite voice list, so `voice` is passed only when the
 * adapter that would speak takes it.
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
