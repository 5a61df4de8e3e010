import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { replyWithError } from './error-reply';

/**
 * Every error Nest or Fastify's lifecycle meets leaves through `replyWithError`; 5xx are logged
 * with the route template, never the raw URL (its query may carry a secret, and a client chooses
 * its length). A 503 `unavailable` (Redis lost, every request answers it until it is back) is a
 * one-line warning: a stack per request would flood the log during an outage.
 */
@Catch()
export class GatewayExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const error = replyWithError(request, reply, exception);
    if (error.status < 500) return;
    const context = { reqId: request.id, method: request.method, route: request.routeOptions.url };
    if (error.code === 'unavailable') {
      this.logger.warn(
        { ...context, code: error.code, reason: error.message },
        'request refused: unavailable',
      );
    } else {
      this.logger.error({ ...context, err: exception }, 'request failed');
    }
  }
}
