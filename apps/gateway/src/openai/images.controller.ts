import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { InferenceService } from '../inference/inference.service';
import { blobUrl, jsonBody, routeHeaders, runToCompletion } from './facade-job';
import { ImageGenerationRequestSchema, imageJobs } from './image-job';
import { ModelCatalog } from './model-catalog';

/** `POST /v1/images/generations`: see `imageJobs`; a `url` answer is the gateway's own blob URL. */
@Controller('v1/images')
export class ImagesController {
  constructor(
    private readonly inference: InferenceService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly models: ModelCatalog,
  ) {}

  @Post('generations')
  async generate(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const jobs = imageJobs(ImageGenerationRequestSchema.parse(jsonBody(req)), this.models, this.blobs);
    const records = await Promise.all(
      jobs.requests.map((request) => runToCompletion(this.inference, request, req)),
    );
    const images = await jobs.answer(records, (blobId) => blobUrl(req, blobId));
    await reply.status(200).headers(routeHeaders(records[0]!)).send(images);
  }
}
