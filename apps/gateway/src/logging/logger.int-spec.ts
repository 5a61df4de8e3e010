import { Writable } from 'node:stream';
import { Redis, ReplyError } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { createLogger } from './logger';

/** A logger writing its lines into an array. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('createLogger', () => {
  it('logs a failed Redis command by name, never its arguments (a record with a secret, a blob)', async () => {
    const redis = new Redis(inject('redisUrl'));
    try {
      const err = await redis
        .eval('return redis.call("NOPE", ARGV[1])', 0, '{"webhook":{"secret":"s3cr3t-value"}}')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReplyError);
      expect(JSON.stringify((err as { command?: unknown }).command)).toContain('s3cr3t-value');

      const { logger, lines } = capture();
      logger.error({ err: new Error('saving failed', { cause: err }) }, 'wrapped');
      logger.error({ err }, 'direct');
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).not.toContain('s3cr3t-value');
      expect(JSON.parse(lines[1]!).err).toMatchObject({ command: { name: 'eval' } });
    } finally {
      redis.disconnect();
    }
  });

  it('redacts credentials', () => {
    const { logger, lines } = capture();
    logger.info({ backend: { apiKey: 'sk-live-1' }, webhook: { secret: 'w-2' } }, 'config');
    expect(lines[0]).not.toContain('sk-live-1');
    expect(lines[0]).not.toContain('w-2');
  });
});
