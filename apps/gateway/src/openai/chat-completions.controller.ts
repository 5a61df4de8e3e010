import { randomUUID } from 'node:crypto';
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { InferRequest } from '@omnigate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { AUDIO_ANSWER_STORE, type AudioAnswerStore } from './audio-answer-store';
import { SSE_HEADERS } from '../events/sse-frame';
import { InferenceService } from '../inference/inference.service';
import type { JobRecord } from '../jobs/job-record';
import { RoutePlanner } from '../routing/route-planner';
import { answerInfo, ChatChunkWriter, nowSeconds } from './chat-completion';
import { chatJobs } from './chat-endpoint';
import { ChatCompletionRequestSchema, type ChatCompletionRequest } from './chat-request';
import { runJobs, sendAnswer, type EndpointDeps } from './facade-endpoint';
import {
  blobUrl,
  completed,
  describeFallback,
  describeRoute,
  jsonBody,
  outputText,
  routeHeaders,
  singleOutput,
} from './facade-job';
import { ModelCatalog } from './model-catalog';
import { toOpenAiError } from './openai-error';
import { callerOf } from '../inference/job-caller';

/**
 * `POST /v1/chat/completions`: a conversation as one job of task `chat` (chat-endpoint.ts),
 * answered whole or streamed (here: a batch line cannot stream).
 */
@Controller('v1/chat')
export class ChatCompletionsController {
  private readonly deps: EndpointDeps;

  constructor(
    private readonly inference: InferenceService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    models: ModelCatalog,
    planner: RoutePlanner,
    @Inject(AUDIO_ANSWER_STORE) audioAnswers: AudioAnswerStore,
  ) {
    this.deps = { models, blobs, planner, audioAnswers };
  }

  @Post('completions')
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = ChatCompletionRequestSchema.parse(jsonBody(req));
    const jobs = await chatJobs(body, this.deps);
    if (body.stream) return this.stream(req, reply, jobs.requests[0]!, body, jobs.asked);
    const records = await runJobs(this.inference, jobs, req);
    await sendAnswer(reply, await jobs.reply(records, (blobId) => blobUrl(req, blobId)));
  }

  /**
   * Server-sent `chat.completion.chunk` events. The status line waits for the first piece (or
   * the end), so a request that fails before any text still gets its error status; after
   * that, an error is an `{error}` event. A client that goes away cancels the job.
   */
  private async stream(
    req: FastifyRequest,
    reply: FastifyReply,
    request: InferRequest,
    body: ChatCompletionRequest,
    asked: string,
  ): Promise<void> {
    const raw = reply.raw;
    const abort = new AbortController();
    const onClose = () => {
      if (!raw.writableFinished) abort.abort();
    };
    raw.on('close', onClose);
    const writer = new ChatChunkWriter(
      `chatcmpl-${randomUUID().replaceAll('-', '')}`,
      nowSeconds(),
      body.stream_options?.include_usage === true,
      (event) => raw.write(event),
    );
    let started = false;
    const start = (record?: JobRecord) => {
      if (started) return;
      started = true;
      reply.hijack();
      raw.writeHead(200, { ...SSE_HEADERS, ...(record ? routeHeaders(record) : {}) });
      writer.role(record ? answerInfo(record).model : asked);
    };
    try {
      const ended = await this.inference.runStreaming(request, {
        signal: abort.signal,
        timeoutMs: request.timeoutMs,
        caller: callerOf(req),
        onDelta: (delta) => {
          if (abort.signal.aborted || delta === '') return;
          start();
          writer.content(asked, delta);
        },
      });
      if (abort.signal.aborted) {
        if (!started) reply.hijack();
        return;
      }
      const record = completed(ended);
      const info = answerInfo(record);
      if (!started) {
        // Nothing streamed (the last hop's adapter does not stream): the answer as one piece.
        start(record);
        const content = await outputText(this.blobs, singleOutput(record, 'text'));
        if (content !== '') writer.content(info.model, content);
      } else {
        // The headers left before the route was known: it follows as SSE comments.
        raw.write(`: x-omnigate-job ${record.id}\n: x-omnigate-route ${describeRoute(record)}\n`);
        const fallback = describeFallback(record);
        raw.write(fallback ? `: x-omnigate-fallback ${fallback}\n\n` : '\n');
      }
      writer.finish(info);
      raw.end();
    } catch (err) {
      if (!started) throw err;
      if (!raw.destroyed) {
        writer.error(toOpenAiError(err).body);
        raw.end();
      }
    } finally {
      raw.off('close', onClose);
    }
  }
}
