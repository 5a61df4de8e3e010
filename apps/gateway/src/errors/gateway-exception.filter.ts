import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { replyWithError } from './error-reply';
import type { GatewayError } from './gateway-error';

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
    logServerError(this.logger, request, replyWithError(request, reply, exception), exception);
  }
}

/** Logs a request's 5xx `error` (from `exception`) as the filter above says; nothing for the rest. */
export function logServerError(
  logger: Logger,
  request: FastifyRequest,
  error: GatewayError,
  exception: unknown,
): void {
  if (error.status < 500) return;
  const context = { reqId: request.id, method: request.method, route: request.routeOptions.url };
  if (error.code === 'unavailable') {
    logger.warn({ ...context, code: error.code, reason: error.message }, 'request refused: unavailable');
  } else {
    logger.error({ ...context, err: exception }, 'request failed');
  }
}
