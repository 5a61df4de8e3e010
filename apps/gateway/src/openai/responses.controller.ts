import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { listPage, type ListPage } from '../batches/list-page';
import { GatewayError } from '../errors/gateway-error';
import { InputInspector } from '../detection/input-inspector';
import { InferenceService } from '../inference/inference.service';
import { RoutePlanner } from '../routing/route-planner';
import { callerOf } from '../inference/job-caller';
import { jsonBody, routeHeaders, runToCompletion } from './facade-job';
import { ModelCatalog } from './model-catalog';
import { RESPONSE_STORE, type ResponseStore, type StoredResponse } from './response-store';
import {
  cancelBackground,
  continuable,
  currentResponse,
  refuseInBackground,
  startBackground,
  type BackgroundDeps,
} from './responses-background';
import { RESPONSE_ID, responseCreatedAt, responseJob, spokenPart, withMedia } from './responses-endpoint';
import { chatTranscript } from './chat-audio';
import type { InferRequest } from '@omnigate/contracts';
import { ResponseCreateRequestSchema, type ResponseInputMessage } from './responses-request';
import { streamResponse } from './responses-stream';

/** Query of `GET /v1/responses/:id/input_items`, as OpenAI's (newest first by default). */
const InputItemsQuerySchema = z.object({
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(256).optional(),
});

/**
 * 404 in OpenAI's shape for a response this gateway does not hold: never stored or deleted, or
 * (code `response_expired`) made longer ago than the store keeps responses, as its id tells.
 */
function responseNotFound(id: string, ttlS: number, param: string | null = null): GatewayError {
  const where = param ? { param } : {};
  // An id of another shape is not quoted back: it is whatever the caller put in the path.
  if (!RESPONSE_ID.test(id))
    return new GatewayError('not_found', 'A response with this id not found.', where);
  if (Date.now() - responseCreatedAt(id) > ttlS * 1000) {
    return new GatewayError(
      'not_found',
      `Response with id '${id}' expired: stored responses are kept for ${ttlS} s (RESPONSES_TTL_S).`,
      { ...where, openAiCode: 'response_expired' },
    );
  }
  return new GatewayError('not_found', `Response with id '${id}' not found.`, where);
}

/**
 * `/v1/responses` (OpenAI's Responses API) on the chat path (responses-endpoint.ts): each
 * request is one chat job, answered whole, streamed as Responses events (responses-stream.ts)
 * or run in the background (responses-background.ts); with `store` (the default) the response,
 * its input items and the conversation so far are kept (response-store.ts) for retrieval and
 * `previous_response_id`.
 */
@Controller('v1/responses')
export class ResponsesController {
  private readonly deps: BackgroundDeps;

  constructor(
    private readonly inference: InferenceService,
    @Inject(BLOB_STORE) blobs: BlobStore,
    @Inject(RESPONSE_STORE) private readonly store: ResponseStore,
    models: ModelCatalog,
    private readonly inspector: InputInspector,
    private readonly planner: RoutePlanner,
  ) {
    this.deps = { inference, blobs, store, models };
  }

  @Post()
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = ResponseCreateRequestSchema.parse(jsonBody(req));
    const previousId = body.previous_response_id;
    const previous = previousId
      ? continuable(await this.find(previousId, 'previous_response_id'))
      : undefined;
    if (body.background) refuseInBackground(body);
    const job = await responseJob(body, previous?.conversation ?? [], {
      ...this.deps,
      planner: this.planner,
      reader: {
        inspector: this.inspector,
        blobs: this.deps.blobs,
        // The media's reading jobs are the request's own: traced and owned as it is.
        run: (request) => runToCompletion(this.inference, request, req),
      },
    });
    if (body.background) {
      const { stored, record } = await startBackground(body, job, this.deps, callerOf(req));
      await reply.status(200).header('x-omnigate-job', record.id).send(stored.response);
      return;
    }
    if (body.stream) return streamResponse(req, reply, body, job, this.deps);
    const run = (request: InferRequest) => runToCompletion(this.inference, request, req);
    const record = await run(job.request);
    const spoken = job.speech
      ? await spokenPart(job.speech, await chatTranscript(this.deps, record), run, this.deps.blobs)
      : undefined;
    const stored = await job.build(record, undefined, spoken?.part);
    if (body.store !== false) await this.store.put(stored);
    const response = await withMedia(stored.response, this.deps.blobs);
    const records = spoken ? [record, spoken.record] : [record];
    await reply
      .status(200)
      .headers(routeHeaders(...records))
      .send(response);
  }

  /** A stored response; a background one as its job stands (settled once the job ended). */
  @Get(':id')
  async retrieve(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const stored = await this.find(id);
    if (stored.background) void reply.header('x-omnigate-job', stored.background.jobId);
    await reply.send(await withMedia(stored.response, this.deps.blobs));
  }

  /** Cancels a background response's job (400 for any other response, as OpenAI's). */
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id') id: string): Promise<unknown> {
    return (await cancelBackground(await this.find(id, undefined, false), this.deps)).response;
  }

  @Get(':id/input_items')
  async inputItems(
    @Param('id') id: string,
    @Query() query: unknown,
  ): Promise<ListPage<ResponseInputMessage>> {
    const { order, limit, after } = InputItemsQuerySchema.parse(query);
    const items = (await this.find(id, undefined, false)).inputItems;
    const ordered = order === 'desc' ? [...items].reverse() : items;
    const start = after === undefined ? 0 : ordered.findIndex((item) => item.id === after) + 1;
    if (after !== undefined && start === 0) return listPage([], false);
    const page = ordered.slice(start, start + limit);
    return listPage(page, start + limit < ordered.length);
  }

  @Delete(':id')
  async delete(@Param('id') id: string): Promise<{ id: string; object: 'response'; deleted: true }> {
    if (!RESPONSE_ID.test(id) || !(await this.store.delete(id))) throw responseNotFound(id, this.store.ttlS);
    return { id, object: 'response', deleted: true };
  }

  /** The response as it stands (currentResponse), or as stored with `settle` false; 404 if unknown. */
  private async find(id: string, param?: string, settle = true): Promise<StoredResponse> {
    const stored = RESPONSE_ID.test(id) ? await this.store.get(id) : undefined;
    if (!stored) throw responseNotFound(id, this.store.ttlS, param);
    return settle ? currentResponse(stored, this.deps) : stored;
  }
}
