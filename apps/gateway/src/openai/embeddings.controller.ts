import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { InferenceService } from '../inference/inference.service';
import { EmbeddingRequestSchema, embeddingJobs } from './embedding-job';
import { jsonBody, routeHeaders, runToCompletion } from './facade-job';
import { ModelCatalog } from './model-catalog';

/** `POST /v1/embeddings`: task `embed`, 16 texts a job. */
@Controller('v1')
export class EmbeddingsController {
  constructor(
    private readonly inference: InferenceService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly models: ModelCatalog,
  ) {}

  @Post('embeddings')
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const jobs = embeddingJobs(EmbeddingRequestSchema.parse(jsonBody(req)), this.models, this.blobs);
    const records = await Promise.all(
      jobs.requests.map((request) => runToCompletion(this.inference, request, req)),
    );
    const list = await jobs.answer(records);
    await reply
      .status(200)
      .headers(routeHeaders(records.at(-1)!))
      .send(list);
  }
}
