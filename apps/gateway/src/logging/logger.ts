import type { LoggerService } from '@nestjs/common';
import { redactSecrets } from '@omnigate/adapters';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The process's pino logger. Redacts credentials; payloads are never passed to it, and the
 * arguments of a failed Redis command (ioredis puts them on the error as `command.args`: a job
 * record with its webhook secret, a blob's bytes) are dropped from logged errors. A logged
 * error's message and stack (with its causes') lose URL credentials, query values and key-like
 * words: an HTTP client's error may quote the URL it was given.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'omnigate' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.apiKey', '*.secret'],
        censor: '[redacted]',
      },
      serializers: { err: serializeError },
    },
    destination,
  );
}

/** pino's error serializer, keeping a failed Redis command's name but not its arguments. */
function serializeError(err: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(err) as Record<string, unknown>;
  const command = serialized.command as { name?: unknown } | null | undefined;
  if (command && typeof command === 'object') serialized.command = { name: command.name };
  for (const field of ['message', 'stack'] as const) {
    const text = serialized[field];
    if (typeof text === 'string') serialized[field] = redactSecrets(text);
  }
  return serialized;
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
