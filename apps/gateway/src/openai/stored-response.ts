import { GatewayError } from '../errors/gateway-error';
import type { ResponseStore, StoredResponse } from './response-store';
import { RESPONSE_ID, responseCreatedAt } from './responses-endpoint';

/**
 * 404 in OpenAI's shape for a response this gateway does not hold: never stored or deleted, or
 * (code `response_expired`) made longer ago than the store keeps responses, as its id tells.
 */
export function responseNotFound(id: string, ttlS: number, param: string | null = null): GatewayError {
  const where = param ? { param } : {};
  // An id of another shape is not quoted back: it is whatever the caller put in the path.
  if (!RESPONSE_ID.test(id))
    return new GatewayError('not_found', 'A response with this id not found.', where);
  if (Date.now() - responseCreatedAt(id) > ttlS * 1000) {
    return new GatewayError(
      'not_found',
      `Response with id '${id}' expired: stored responses are kept for ${ttlS} s (RESPONSES_TTL_S).`,
      { ...where, openAiCode: 'response_expired' },
    );
  }
  return new GatewayError('not_found', `Response with id '${id}' not found.`, where);
}

/** The stored response `id`, or the 404 (`param`: the field that named it). */
export async function findStoredResponse(
  store: ResponseStore,
  id: string,
  param?: string,
): Promise<StoredResponse> {
  const stored = RESPONSE_ID.test(id) ? await store.get(id) : undefined;
  if (!stored) throw responseNotFound(id, store.ttlS, param);
  return stored;
}
