import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { InputPart } from '@omnigate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { AUDIO_ANSWER_STORE, type AudioAnswerStore } from './audio-answer-store';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import { InferenceService } from '../inference/inference.service';
import { formParts, storeInputFile } from '../multipart/form-parts';
import { RoutePlanner } from '../routing/route-planner';
import { runJobs, sendAnswer, type EndpointDeps } from './facade-endpoint';
import { blobUrl, jsonBody } from './facade-job';
import { ModelCatalog } from './model-catalog';
import { invalidParam } from './openai-error';
import { SpeechRequestSchema, speechJobs } from './speech-endpoint';
import { TranscriptionFieldsSchema, transcriptionJobs } from './transcriptions-endpoint';

/**
 * `POST /v1/audio/transcriptions` (multipart, task `transcribe`) and `POST /v1/audio/speech`
 * (task `tts`); their jobs and answers are transcriptions-endpoint.ts's and speech-endpoint.ts's.
 */
@Controller('v1/audio')
export class AudioController {
  private readonly deps: EndpointDeps;

  constructor(
    private readonly inference: InferenceService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    planner: RoutePlanner,
    models: ModelCatalog,
    @Inject(AUDIO_ANSWER_STORE) audioAnswers: AudioAnswerStore,
  ) {
    this.deps = { models, blobs, planner, audioAnswers };
  }

  @Post('transcriptions')
  async transcribe(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { file, fields } = await this.readUpload(req);
    const jobs = transcriptionJobs(TranscriptionFieldsSchema.parse(fields), file, this.deps);
    const records = await runJobs(this.inference, jobs, req);
    await sendAnswer(reply, await jobs.reply(records, (blobId) => blobUrl(req, blobId)));
  }

  @Post('speech')
  async speech(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const jobs = speechJobs(SpeechRequestSchema.parse(jsonBody(req)), this.deps);
    const records = await runJobs(this.inference, jobs, req);
    await sendAnswer(reply, await jobs.reply(records, (blobId) => blobUrl(req, blobId)));
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
