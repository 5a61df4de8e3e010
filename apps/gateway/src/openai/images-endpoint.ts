import { InferRequestSchema } from '@omnigate/contracts';
import { z } from 'zod';
import { jsonJobs, type EndpointDeps, type EndpointJobs, type FacadeEndpoint } from './facade-endpoint';
import { outputBytes, singleOutput } from './facade-job';

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
export type ImageGenerationRequest = z.infer<typeof ImageGenerationRequestSchema>;

/** OpenAI's answer to `POST /v1/images/generations`. */
export interface ImagesResponse {
  created: number;
  data: ({ url: string } | { b64_json: string })[];
}

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
 * An image generation body as jobs: task `generate` when an adapter generates images; with model
 * auto and none that does, the router's text → image route (builtin.render draws the prompt).
 * `n` images are `n` jobs (route headers from the first). For `response_format: url` the answer
 * links each output blob (the caller's host for the endpoint, the blob path for a batch line).
 */
export function imageJobs(body: ImageGenerationRequest, deps: EndpointDeps, priority?: number): EndpointJobs {
  const { models, blobs } = deps;
  const resolved = models.resolve(body.model, 'generate');
  const task = models.taskFor('generate', resolved, true);
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
    ...(priority !== undefined ? { priority } : {}),
  });
  return jsonJobs(
    Array.from({ length: body.n ?? 1 }, () => request),
    async (records, urlOf): Promise<ImagesResponse> => {
      const data = await Promise.all(
        records.map(async (record) => {
          const image = singleOutput(record, 'image');
          if (body.response_format === 'url' && image.blobId) return { url: urlOf(image.blobId) };
          return { b64_json: (await outputBytes(blobs, image)).toString('base64') };
        }),
      );
      return { created: Math.floor(Date.now() / 1000), data };
    },
    (records) => records[0]!,
  );
}

/** `POST /v1/images/generations`, defined once for the endpoint and its batch lines. */
export const imagesEndpoint: FacadeEndpoint = {
  lineJobs: (body, deps, priority) => imageJobs(ImageGenerationRequestSchema.parse(body), deps, priority),
};
