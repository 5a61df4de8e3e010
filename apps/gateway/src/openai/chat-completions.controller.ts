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
import { audioChunks, chatTranscript, keepSpokenAnswer, newAudioId, type SpokenAnswer } from './chat-audio';
import { chatJobRequest, chatJobs, prepareChat } from './chat-endpoint';
import { ChatCompletionRequestSchema, type ChatCompletionRequest } from './chat-request';
import { runJobs, sendAnswer, type EndpointDeps } from './facade-endpoint';
import { blobUrl, completed, jsonBody, routeHeaders } from './facade-job';
import { ModelCatalog } from './model-catalog';
import { toOpenAiError } from './openai-error';
import { callerOf } from '../inference/job-caller';

/**
 * `POST /v1/chat/completions`: a conversation as one job of task `chat` (chat-endpoint.ts), and
 * for a spoken answer a speech job after it (chat-audio.ts), answered whole or streamed (here: a
 * batch line cannot stream).
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
    if (body.stream) {
      const prepared = await prepareChat(body, this.deps);
      const { request, asked } = chatJobRequest(prepared.body, this.deps.models);
      return this.stream(req, reply, { request, body, asked, spoken: prepared.spoken });
    }
    const jobs = await chatJobs(body, this.deps);
    const records = await runJobs(this.inference, jobs, req);
    await sendAnswer(reply, await jobs.reply(records, (blobId) => blobUrl(req, blobId)));
  }

  /**
   * Server-sent `chat.completion.chunk` events. The status line waits for the first piece (or
   * the end), so a request that fails before any text still gets its error status; after
   * that, an error is an `{error}` event. A client that goes away cancels the job. A spoken
   * answer streams its transcript as the chat job writes it (`delta.audio.transcript`), then
   * its audio once the speech job has said it (`delta.audio.data`).
   */
  private async stream(
    req: FastifyRequest,
    reply: FastifyReply,
    { request, body, asked, spoken }: StreamedChat,
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
    const audioId = spoken ? newAudioId() : undefined;
    let started = false;
    let pieces = 0;
    const start = (records: JobRecord[] = []) => {
      if (started) return;
      started = true;
      reply.hijack();
      raw.writeHead(200, { ...SSE_HEADERS, ...(records.length > 0 ? routeHeaders(...records) : {}) });
      writer.role(records[0] ? answerInfo(records[0]).model : asked, spoken ? null : '');
    };
    // A piece of the answer: content, or a spoken answer's transcript (the first names the audio).
    const piece = (model: string, text: string) => {
      if (audioId) writer.transcript(model, text, pieces === 0 ? audioId : undefined);
      else writer.content(model, text);
      pieces++;
    };
    const run = (job: InferRequest, onDelta: (delta: string) => void) =>
      this.inference.runStreaming(job, {
        signal: abort.signal,
        timeoutMs: job.timeoutMs,
        caller: callerOf(req),
        onDelta,
      });
    try {
      const ended = await run(request, (delta) => {
        if (abort.signal.aborted || delta === '') return;
        start();
        piece(asked, delta);
      });
      if (abort.signal.aborted) {
        if (!started) reply.hijack();
        return;
      }
      const chat = completed(ended);
      const info = answerInfo(chat);
      const records = [chat];
      let audio: { audio: Buffer; expiresAt: number } | undefined;
      if (spoken) {
        const transcript = await chatTranscript(this.deps, chat);
        const said = await run(spoken.request(transcript), () => {});
        if (abort.signal.aborted) {
          if (!started) reply.hijack();
          return;
        }
        const speech = completed(said);
        records.push(speech);
        audio = await keepSpokenAnswer(this.deps, speech, {
          id: audioId!,
          transcript,
          format: spoken.format,
        });
      }
      if (!started) {
        // Nothing streamed (the chat adapter does not stream): the answer as one piece.
        start(records);
        const content = await chatTranscript(this.deps, chat);
        if (content !== '') piece(info.model, content);
      } else {
        // The headers left before the route was known: it follows as SSE comments.
        const headers = Object.entries(routeHeaders(...records));
        raw.write(`${headers.map(([name, value]) => `: ${name} ${value}\n`).join('')}\n`);
      }
      if (audio) {
        for (const data of audioChunks(audio.audio)) writer.audioData(info.model, data);
        writer.audioEnd(info.model, audioId!, audio.expiresAt);
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

/** A streamed request as its chat job, and the spoken answer it asks for. */
interface StreamedChat {
  request: InferRequest;
  body: ChatCompletionRequest;
  /** The model asked for, as resolved: what chunks name until the answer's is known. */
  asked: string;
  spoken?: SpokenAnswer;
}
