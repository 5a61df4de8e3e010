import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorShapeOf } from '../auth/route-access';
import { toOpenAiError } from '../openai/openai-error';
import { toGatewayError } from './to-gateway-error';

/**
 * Answers `exception` with the status of its code, as `{error: {code, message, details}}`, or in
 * OpenAI's shape on the OpenAI-compatible routes (also for errors raised before routing: a
 * malformed body, a bad URL). The error goes on the request, for its log line.
 */
export function replyWithError(request: FastifyRequest, reply: FastifyReply, exception: unknown): void {
  const error = toGatewayError(exception);
  if (reply.sent || reply.raw.headersSent) return;
  // The request's log line (logging/request-log.ts) names the error.
  request.failure = error;
  // The rest of an oversized body is never read: close the connection rather than leave it hanging.
  if (error.code === 'payload_too_large') void reply.header('connection', 'close');
  const retryAfterMs = error.details?.retryAfterMs;
  if (typeof retryAfterMs === 'number' && retryAfterMs > 0) {
    void reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
  }
  const body = errorShapeOf(request) === 'openai' ? toOpenAiError(exception).body : error.toBody();
  void reply
    .status(error.status)
    .header('content-type', 'application/json; charset=utf-8')
    // Also on what the router refuses before the onRequest hooks that set it everywhere else.
    .header('x-content-type-options', 'nosniff')
    .send(body);
}
