import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { replyWithError } from './error-reply';

/**
 * Every error Nest or Fastify's lifecycle meets leaves through `replyWithError`, which puts it on
 * the request: the request's one log line (logging/request-log.ts) says it, a 5xx with its stack.
 */
@Catch()
export class GatewayExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    replyWithError(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception);
  }
}
