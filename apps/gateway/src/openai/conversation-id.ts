import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { GatewayError } from '../errors/gateway-error';
import { invalidParam } from './openai-error';

/** `conv_` and 32 hex digits: the id a conversation is looked up by (anything else is unknown). */
export const CONVERSATION_ID = /^conv_[0-9a-f]{32}$/;

export const newConversationId = (): string => `conv_${randomUUID().replaceAll('-', '')}`;

/** `conversation` of `POST /v1/responses`: the id, or `{id}` (the client's ResponseConversationParam). */
export const ConversationParamSchema = z.union([
  z.string().min(1).max(256),
  z.object({ id: z.string().min(1).max(256) }),
]);

/**
 * The conversation a Responses request continues, or undefined. With `previous_response_id`
 * too it is 400, as on OpenAI: the two are alternative ways of carrying the earlier turns.
 */
export function conversationIdOf(body: {
  conversation?: z.infer<typeof ConversationParamSchema> | null;
  previous_response_id?: string | null;
}): string | undefined {
  const { conversation } = body;
  if (conversation === undefined || conversation === null) return undefined;
  if (body.previous_response_id) {
    throw invalidParam(
      'conversation',
      'conversation and previous_response_id cannot be used together: send one of them',
      'mutually_exclusive_parameters',
    );
  }
  return typeof conversation === 'string' ? conversation : conversation.id;
}

/** 404 in OpenAI's shape for a conversation this gateway does not hold (never created, deleted or expired). */
export function conversationNotFound(id: string, param?: string): GatewayError {
  // An id of another shape is not quoted back: it is whatever the caller put in the path or body.
  const named = CONVERSATION_ID.test(id) ? `Conversation with id '${id}'` : 'A conversation with this id';
  return new GatewayError('not_found', `${named} not found.`, param ? { param } : undefined);
}
