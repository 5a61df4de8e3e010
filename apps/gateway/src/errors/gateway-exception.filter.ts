import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { toGatewayError } from './to-gateway-error';

/** Every error leaves as `{error: {code, message, details}}` with the status of its code. */
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
    if (reply.sent) return;
    // The rest of an oversized body is never read: close the connection rather than leave it hanging.
    if (error.code === 'payload_too_large') void reply.header('connection', 'close');
    const retryAfterMs = error.details?.retryAfterMs;
    if (typeof retryAfterMs === 'number' && retryAfterMs > 0) {
      void reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
    }
    void reply
      .status(error.status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(error.toBody());
  }
}
