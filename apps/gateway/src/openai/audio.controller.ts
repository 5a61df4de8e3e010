import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { InputPart } from '@omnigate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { servedBytesHeaders } from '../blobs/served-bytes-headers';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import { InferenceService } from '../inference/inference.service';
import { formParts, storeInputFile } from '../multipart/form-parts';
import { RoutePlanner } from '../routing/route-planner';
import { jsonBody, outputBytes, outputText, routeHeaders, runToCompletion, singleOutput } from './facade-job';
import {
  SpeechRequestSchema,
  speechJobRequest,
  TranscriptionFieldsSchema,
  transcriptionJobRequest,
  wavSamples,
} from './audio-jobs';
import { ModelCatalog } from './model-catalog';
import { invalidParam } from './openai-error';

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
    const request = transcriptionJobRequest(body, file, this.models);
    const record = await runToCompletion(this.inference, request, req);
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
    const { request, format } = speechJobRequest(body, this.models, this.planner);
    const record = await runToCompletion(this.inference, request, req);
    const audio = singleOutput(record, 'audio');
    const bytes = await outputBytes(this.blobs, audio);
    await reply
      .status(200)
      .headers(routeHeaders(record))
      .headers(servedBytesHeaders(format === 'pcm' ? 'audio/pcm' : audio.mediaType))
      .send(format === 'pcm' ? wavSamples(bytes) : bytes);
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
    const form = { fieldsBytes: this.config.http.maxBodyBytes, maxFiles: 1 };
    for await (const part of formParts(req, form)) {
      if (part.kind === 'file') {
        file = await storeInputFile(this.blobs, part, this.config.blobs.maxBytes);
      } else if (part.name === 'timestamp_granularities[]' || part.name === 'timestamp_granularities') {
        granularities.push(part.value);
      } else {
        fields[part.name] = part.value;
      }
    }
    if (!file) throw invalidParam('file', 'the multipart body has no file');
    return {
      file,
      fields: granularities.length > 0 ? { ...fields, timestamp_granularities: granularities } : fields,
    };
  }
}
