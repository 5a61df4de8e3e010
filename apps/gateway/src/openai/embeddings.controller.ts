import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { AUDIO_ANSWER_STORE, type AudioAnswerStore } from './audio-answer-store';
import { InferenceService } from '../inference/inference.service';
import { RoutePlanner } from '../routing/route-planner';
import { EmbeddingRequestSchema, embeddingJobs } from './embeddings-endpoint';
import { runJobs, sendAnswer, type EndpointDeps } from './facade-endpoint';
import { blobUrl, jsonBody } from './facade-job';
import { ModelCatalog } from './model-catalog';

/** `POST /v1/embeddings`: task `embed`, 16 texts a job (see embeddings-endpoint.ts). */
@Controller('v1')
export class EmbeddingsController {
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

  @Post('embeddings')
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const jobs = embeddingJobs(EmbeddingRequestSchema.parse(jsonBody(req)), this.deps);
    const records = await runJobs(this.inference, jobs, req);
    await sendAnswer(reply, await jobs.reply(records, (blobId) => blobUrl(req, blobId)));
  }
}
