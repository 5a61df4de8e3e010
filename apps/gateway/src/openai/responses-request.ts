import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ChatContentPart, ChatRequestMessage } from './chat-request';
import { ConversationParamSchema } from './conversation-id';
import { invalidParam } from './openai-error';

/** `input_image`'s detail, as chat's `image_url` takes it. */
const DetailSchema = z.enum(['auto', 'low', 'high']);

/**
 * One input item as sent: read loosely so that an item or part of a type this gateway does not
 * take is refused by name (400) rather than as a schema mismatch.
 */
export const InputItemSchema = z.looseObject({
  type: z.string().optional(),
  role: z.string().optional(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
});

/** Body of `POST /v1/responses` (the fields the gateway reads; others are ignored). */
export const ResponseCreateRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    input: z.union([z.string(), z.array(InputItemSchema).min(1).max(1024)]),
    instructions: z.string().nullish(),
    previous_response_id: z.string().max(256).nullish(),
    store: z.boolean().nullish(),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    max_output_tokens: z.number().int().positive().nullish(),
    user: z.string().max(256).nullish(),
    /** Not in this gateway yet: read only to refuse them rather than answer as if they were not sent. */
    stream: z.boolean().nullish(),
    background: z.boolean().nullish(),
    tools: z.array(z.unknown()).nullish(),
    /** The conversation (conversation-turn.ts) whose items come before this input, and to which its items are added. */
    conversation: ConversationParamSchema.nullish(),
  })
  .meta({ id: 'OpenAiResponseCreateRequest' });
export type ResponseCreateRequest = z.infer<typeof ResponseCreateRequestSchema>;

/** A part of an input message as the Responses API lists it back (`input_items`). */
export type ResponseInputPart =
  | { type: 'input_text'; text: string }
  | { type: 'output_text'; text: string; annotations: [] }
  | { type: 'input_image'; image_url: string; detail: 'auto' | 'low' | 'high' };

/** An input message with its id, as `GET /v1/responses/:id/input_items` answers it. */
export interface ResponseInputMessage {
  id: string;
  type: 'message';
  role: 'user' | 'assistant' | 'system' | 'developer';
  status: 'completed';
  content: ResponseInputPart[];
}

/** A request's input: the items to list back, and the same turns as chat messages. */
export interface MappedInput {
  items: ResponseInputMessage[];
  messages: ChatRequestMessage[];
}

/** `msg_` and 32 hex digits, as OpenAI's item ids look. */
export const newItemId = (): string => `msg_${randomUUID().replaceAll('-', '')}`;

const ROLES = new Set(['user', 'assistant', 'system', 'developer']);

/**
 * The input (a string, or message items of `input_text`, `input_image` with a data URL, and
 * `output_text` for earlier assistant turns) as items and chat messages; any other item or
 * part type is 400 naming it (`param`: where the items are, `input` or a conversation's `items`).
 * The data URLs are checked where chat checks them (mapConversation).
 */
export function mapInput(input: ResponseCreateRequest['input'], param = 'input'): MappedInput {
  if (typeof input === 'string') {
    return {
      items: [
        {
          id: newItemId(),
          type: 'message',
          role: 'user',
          status: 'completed',
          content: [{ type: 'input_text', text: input }],
        },
      ],
      messages: [{ role: 'user', content: input }],
    };
  }
  const items = input.map((item, i) => inputMessage(item, `${param}[${i}]`));
  return { items, messages: items.map(chatMessage) };
}

function inputMessage(item: z.infer<typeof InputItemSchema>, param: string): ResponseInputMessage {
  const type = item.type ?? 'message';
  if (type !== 'message') {
    throw invalidParam(
      `${param}.type`,
      `input items of type '${type}' are not supported by this gateway yet`,
      'unsupported_item_type',
    );
  }
  if (item.role === undefined || !ROLES.has(item.role)) {
    throw invalidParam(`${param}.role`, `a message needs a role: one of ${[...ROLES].join(', ')}`);
  }
  const role = item.role as ResponseInputMessage['role'];
  const { content } = item;
  if (content === undefined) throw invalidParam(`${param}.content`, 'a message needs content');
  const parts: ResponseInputPart[] =
    typeof content === 'string'
      ? [
          role === 'assistant'
            ? { type: 'output_text', text: content, annotations: [] }
            : { type: 'input_text', text: content },
        ]
      : content.map((part, p) => inputPart(part, `${param}.content[${p}]`));
  const id = typeof item.id === 'string' && item.id.length <= 256 ? item.id : newItemId();
  return { id, type: 'message', role, status: 'completed', content: parts };
}

function inputPart(part: { type: string } & Record<string, unknown>, param: string): ResponseInputPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text': {
      if (typeof part.text !== 'string')
        throw invalidParam(`${param}.text`, `an ${part.type} part needs text`);
      return part.type === 'input_text'
        ? { type: 'input_text', text: part.text }
        : { type: 'output_text', text: part.text, annotations: [] };
    }
    case 'input_image': {
      if (typeof part.image_url !== 'string' || part.image_url === '') {
        throw invalidParam(
          `${param}.image_url`,
          'an input_image part needs image_url as a base64 data URL (data:image/png;base64,...); file_id is not supported by this gateway yet',
        );
      }
      const detail = DetailSchema.safeParse(part.detail ?? 'auto');
      if (!detail.success) throw invalidParam(`${param}.detail`, 'detail must be auto, low or high');
      return { type: 'input_image', image_url: part.image_url, detail: detail.data };
    }
    default:
      throw invalidParam(
        `${param}.type`,
        `content parts of type '${part.type}' are not supported by this gateway yet`,
        'unsupported_content_type',
      );
  }
}

/** An input message as a chat message: text alone as a string, else chat's parts. */
export function chatMessage(item: ResponseInputMessage): ChatRequestMessage {
  const [only] = item.content;
  if (item.content.length === 1 && only && only.type !== 'input_image')
    return { role: item.role, content: only.text };
  const content = item.content.map((part): ChatContentPart =>
    part.type === 'input_image'
      ? { type: 'image_url', image_url: { url: part.image_url, detail: part.detail } }
      : { type: 'text', text: part.text },
  );
  return { role: item.role, content };
}
