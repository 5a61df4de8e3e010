import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/** The process's pino logger. Redacts credentials; payloads are never passed to it. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'omnigate' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.apiKey', '*.secret'],
      censor: '[redacted]',
    },
  });
}

/** NestJS's own logs (bootstrap, module wiring) through the same pino instance. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

export const LOGGER = Symbol('Logger');
