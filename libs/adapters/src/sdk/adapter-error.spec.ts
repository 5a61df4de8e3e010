import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AdapterError } from './adapter-error';

describe('AdapterError', () => {
  it('keeps its options readable and its cause', () => {
    const cause = new Error('socket hang up');
    const err = new AdapterError('adapter_failed', 'the backend failed', {
      retryable: true,
      retryAfterMs: 2000,
      details: { status: 502 },
      cause,
    });
    expect(err).toMatchObject({ code: 'adapter_failed', retryable: true, retryAfterMs: 2000 });
    expect(err.details).toEqual({ status: 502 });
    expect(err.cause).toBe(cause);
  });

  it('is logged with its cause once (its options are not an enumerable copy of it)', () => {
    const lines: string[] = [];
    const logger = pino({ base: undefined }, { write: (line: string) => lines.push(line) });
    const err = new AdapterError('adapter_failed', 'the backend failed', {
      cause: new Error('socket hang up'),
    });
    logger.error({ err }, 'hop failed');
    expect(Object.keys(err)).not.toContain('options');
    const logged = (JSON.parse(lines[0]) as { err: Record<string, unknown> }).err;
    // pino's serializer already appends the cause to the message and the stack.
    expect(logged).toMatchObject({ code: 'adapter_failed', message: 'the backend failed: socket hang up' });
    expect(logged).not.toHaveProperty('options');
  });
});
