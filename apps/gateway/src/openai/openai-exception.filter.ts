import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger';
import { toOpenAiError } from './openai-error';

/**
 * The facade's errors in OpenAI's shape (`{error: {message, type, code, param}}`) with the
 * native API's status; bound to the facade's controllers only.
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const error = toOpenAiError(exception);
    if (error.status >= 500) {
      this.logger.error({ err: exception, reqId: request.id, url: request.url }, 'request failed');
    }
    if (reply.sent || reply.raw.headersSent) return;
    if (error.status === 413) void reply.header('connection', 'close');
    if (error.retryAfterS !== undefined) void reply.header('retry-after', String(error.retryAfterS));
    void reply
      .status(error.status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(error.body);
  }
}
