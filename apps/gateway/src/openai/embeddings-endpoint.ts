import { INVALID_BACKEND_EMBEDDING } from '@omnigate/adapters';
import { InferRequestSchema, type InferRequest } from '@omnigate/contracts';
import { z } from 'zod';
import type { BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';
import type { JobRecord } from '../jobs/job-record';
import { jsonJobs, type EndpointDeps, type EndpointJobs, type FacadeEndpoint } from './facade-endpoint';
import { outputText, singleOutput } from './facade-job';

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
export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>;

/** OpenAI's answer to `POST /v1/embeddings`. */
export interface EmbeddingList {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** What an embedding adapter returns as JSON text (`OpenAiEmbeddingOutput`); JSON numbers are finite. */
const Vector = z.array(z.number()).min(1);
const EmbeddingOutputSchema = z.object({
  embedding: Vector.optional(),
  embeddings: z.array(Vector).optional(),
  model: z.string().optional(),
  usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number() }).partial().optional(),
});

/**
 * An embeddings body as jobs of task `embed`, 16 texts a job, and how their completed records,
 * in the same order, become OpenAI's embedding list (route headers from the last job).
 */
export function embeddingJobs(body: EmbeddingRequest, deps: EndpointDeps, priority?: number): EndpointJobs {
  const { models, blobs } = deps;
  const resolved = models.resolve(body.model, 'embed');
  const task = models.taskFor('embed', resolved);
  const texts = typeof body.input === 'string' ? [body.input] : body.input;
  const options = {
    ...(body.dimensions ? { dimensions: body.dimensions } : {}),
    ...(body.user ? { user: body.user } : {}),
  };
  const requests: InferRequest[] = [];
  for (let i = 0; i < texts.length; i += TEXTS_PER_JOB) {
    requests.push(
      InferRequestSchema.parse({
        inputs: texts.slice(i, i + TEXTS_PER_JOB).map((text) => ({ text, modality: 'text' })),
        output: { modality: 'text' },
        ...(task ? { task } : {}),
        ...(resolved.adapter ? { adapter: resolved.adapter } : {}),
        options,
        ...(priority !== undefined ? { priority } : {}),
      }),
    );
  }
  return jsonJobs(
    requests,
    (records) => embeddingList(body, blobs, requests, records),
    (records) => records.at(-1)!,
  );
}

/**
 * `POST /v1/embeddings`, defined once for the endpoint and its batch lines: the schema, the
 * jobs (16 texts a job) and the embedding list they answer.
 */
export const embeddingsEndpoint: FacadeEndpoint = {
  lineJobs: (body, deps, priority) => embeddingJobs(EmbeddingRequestSchema.parse(body), deps, priority),
};

/** The list the records answer, in the encoding the caller asked for (floats unless base64). */
async function embeddingList(
  body: EmbeddingRequest,
  blobs: BlobStore,
  requests: InferRequest[],
  records: JobRecord[],
): Promise<EmbeddingList> {
  const results = await Promise.all(
    records.map((record, i) => embeddingVectors(blobs, record, requests[i]!.inputs.length)),
  );
  const base64 = body.encoding_format === 'base64';
  const vectors = results.flatMap((r) => r.vectors);
  sameSpace(results, vectors);
  const promptTokens = results.reduce((sum, r) => sum + r.promptTokens, 0);
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    model: records.at(-1)?.route.at(-1)?.adapter ?? body.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/**
 * 502 unless every vector of the answer comes from one model and has one length: a list split
 * into jobs may see one job fall back to another backend, whose vectors (another model's) live
 * in another space and must not be mixed into the answer as if they were comparable. Replicas of
 * one model (the same model name) may share the work.
 */
function sameSpace(results: JobVectors[], vectors: number[][]): void {
  const models = new Set(results.map((result) => result.model));
  const lengths = new Set(vectors.map((vector) => vector.length));
  if (models.size > 1 || lengths.size > 1) {
    throw new GatewayError(
      'adapter_failed',
      `the texts were embedded by ${[...models].join(', ')} into vectors of ${[...lengths].join(', ')} dimensions; they cannot be answered as one list`,
      { jobIds: results.map((result) => result.jobId), openAiCode: INVALID_BACKEND_EMBEDDING },
    );
  }
}

/** One job's vectors, the model that made them (the adapter's when it names none) and its tokens. */
interface JobVectors {
  jobId: string;
  vectors: number[][];
  model: string;
  promptTokens: number;
}

/** The `count` vectors of one job, or 502 when the route produced something else. */
async function embeddingVectors(blobs: BlobStore, record: JobRecord, count: number): Promise<JobVectors> {
  const text = await outputText(blobs, singleOutput(record, 'text'));
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
      { jobId: record.id, openAiCode: INVALID_BACKEND_EMBEDDING },
    );
  }
  return {
    jobId: record.id,
    vectors,
    model: parsed?.model ?? record.route.at(-1)?.adapter ?? 'unknown',
    promptTokens: parsed?.usage?.prompt_tokens ?? 0,
  };
}
