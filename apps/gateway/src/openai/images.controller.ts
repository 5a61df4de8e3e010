import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { InferRequestSchema } from '@omnigate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { InferenceService } from '../inference/inference.service';
import { blobUrl, jsonBody, outputBytes, routeHeaders, runToCompletion, singleOutput } from './facade-job';
import { ModelCatalog } from './model-catalog';

const OUTPUT_MEDIA_TYPES = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;

export const ImageGenerationRequestSchema = z
  .object({
    prompt: z.string().min(1).max(32_000),
    model: z.string().min(1).max(256).default('auto'),
    n: z.number().int().min(1).max(10).nullish(),
    size: z.string().nullish(),
    quality: z.string().nullish(),
    style: z.string().nullish(),
    background: z.string().nullish(),
    output_format: z.enum(['png', 'jpeg', 'webp']).nullish(),
    output_compression: z.number().int().min(0).max(100).nullish(),
    moderation: z.string().nullish(),
    response_format: z.enum(['b64_json', 'url']).nullish(),
    user: z.string().max(256).nullish(),
  })
  .meta({ id: 'OpenAiImageGenerationRequest' });

const PASSED = [
  'size',
  'quality',
  'style',
  'background',
  'output_format',
  'output_compression',
  'moderation',
  'user',
] as const;

/**
 * `POST /v1/images/generations`: task `generate` when an adapter generates images; with model
 * auto and none that does, the router's text → image route (builtin.render draws the prompt).
 * `n` images are `n` jobs.
 */
@Controller('v1/images')
export class ImagesController {
  constructor(
    private readonly inference: InferenceService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly models: ModelCatalog,
  ) {}

  @Post('generations')
  async generate(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = ImageGenerationRequestSchema.parse(jsonBody(req));
    const resolved = this.models.resolve(body.model, 'generate');
    const task = this.models.taskFor('generate', resolved, true);
    const options: Record<string, unknown> = {};
    for (const key of PASSED) if (body[key] !== null && body[key] !== undefined) options[key] = body[key];
    const request = InferRequestSchema.parse({
      inputs: [{ text: body.prompt, modality: 'text' }],
      output: {
        modality: 'image',
        ...(body.output_format ? { mediaType: OUTPUT_MEDIA_TYPES[body.output_format] } : {}),
      },
      ...(task ? { task } : {}),
      ...(resolved.adapter ? { adapter: resolved.adapter } : {}),
      options,
    });
    const records = await Promise.all(
      Array.from({ length: body.n ?? 1 }, () => runToCompletion(this.inference, request)),
    );
    const data = await Promise.all(
      records.map(async (record) => {
        const image = singleOutput(record, 'image');
        if (body.response_format === 'url' && image.blobId) return { url: blobUrl(req, image.blobId) };
        return { b64_json: (await outputBytes(this.blobs, image)).toString('base64') };
      }),
    );
    await reply
      .status(200)
      .headers(routeHeaders(records[0]))
      .send({ created: Math.floor(Date.now() / 1000), data });
  }
}
