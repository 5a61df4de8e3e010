import { z } from 'zod';
import { CONVERSATION_LIMITS, type AppendResult, type ConversationItem } from './conversation-store';
import { invalidParam } from './openai-error';
import type { BlobStore } from '../blobs/blob-store';
import { storeInlineMedia } from './responses-media';
import { InputItemSchema, mapInput } from './responses-request';

/** Items one create call may add, as on OpenAI. */
const ITEMS_PER_CALL = 20;

/** OpenAI's metadata: at most 16 pairs, keys up to 64 characters, values up to 512. */
const MetadataSchema = z
  .record(z.string().max(64), z.string().max(512))
  .refine((metadata) => Object.keys(metadata).length <= 16, 'metadata holds at most 16 pairs');

/** Body of `POST /v1/conversations`. */
export const ConversationCreateRequestSchema = z
  .object({
    items: z.array(InputItemSchema).max(ITEMS_PER_CALL).nullish(),
    metadata: MetadataSchema.nullish(),
  })
  .meta({ id: 'OpenAiConversationCreateRequest' });

/** Body of `POST /v1/conversations/:id`: the metadata replaces the old (null: none). */
export const ConversationUpdateRequestSchema = z
  .object({ metadata: MetadataSchema.nullable() })
  .meta({ id: 'OpenAiConversationUpdateRequest' });

/** Body of `POST /v1/conversations/:id/items`. */
export const ConversationItemsCreateRequestSchema = z
  .object({ items: z.array(InputItemSchema).min(1).max(ITEMS_PER_CALL) })
  .meta({ id: 'OpenAiConversationItemsCreateRequest' });

/**
 * Query of `GET /v1/conversations/:id/items`, as OpenAI's (newest first by default). `include`
 * is read and ignored: what it can ask for that a message has (`message.input_image.image_url`)
 * is always there.
 */
export const ConversationItemsQuerySchema = z.object({
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(256).optional(),
});

/**
 * Items as sent (message items of the types a response's input takes) as the conversation keeps
 * them, with their ids and their inline media stored as blobs (kept by reference, as a
 * response's input is); another item or part type is 400 naming it at `items[i]`.
 */
export async function conversationItems(
  items: z.infer<typeof InputItemSchema>[],
  blobs: BlobStore,
): Promise<ConversationItem[]> {
  if (items.length === 0) return [];
  const messages = mapInput(items, 'items');
  await storeInlineMedia(messages, blobs);
  return messages;
}

/**
 * Throws the 400 for items a conversation did not take (`param` names them), or the 404 from
 * `notFound` when it is gone; nothing for `ok`.
 */
export function checkAppended(result: AppendResult, param: string, notFound: () => Error): void {
  if (result === 'ok') return;
  if (result === 'not_found') throw notFound();
  if (result === 'too_many_items') {
    throw invalidParam(
      param,
      `a conversation holds at most ${CONVERSATION_LIMITS.items} items; delete some or start a new conversation`,
      'too_many_items',
    );
  }
  if (result === 'too_large') {
    throw invalidParam(
      param,
      `a conversation holds at most ${CONVERSATION_LIMITS.bytes} bytes of items (as JSON); send media as blob or file references, or start a new conversation`,
      'conversation_too_large',
    );
  }
  if ('itemTooLarge' in result) {
    throw invalidParam(
      `${param}[${result.itemTooLarge}]`,
      `an item is at most ${CONVERSATION_LIMITS.itemBytes} bytes (as JSON); send media as blob or file references`,
      'item_too_large',
    );
  }
  const shown = result.duplicate.length > 64 ? `${result.duplicate.slice(0, 64)}…` : result.duplicate;
  throw invalidParam(
    param,
    `the conversation has an item with id '${shown}' already (or it was sent twice); leave id out for a new one`,
    'duplicate_item_id',
  );
}
