import { GatewayError } from '../errors/gateway-error';
import type { ResponseStore, StoredResponse } from './response-store';
import { RESPONSE_ID } from './responses-endpoint';

/** 404 in OpenAI's shape for a response this gateway does not hold (never stored, deleted or expired). */
export function responseNotFound(id: string, param?: string): GatewayError {
  // An id of another shape is not quoted back: it is whatever the caller put in the path or body.
  const named = RESPONSE_ID.test(id) ? `Response with id '${id}'` : 'A response with this id';
  return new GatewayError('not_found', `${named} not found.`, param ? { param } : undefined);
}

/** The stored response `id`, or the 404 (`param`: the field that named it). */
export async function findStoredResponse(
  store: ResponseStore,
  id: string,
  param?: string,
): Promise<StoredResponse> {
  const stored = RESPONSE_ID.test(id) ? await store.get(id) : undefined;
  if (!stored) throw responseNotFound(id, param);
  return stored;
}
