import type { InferRequest } from '@omnigate/contracts';
import type { JobRecord } from '../jobs/job-record';
import { answerInfo } from './chat-completion';
import { chatJobRequest } from './chat-endpoint';
import { ChatCompletionRequestSchema, type ChatRequestMessage } from './chat-request';
import { conversationIdOf } from './conversation-id';
import type { EndpointDeps } from './facade-endpoint';
import { outputText, singleOutput } from './facade-job';
import { invalidParam } from './openai-error';
import type { StoredResponse } from './response-store';
import { mapInput, newItemId, type ResponseCreateRequest } from './responses-request';

/** `resp_` and 32 hex digits: the id a stored response is looked up by (anything else is unknown). */
export const RESPONSE_ID = /^resp_[0-9a-f]{32}$/;

/** What this gateway's Responses endpoint does not do yet: refused (400) rather than ignored. */
function refuseUnsupported(body: ResponseCreateRequest): void {
  if (body.stream)
    throw invalidParam(
      'stream',
      'streamed responses are not supported by this gateway yet; leave stream out',
    );
  if (body.background)
    throw invalidParam('background', 'background responses are not supported by this gateway yet');
  if (body.tools?.length)
    throw invalidParam('tools', 'tools are not supported by this gateway’s responses endpoint yet');
  // With previous_response_id too, 400: the caller reads the conversation (conversation-turn.ts).
  conversationIdOf(body);
}

/**
 * A Responses request as one chat job: the earlier turns of `previous` (the stored response's
 * conversation, or a conversation's messages: ConversationTurn.previous), then
 * `instructions` as a system message first, then this input; `build` turns the completed job
 * into the Response object and what to store for a follow-up.
 */
export function responseJob(
  body: ResponseCreateRequest,
  previous: Pick<StoredResponse, 'conversation'> | undefined,
  deps: Pick<EndpointDeps, 'models' | 'blobs'>,
): {
  request: InferRequest;
  build(record: JobRecord): Promise<StoredResponse>;
} {
  refuseUnsupported(body);
  const input = mapInput(body.input);
  const history = previous?.conversation ?? [];
  const chat = ChatCompletionRequestSchema.parse({
    model: body.model,
    messages: [
      ...(body.instructions ? [{ role: 'system', content: body.instructions }] : []),
      ...history,
      ...input.messages,
    ],
    temperature: body.temperature,
    top_p: body.top_p,
    max_completion_tokens: body.max_output_tokens,
    user: body.user,
  });
  const { request } = chatJobRequest(chat, deps.models);
  return {
    request,
    async build(record) {
      const text = await outputText(deps.blobs, singleOutput(record, 'text'));
      const answer: ChatRequestMessage = { role: 'assistant', content: text };
      return {
        response: responseObject(body, record, text),
        inputItems: input.items,
        conversation: [...history, ...input.messages, answer],
      };
    },
  };
}

/** The `response` object of a completed chat job (its id from the job's). */
function responseObject(
  body: ResponseCreateRequest,
  record: JobRecord,
  text: string,
): StoredResponse['response'] {
  const info = answerInfo(record);
  const conversation = conversationIdOf(body);
  const truncated = info.finishReason === 'length';
  const details = (key: string) => {
    const value = info.usage[key];
    return value && typeof value === 'object' ? value : undefined;
  };
  return {
    id: `resp_${record.id.replaceAll('-', '')}`,
    object: 'response',
    created_at: info.created,
    status: truncated ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: truncated ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: info.model,
    output: [
      {
        type: 'message',
        id: newItemId(),
        status: truncated ? 'incomplete' : 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ],
    parallel_tool_calls: false,
    previous_response_id: body.previous_response_id ?? null,
    ...(conversation ? { conversation: { id: conversation } } : {}),
    store: body.store ?? true,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    truncation: 'disabled',
    metadata: body.metadata ?? {},
    ...(body.user ? { user: body.user } : {}),
    usage: {
      input_tokens: info.usage.prompt_tokens,
      input_tokens_details: details('prompt_tokens_details') ?? { cached_tokens: 0 },
      output_tokens: info.usage.completion_tokens,
      output_tokens_details: details('completion_tokens_details') ?? { reasoning_tokens: 0 },
      total_tokens: info.usage.total_tokens,
    },
  };
}
