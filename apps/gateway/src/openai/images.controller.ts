import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { AUDIO_ANSWER_STORE, type AudioAnswerStore } from './audio-answer-store';
import { InferenceService } from '../inference/inference.service';
import { RoutePlanner } from '../routing/route-planner';
import { runJobs, sendAnswer, type EndpointDeps } from './facade-endpoint';
import { blobUrl, jsonBody } from './facade-job';
import { ImageGenerationRequestSchema, imageJobs } from './images-endpoint';
import { ModelCatalog } from './model-catalog';

/** `POST /v1/images/generations`: see `imageJobs`; a `url` answer is the gateway's own blob URL. */
@Controller('v1/images')
export class ImagesController {
  private readonly deps: EndpointDeps;

  constructor(
    private readonly inference: InferenceService,
    @Inject(BLOB_STORE) blobs: BlobStore,
    models: ModelCatalog,
    planner: RoutePlanner,
    @Inject(AUDIO_ANSWER_STORE) audioAnswers: AudioAnswerStore,
  ) {
    this.deps = { models, blobs, planner, audioAnswers };
  }

  @Post('generations')
  async generate(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const jobs = imageJobs(ImageGenerationRequestSchema.parse(jsonBody(req)), this.deps);
    const records = await runJobs(this.inference, jobs, req);
    await sendAnswer(reply, await jobs.reply(records, (blobId) => blobUrl(req, blobId)));
  }
}
