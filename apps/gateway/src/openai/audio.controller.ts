import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { InferRequestSchema, type InputPart } from '@omnigate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import { InferenceService } from '../inference/inference.service';
import { RoutePlanner } from '../routing/route-planner';
import { jsonBody, outputBytes, outputText, routeHeaders, runToCompletion, singleOutput } from './facade-job';
import { ModelCatalog } from './model-catalog';
import { invalidParam } from './openai-error';

/** The media type asked of the route for each speech format; pcm is WAV without its header. */
const SPEECH_MEDIA_TYPES = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/wav',
} as const;

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

export const TranscriptionFieldsSchema = z.object({
  model: z.string().min(1).max(256),
  language: z.string().optional(),
  prompt: z.string().optional(),
  response_format: z.enum(['json', 'text', 'verbose_json', 'srt', 'vtt']).default('json'),
  temperature: z.coerce.number().min(0).max(1).optional(),
  timestamp_granularities: z.array(z.enum(['word', 'segment'])).optional(),
});

const TRANSCRIPT_CONTENT_TYPES = {
  text: 'text/plain; charset=utf-8',
  srt: 'text/plain; charset=utf-8',
  vtt: 'text/plain; charset=utf-8',
} as const;

/** `POST /v1/audio/transcriptions` (multipart, task `transcribe`) and `POST /v1/audio/speech` (task `tts`). */
@Controller('v1/audio')
export class AudioController {
  constructor(
    private readonly inference: InferenceService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly planner: RoutePlanner,
    private readonly models: ModelCatalog,
  ) {}

  @Post('transcriptions')
  async transcribe(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { file, fields } = await this.readUpload(req);
    const body = TranscriptionFieldsSchema.parse(fields);
    const resolved = this.models.resolve(body.model, 'transcribe');
    const task = this.models.taskFor('transcribe', resolved);
    const { model: _model, ...options } = body;
    const request = InferRequestSchema.parse({
      inputs: [file],
      output: { modality: 'text' },
      ...(task ? { task } : {}),
      ...(resolved.adapter ? { adapter: resolved.adapter } : {}),
      options,
    });
    const record = await runToCompletion(this.inference, request);
    const text = await outputText(this.blobs, singleOutput(record, 'text'));
    void reply.status(200).headers(routeHeaders(record));
    if (body.response_format === 'json') return void (await reply.send({ text }));
    if (body.response_format === 'verbose_json') {
      return void (await reply.header('content-type', 'application/json; charset=utf-8').send(text));
    }
    await reply.header('content-type', TRANSCRIPT_CONTENT_TYPES[body.response_format]).send(text);
  }

  @Post('speech')
  async speech(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = SpeechRequestSchema.parse(jsonBody(req));
    const format = body.response_format ?? 'mp3';
    const mediaType = SPEECH_MEDIA_TYPES[format];
    const resolved = this.models.resolve(body.model, 'tts');
    const task = this.models.taskFor('tts', resolved);
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
    if (body.voice && this.speaker(query)?.options?.safeParse({ voice: body.voice }).success !== false) {
      options.voice = body.voice;
    }
    const request = InferRequestSchema.parse({
      inputs: [{ text: body.input, modality: 'text' }],
      output: { modality: 'audio', mediaType },
      ...(task ? { task } : {}),
      ...(resolved.adapter ? { adapter: resolved.adapter } : {}),
      options,
    });
    const record = await runToCompletion(this.inference, request);
    const audio = singleOutput(record, 'audio');
    const bytes = await outputBytes(this.blobs, audio);
    await reply
      .status(200)
      .headers(routeHeaders(record))
      .header('content-type', format === 'pcm' ? 'audio/pcm' : audio.mediaType)
      .send(format === 'pcm' ? wavSamples(bytes) : bytes);
  }

  /**
   * The adapter that would speak: OpenAI's voices (alloy, ...) mean nothing to the built-in
   * Flite voice list, so `voice` is passed only when that adapter takes it.
   */
  private speaker(query: Parameters<RoutePlanner['plan']>[0]) {
    try {
      const hops = this.planner.plan(query);
      return hops.find((h) => h.capability.output === 'audio')?.adapter;
    } catch {
      // No route: the job's own planning answers with the error.
      return undefined;
    }
  }

  /** The file and the other fields of a multipart upload; the file goes to the blob store. */
  private async readUpload(
    req: FastifyRequest,
  ): Promise<{ file: InputPart; fields: Record<string, unknown> }> {
    if (!req.isMultipart()) {
      throw new GatewayError('unsupported_media', 'send the audio as multipart/form-data with a file field', {
        contentType: req.headers['content-type'] ?? null,
      });
    }
    let file: InputPart | undefined;
    const fields: Record<string, unknown> = {};
    const granularities: string[] = [];
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (file) throw invalidParam('file', 'send one file');
        const declared =
          part.mimetype && part.mimetype !== 'application/octet-stream' ? part.mimetype : undefined;
        const blob = await this.blobs.put(part.file, {
          mediaType: declared,
          filename: part.filename,
          maxBytes: this.config.blobs.maxBytes,
        });
        file = {
          blobId: blob.id,
          ...(declared ? { mediaType: declared } : {}),
          ...(part.filename ? { filename: part.filename } : {}),
        };
      } else if (
        part.fieldname === 'timestamp_granularities[]' ||
        part.fieldname === 'timestamp_granularities'
      ) {
        granularities.push(String(part.value));
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
    if (!file) throw invalidParam('file', 'the multipart body has no file');
    return {
      file,
      fields: granularities.length > 0 ? { ...fields, timestamp_granularities: granularities } : fields,
    };
  }
}

/** The samples of a PCM WAV (its `data` chunk); the bytes as they are when they are not a WAV. */
function wavSamples(wav: Buffer): Buffer {
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
