import { CONVERSATION_ID, conversationIdOf, conversationNotFound } from './conversation-id';
import { checkAppended } from './conversation-request';
import { CONVERSATION_LIMITS, type ConversationItem, type ConversationStore } from './conversation-store';
import { invalidParam } from './openai-error';
import type { StoredResponse } from './response-store';
import type { ConversationItem as TurnItem, ResponseCreateRequest } from './responses-request';

/**
 * A response in a conversation (`conversation` on `POST /v1/responses`): the conversation's items
 * are the turns before its input, and once it is answered its input items and output items are
 * added to the conversation, as OpenAI does.
 */
export interface ConversationTurn {
  /** As responseJob's `previous`: the conversation's messages, oldest first. */
  previous: Pick<StoredResponse, 'conversation'>;
  /**
   * Adds the response's input and output items. A conversation deleted meanwhile is left alone
   * (there is nothing to add to); one that filled up meanwhile is 400.
   */
  record(stored: StoredResponse): Promise<void>;
}

/**
 * The conversation `body` names, read before the job runs: undefined without one; 400 with
 * `previous_response_id` too, or when the turn would not fit or repeats an item id; 404 when
 * the conversation is unknown.
 */
export async function conversationTurn(
  store: ConversationStore,
  body: ResponseCreateRequest,
): Promise<ConversationTurn | undefined> {
  const id = conversationIdOf(body);
  if (id === undefined) return undefined;
  const items = CONVERSATION_ID.test(id) ? await store.items(id) : undefined;
  if (!items) throw conversationNotFound(id, 'conversation');
  checkRoom(items, body.input);
  return {
    previous: { conversation: history(items) },
    async record(stored) {
      const result = await store.append(id, [...stored.inputItems, ...outputItems(stored)]);
      if (result === 'not_found') return;
      checkAppended(result, 'conversation', () => conversationNotFound(id, 'conversation'));
    },
  };
}

/**
 * Refuses, before the job runs, a turn the conversation could not take afterwards: more items
 * than it has room for (the input and one answer), or an input item id it holds already.
 */
function checkRoom(items: ConversationItem[], input: ResponseCreateRequest['input']): void {
  const inputs = typeof input === 'string' ? [] : input;
  if (items.length + Math.max(inputs.length, 1) + 1 > CONVERSATION_LIMITS.items) {
    throw invalidParam(
      'conversation',
      `the conversation has ${items.length} items and holds at most ${CONVERSATION_LIMITS.items}; delete some or start a new conversation`,
      'too_many_items',
    );
  }
  const held = new Set(items.map((item) => item.id));
  const taken = inputs.findIndex((item) => typeof item.id === 'string' && held.has(item.id));
  if (taken !== -1) {
    throw invalidParam(
      `input[${taken}].id`,
      'the conversation has an item with this id already; send only the new input, or leave id out',
      'duplicate_item_id',
    );
  }
}

/**
 * The conversation's items as a response's history: its messages and generated images (the
 * types a response adds), as responseJob reads them.
 */
function history(items: ConversationItem[]): TurnItem[] {
  return items.filter(
    (item): item is TurnItem => item.type === 'message' || item.type === 'image_generation_call',
  );
}

/** The response's output items, each with its id and type, as the conversation keeps them. */
function outputItems(stored: StoredResponse): ConversationItem[] {
  const { output } = stored.response;
  if (!Array.isArray(output)) return [];
  return output.filter(
    (item): item is ConversationItem =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as Partial<ConversationItem>).id === 'string' &&
      typeof (item as Partial<ConversationItem>).type === 'string',
  );
}
