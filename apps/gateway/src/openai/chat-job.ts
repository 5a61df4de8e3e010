import { InferRequestSchema, type InferRequest } from '@omnigate/contracts';
import { chatOptions, mapConversation, type ChatCompletionRequest } from './chat-request';
import { AUTO_MODEL, type ModelCatalog } from './model-catalog';
import { invalidParam } from './openai-error';

/**
 * A chat completion body as one job of task `chat` (the endpoint's and a batch line's): refuses
 * what this gateway does not do, maps the conversation's media parts to inputs, and pins the
 * model asked for. `asked` is the model as resolved: an adapter id, or `auto`.
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
  const conversation = mapConversation(body.messages);
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
