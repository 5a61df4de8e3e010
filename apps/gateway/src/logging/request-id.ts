import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The `x-request-id` a caller (or its proxy) may send, kept when it is a plain token of this shape. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A request's id (Fastify's `genReqId`): the caller's `x-request-id` when it is a plain token of
 * at most 128 characters (letters, digits, `. _ : -`), so that its logs and the caller's can be
 * joined; anything else (longer, other characters, repeated headers) is replaced by a new UUID.
 * The id is in every log line of the request and answers it as `x-request-id`.
 */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : randomUUID();
}
