import { InferRequestSchema, type InferRequest } from '@omnigate/contracts';
import type { JobRecord } from '../jobs/job-record';
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

/** A whole (not streamed) chat completion: its one job and its answer. */
export function chatJobs(
  body: ChatCompletionRequest,
  deps: EndpointDeps,
  priority?: number,
): EndpointJobs & { asked: string } {
  const { request, asked } = chatJobRequest(body, deps.models, priority);
  const jobs = jsonJobs(
    [request],
    ([record]) => chatAnswer(deps, record!),
    ([record]) => record!,
  );
  return { ...jobs, asked };
}

/**
 * `POST /v1/chat/completions`, defined once for the endpoint and its batch lines: the schema is
 * ChatCompletionRequestSchema (chat-request.ts, with the conversation's mapping), the job is
 * chatJobRequest, the answer chatAnswer; streaming is the controller's alone (a line cannot).
 */
export const chatEndpoint: FacadeEndpoint = {
  lineJobs(body, deps, priority) {
    const chat = ChatCompletionRequestSchema.parse(body);
    if (chat.stream) throw invalidParam('stream', 'a batch line cannot stream; leave stream out');
    return chatJobs(chat, deps, priority);
  },
};
