import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { InferRequestSchema } from '@omnigate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';
import { InferenceService } from '../inference/inference.service';
import type { JobRecord } from '../queue/job-record';
import { jsonBody, outputText, routeHeaders, runToCompletion, singleOutput } from './facade-job';
import { ModelCatalog } from './model-catalog';

/** A job takes at most this many inputs; a longer list is split into several jobs. */
const TEXTS_PER_JOB = 16;
const MAX_TEXTS = 2048;

export const EmbeddingRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    /** Text only: token arrays are not accepted. */
    input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(MAX_TEXTS)]),
    dimensions: z.number().int().positive().nullish(),
    encoding_format: z.enum(['float', 'base64']).nullish(),
    user: z.string().max(256).nullish(),
  })
  .meta({ id: 'OpenAiEmbeddingRequest' });

/** What an embedding adapter returns as JSON text (`OpenAiEmbeddingOutput`). */
const EmbeddingOutputSchema = z.object({
  embedding: z.array(z.number()).optional(),
  embeddings: z.array(z.array(z.number())).optional(),
  usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number() }).partial().optional(),
});

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
    const body = EmbeddingRequestSchema.parse(jsonBody(req));
    const resolved = this.models.resolve(body.model, 'embed');
    const task = this.models.taskFor('embed', resolved);
    const texts = typeof body.input === 'string' ? [body.input] : body.input;
    const options = {
      ...(body.dimensions ? { dimensions: body.dimensions } : {}),
      ...(body.user ? { user: body.user } : {}),
    };
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += TEXTS_PER_JOB) batches.push(texts.slice(i, i + TEXTS_PER_JOB));
    const results = await Promise.all(
      batches.map(async (batch) => {
        const request = InferRequestSchema.parse({
          inputs: batch.map((text) => ({ text, modality: 'text' })),
          output: { modality: 'text' },
          ...(task ? { task } : {}),
          ...(resolved.adapter ? { adapter: resolved.adapter } : {}),
          options,
        });
        const record = await runToCompletion(this.inference, request);
        return { record, ...(await this.vectors(record, batch.length)) };
      }),
    );
    const base64 = body.encoding_format === 'base64';
    const vectors = results.flatMap((r) => r.vectors);
    const promptTokens = results.reduce((sum, r) => sum + r.promptTokens, 0);
    const last = results.at(-1)!.record;
    await reply
      .status(200)
      .headers(routeHeaders(last))
      .send({
        object: 'list',
        data: vectors.map((vector, index) => ({
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
        })),
        model: last.route.at(-1)?.adapter ?? body.model,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      });
  }

  private async vectors(
    record: JobRecord,
    count: number,
  ): Promise<{ vectors: number[][]; promptTokens: number }> {
    const text = await outputText(this.blobs, singleOutput(record, 'text'));
    let parsed: z.infer<typeof EmbeddingOutputSchema> | undefined;
    try {
      const result = EmbeddingOutputSchema.safeParse(JSON.parse(text));
      parsed = result.success ? result.data : undefined;
    } catch {
      parsed = undefined;
    }
    const vectors = parsed?.embeddings ?? (parsed?.embedding ? [parsed.embedding] : []);
    if (vectors.length !== count) {
      throw new GatewayError(
        'adapter_failed',
        `the route (${record.route.map((s) => s.adapter).join(' -> ')}) did not produce ${count} embedding vector(s)`,
        { jobId: record.id },
      );
    }
    return { vectors, promptTokens: parsed?.usage?.prompt_tokens ?? 0 };
  }
}
