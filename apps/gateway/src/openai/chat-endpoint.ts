import { InferRequestSchema, type InferRequest } from '@omnigate/contracts';
import type { JobRecord } from '../jobs/job-record';
import {
  chatTranscript,
  spokenAnswer,
  spokenMessageAudio,
  withTranscripts,
  type SpokenAnswer,
  type SpokenFormat,
} from './chat-audio';
import { answerInfo, chatCompletion } from './chat-completion';
import {
  chatOptions,
  ChatCompletionRequestSchema,
  mapConversation,
  type ChatCompletionRequest,
  type ChatParameters,
  type MappedConversation,
} from './chat-request';
import { jsonJobs, type EndpointDeps, type EndpointJobs, type FacadeEndpoint } from './facade-endpoint';
import { outputText, singleOutput } from './facade-job';
import { AUTO_MODEL, type ModelCatalog } from './model-catalog';
import { invalidParam } from './openai-error';
import { extended } from '../common/extended';

/**
 * A chat completion body as one job of task `chat`: refuses what this gateway does not do, maps
 * the conversation's media parts to inputs, and pins the model asked for. `asked` is the model
 * as resolved: an adapter id, or `auto`.
 */
export function chatJobRequest(
  body: ChatCompletionRequest,
  models: ModelCatalog,
  priority?: number,
): { request: InferRequest; asked: string } {
  if (body.n && body.n > 1) {
    throw invalidParam('n', 'this gateway answers one choice per request; send n: 1 or leave it out');
  }
  for (const param of ['tools', 'functions'] as const) {
    if (body[param]?.length) {
      throw invalidParam(param, `${param} are not supported by this gateway's chat endpoint yet`);
    }
  }
  return conversationJobRequest(mapConversation(body.messages), body, models, priority);
}

/**
 * A conversation already mapped to inputs and messages (chat's own mapping, or the Responses
 * API's, whose media are blob references) as one job of task `chat` with `body`'s parameters.
 */
export function conversationJobRequest(
  conversation: MappedConversation,
  body: ChatParameters,
  models: ModelCatalog,
  priority?: number,
): { request: InferRequest; asked: string } {
  const resolved = models.resolve(
    body.model,
    'chat',
    (adapter) =>
      adapter.descriptor.capabilities.some((c) => c.inputs.includes('image')) === conversation.hasImage,
  );
  const task = models.taskFor('chat', resolved);
  // No chat model hears audio: with auto, a spoken question goes through a transcriber (the
  // cheapest audio → text hop would describe the sound instead of saying what was said).
  const adapter = resolved.adapter ?? (conversation.hasAudio ? models.cheapest('transcribe') : undefined);
  const request = InferRequestSchema.parse({
    inputs: conversation.inputs,
    output: { modality: 'text' },
    ...(task ? { task } : {}),
    ...(adapter ? { adapter } : {}),
    options: { ...chatOptions(body), messages: conversation.messages },
    ...(priority !== undefined ? { priority } : {}),
  });
  return { request, asked: resolved.adapter ?? AUTO_MODEL };
}

/** The `chat.completion` of a completed chat job (its id from the job's). */
export async function chatAnswer(deps: Pick<EndpointDeps, 'blobs'>, record: JobRecord): Promise<unknown> {
  const content = await outputText(deps.blobs, singleOutput(record, 'text'));
  return chatCompletion(`chatcmpl-${record.id.replaceAll('-', '')}`, content, answerInfo(record));
}

/** The `chat.completion` of a spoken answer: the chat job's, with `message.audio` from its speech job. */
export async function spokenChatAnswer(
  deps: Pick<EndpointDeps, 'blobs' | 'audioAnswers'>,
  chat: JobRecord,
  speech: JobRecord,
  format: SpokenFormat,
): Promise<unknown> {
  const audio = await spokenMessageAudio(deps, chat, speech, format);
  return chatCompletion(`chatcmpl-${chat.id.replaceAll('-', '')}`, audio.transcript, answerInfo(chat), audio);
}

/**
 * A request as what runs before any job: the spoken answer it asks for (checked first, so that
 * a bad voice or format is refused before the chat runs), and the conversation with earlier
 * spoken answers as their transcripts.
 */
export async function prepareChat(
  body: ChatCompletionRequest,
  deps: EndpointDeps,
): Promise<{ body: ChatCompletionRequest; spoken?: SpokenAnswer }> {
  const spoken = spokenAnswer(body, deps);
  const messages = await withTranscripts(body.messages, deps.audioAnswers);
  return { body: { ...body, messages }, ...(spoken ? { spoken } : {}) };
}

/**
 * A whole (not streamed) chat completion: its one job and its answer; for a spoken answer, the
 * chat job and then the speech job that says its text.
 */
export async function chatJobs(
  body: ChatCompletionRequest,
  deps: EndpointDeps,
  priority?: number,
): Promise<EndpointJobs & { asked: string }> {
  const prepared = await prepareChat(body, deps);
  const { request, asked } = chatJobRequest(prepared.body, deps.models, priority);
  const { spoken } = prepared;
  if (!spoken) {
    const jobs = jsonJobs(
      [request],
      ([record]) => chatAnswer(deps, record!),
      ([record]) => record!,
    );
    return extended(jobs, { asked });
  }
  const jobs = jsonJobs(
    [request],
    ([chat, speech]) => spokenChatAnswer(deps, chat!, speech!, spoken.format),
    (records) => records,
  );
  return {
    ...jobs,
    followUp: async ([chat]) => [spoken.request(await chatTranscript(deps, chat!), priority)],
    asked,
  };
}

/**
 * `POST /v1/chat/completions`, defined once for the endpoint and its batch lines: the schema is
 * ChatCompletionRequestSchema (chat-request.ts, with the conversation's mapping), the job is
 * chatJobRequest (and a spoken answer's speech job, chat-audio.ts), the answer chatAnswer or
 * spokenChatAnswer; streaming is the controller's alone (a line cannot).
 */
export const chatEndpoint: FacadeEndpoint = {
  lineJobs(body, deps, priority) {
    const chat = ChatCompletionRequestSchema.parse(body);
    if (chat.stream) throw invalidParam('stream', 'a batch line cannot stream; leave stream out');
    return chatJobs(chat, deps, priority);
  },
};
