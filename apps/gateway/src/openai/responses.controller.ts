import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { listPage, type ListPage } from '../batches/list-page';
import { InputInspector } from '../detection/input-inspector';
import { InferenceService } from '../inference/inference.service';
import { RoutePlanner } from '../routing/route-planner';
import { callerOf } from '../inference/job-caller';
import { CONVERSATION_STORE, type ConversationStore } from './conversation-store';
import { conversationTurn } from './conversation-turn';
import { findStoredResponse, responseNotFound } from './stored-response';
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
import { RESPONSE_ID, responseJob, spokenPartOf, withMedia } from './responses-endpoint';
import { chatTranscript, type SpokenAnswer } from './chat-audio';
import type { JobRecord } from '../jobs/job-record';
import type { OutputAudioPart } from './responses-request';
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
    @Inject(CONVERSATION_STORE) private readonly conversations: ConversationStore,
  ) {
    this.deps = { inference, blobs, store, models };
  }

  @Post()
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = ResponseCreateRequestSchema.parse(jsonBody(req));
    const turn = await conversationTurn(this.conversations, body);
    const previousId = body.previous_response_id;
    const previous = previousId
      ? continuable(await this.find(previousId, 'previous_response_id'))
      : turn?.previous;
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
    // Kept before the answer is sent: stored (with `store`), and added to its conversation.
    const keep = async (stored: StoredResponse) => {
      if (body.store !== false) await this.store.put(stored);
      await turn?.record(stored);
    };
    if (body.stream) return streamResponse(req, reply, body, job, this.deps, keep);
    const run = (request: InferRequest) => runToCompletion(this.inference, request, req);
    const record = await run(job.request);
    const spoken = job.speech && (await this.speak(job.speech, record, run));
    const stored = await job.build(record, undefined, spoken?.part);
    await keep(stored);
    const response = await withMedia(stored.response, this.deps.blobs);
    const records = spoken ? [record, spoken.record] : [record];
    await reply
      .status(200)
      .headers(routeHeaders(...records))
      .send(response);
  }

  /** The speech job saying a chat job's answer, and the answer's `output_audio` part. */
  private async speak(
    speech: SpokenAnswer,
    chat: JobRecord,
    run: (request: InferRequest) => Promise<JobRecord>,
  ): Promise<{ part: OutputAudioPart; record: JobRecord }> {
    const transcript = await chatTranscript(this.deps, chat);
    const record = await run(speech.request(transcript));
    return { part: await spokenPartOf(speech, transcript, record, this.deps.blobs), record };
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
    const stored = await findStoredResponse(this.store, id, param);
    return settle ? currentResponse(stored, this.deps) : stored;
  }
}
