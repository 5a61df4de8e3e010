import type { InferRequest } from '@omnigate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BlobStore } from '../blobs/blob-store';
import type { AudioAnswerStore } from './audio-answer-store';
import type { InferenceService } from '../inference/inference.service';
import type { JobRecord } from '../jobs/job-record';
import type { RoutePlanner } from '../routing/route-planner';
import { routeHeaders, runToCompletion } from './facade-job';
import type { ModelCatalog } from './model-catalog';
import type { ResponseStore } from './response-store';

/**
 * What an endpoint's mapping reads: the models it resolves, the blobs its answer reads, the
 * planner, and the spoken chat answers a later turn may refer to.
 */
export interface EndpointDeps {
  models: ModelCatalog;
  blobs: BlobStore;
  planner: RoutePlanner;
  audioAnswers: AudioAnswerStore;
}

/**
 * What a batch line's mapping reads: the endpoint's, and the stored responses (a `/v1/responses`
 * line continues a stored one and stores its own).
 */
export interface LineDeps extends EndpointDeps {
  responses: ResponseStore;
}

/**
 * The HTTP answer of a facade endpoint: JSON, or bytes with their headers (speech, transcripts
 * as text); `record` is the job whose route the `x-omnigate-*` headers describe, or the jobs of
 * a chain (a spoken chat answer: the chat, then its speech), in order.
 */
export type HttpAnswer =
  | { record: JobRecord | JobRecord[]; json: unknown }
  | { record: JobRecord | JobRecord[]; bytes: Buffer | string; headers: Record<string, string> };

/**
 * A request (or a batch line) of one endpoint as the jobs to queue and how their completed
 * records, in the same order, become its answer: written once per endpoint so that the endpoint
 * and its batch lines cannot drift apart.
 */
export interface EndpointJobs {
  requests: InferRequest[];
  /**
   * Jobs that can only be asked once `requests` have all completed (a spoken chat answer's
   * speech says the chat's text), from their records; their records follow those in `reply`
   * and `lineBody`.
   */
  followUp?(records: JobRecord[]): Promise<InferRequest[]>;
  /** The endpoint's answer; `urlOf` links an output blob from the caller's host. */
  reply(records: JobRecord[], urlOf: (blobId: string) => string): Promise<HttpAnswer>;
  /**
   * A batch line's `response.body`: the same answer as JSON, linking blobs as `/v1/blobs/<id>`
   * paths (a batch has no request host to prefix).
   */
  lineBody(records: JobRecord[]): Promise<unknown>;
}

/**
 * A batch line's jobs as queued (one, or several for a body that the endpoint splits: many texts
 * to embed, `n` images), and how their completed records become its answer's body.
 */
export type LineJobs = Pick<EndpointJobs, 'requests' | 'lineBody' | 'followUp'>;

/**
 * One OpenAI endpoint as batch lines call it (FACADE_ENDPOINTS has them by path); its controller
 * calls the same module's typed mapping.
 */
export interface FacadeEndpoint {
  /**
   * A line's body as jobs at `priority`: validated by the endpoint's schema and refused (400)
   * where the endpoint refuses it, plus what a line cannot do (stream). A promise where the
   * mapping reads a store first (a response's `previous_response_id`).
   */
  lineJobs(body: Record<string, unknown>, deps: LineDeps, priority: number): LineJobs | Promise<LineJobs>;
}

/** The path of a line's blob: the gateway's own, without a host. */
export const blobPath = (blobId: string): string => `/v1/blobs/${blobId}`;

/**
 * The jobs of an endpoint whose answer is the same JSON for a request and a line (chat,
 * embeddings, images); `headersFrom` picks the record the route headers describe.
 */
export function jsonJobs(
  requests: InferRequest[],
  answer: (records: JobRecord[], urlOf: (blobId: string) => string) => Promise<unknown>,
  headersFrom: (records: JobRecord[]) => JobRecord | JobRecord[],
): EndpointJobs {
  return {
    requests,
    reply: async (records, urlOf) => ({ record: headersFrom(records), json: await answer(records, urlOf) }),
    lineBody: (records) => answer(records, blobPath),
  };
}

/**
 * Runs an endpoint's jobs for the HTTP request `req`, all at once, each to its end; then its
 * follow-up jobs, if any, the same way.
 */
export async function runJobs(
  inference: InferenceService,
  jobs: EndpointJobs,
  req: FastifyRequest,
): Promise<JobRecord[]> {
  const run = (requests: InferRequest[]) =>
    Promise.all(requests.map((request) => runToCompletion(inference, request, req)));
  const records = await run(jobs.requests);
  return jobs.followUp ? [...records, ...(await run(await jobs.followUp(records)))] : records;
}

/** Sends an endpoint's answer with status 200 and the route headers. */
export async function sendAnswer(reply: FastifyReply, answer: HttpAnswer): Promise<void> {
  void reply.status(200).headers(routeHeaders(...[answer.record].flat()));
  if ('json' in answer) await reply.send(answer.json);
  else await reply.headers(answer.headers).send(answer.bytes);
}
