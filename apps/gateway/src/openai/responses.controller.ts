import { Controller, Delete, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { listPage, type ListPage } from '../batches/list-page';
import { GatewayError } from '../errors/gateway-error';
import { InferenceService } from '../inference/inference.service';
import { CONVERSATION_STORE, type ConversationStore } from './conversation-store';
import { conversationTurn } from './conversation-turn';
import { jsonBody, routeHeaders, runToCompletion } from './facade-job';
import { ModelCatalog } from './model-catalog';
import { RESPONSE_STORE, type ResponseStore, type StoredResponse } from './response-store';
import { RESPONSE_ID, responseJob } from './responses-endpoint';
import { ResponseCreateRequestSchema, type ResponseInputMessage } from './responses-request';

/** Query of `GET /v1/responses/:id/input_items`, as OpenAI's (newest first by default). */
const InputItemsQuerySchema = z.object({
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(256).optional(),
});

/** 404 in OpenAI's shape for a response this gateway does not hold (never stored, deleted or expired). */
function responseNotFound(id: string, param: string | null = null): GatewayError {
  // An id of another shape is not quoted back: it is whatever the caller put in the path.
  const named = RESPONSE_ID.test(id) ? `Response with id '${id}'` : 'A response with this id';
  return new GatewayError('not_found', `${named} not found.`, {
    ...(param ? { param } : {}),
  });
}

/**
 * `/v1/responses` (OpenAI's Responses API) on the chat path (responses-endpoint.ts): each
 * request is one chat job; with `store` (the default) the response, its input items and the
 * conversation so far are kept (response-store.ts) for retrieval and `previous_response_id`.
 */
@Controller('v1/responses')
export class ResponsesController {
  constructor(
    private readonly inference: InferenceService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(RESPONSE_STORE) private readonly store: ResponseStore,
    @Inject(CONVERSATION_STORE) private readonly conversations: ConversationStore,
    private readonly models: ModelCatalog,
  ) {}

  @Post()
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = ResponseCreateRequestSchema.parse(jsonBody(req));
    const turn = await conversationTurn(this.conversations, body);
    const previousId = body.previous_response_id;
    const previous = previousId ? await this.find(previousId, 'previous_response_id') : turn?.previous;
    const job = responseJob(body, previous, { models: this.models, blobs: this.blobs });
    const record = await runToCompletion(this.inference, job.request, req);
    const stored = await job.build(record);
    if (body.store !== false) await this.store.put(stored);
    await turn?.record(stored);
    await reply.status(200).headers(routeHeaders(record)).send(stored.response);
  }

  @Get(':id')
  async retrieve(@Param('id') id: string): Promise<unknown> {
    return (await this.find(id)).response;
  }

  @Get(':id/input_items')
  async inputItems(
    @Param('id') id: string,
    @Query() query: unknown,
  ): Promise<ListPage<ResponseInputMessage>> {
    const { order, limit, after } = InputItemsQuerySchema.parse(query);
    const items = (await this.find(id)).inputItems;
    const ordered = order === 'desc' ? [...items].reverse() : items;
    const start = after === undefined ? 0 : ordered.findIndex((item) => item.id === after) + 1;
    if (after !== undefined && start === 0) return listPage([], false);
    const page = ordered.slice(start, start + limit);
    return listPage(page, start + limit < ordered.length);
  }

  @Delete(':id')
  async delete(@Param('id') id: string): Promise<{ id: string; object: 'response'; deleted: true }> {
    if (!RESPONSE_ID.test(id) || !(await this.store.delete(id))) throw responseNotFound(id);
    return { id, object: 'response', deleted: true };
  }

  private async find(id: string, param?: string): Promise<StoredResponse> {
    const stored = RESPONSE_ID.test(id) ? await this.store.get(id) : undefined;
    if (!stored) throw responseNotFound(id, param);
    return stored;
  }
}
