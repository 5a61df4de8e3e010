import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { errorShapeOf } from '../auth/route-access';
import { toOpenAiError } from '../openai/openai-error';
import { toGatewayError } from './to-gateway-error';

/**
 * Every error leaves with the status of its code, as `{error: {code, message, details}}`, or in
 * OpenAI's shape on the OpenAI-compatible routes.
 */
@Catch()
export class GatewayExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const error = toGatewayError(exception);
    if (error.status >= 500) {
      this.logger.error({ err: exception, reqId: request.id, url: request.url }, 'request failed');
    }
    if (reply.sent || reply.raw.headersSent) return;
    // The rest of an oversized body is never read: close the connection rather than leave it hanging.
    if (error.code === 'payload_too_large') void reply.header('connection', 'close');
    const retryAfterMs = error.details?.retryAfterMs;
    if (typeof retryAfterMs === 'number' && retryAfterMs > 0) {
      void reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
    }
    // The OpenAI-compatible routes answer in OpenAI's shape, also for errors raised before routing
    // (a malformed body); the status stays the native one.
    const body = errorShapeOf(request) === 'openai' ? toOpenAiError(exception).body : error.toBody();
    void reply.status(error.status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
