import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisRegistrationStore } from './registration-store';

describe('RedisRegistrationStore', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(() => redis.quit());

  it('leaves out, with a warning that quotes nothing, a stored registration this version refuses', async () => {
    const prefix = `test-${randomUUID()}`;
    let log = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const store = new RedisRegistrationStore(redis, prefix, pino({ level: 'warn' }, sink));
    const good = { kind: 'http', id: 'acme.ok', url: 'http://127.0.0.1:5010' } as const;
    expect(await store.add(good)).toBe(true);
    // Stored by an earlier version, which took credentials in the URL.
    const old = {
      kind: 'openai-compatible',
      id: 'legacy',
      baseUrl: 'http://admin:hunter2@vllm:8000/v1',
      models: { chat: 'qwen' },
    };
    await redis.hset(`${prefix}:adapters`, 'legacy', JSON.stringify(old));

    expect(await store.list()).toEqual([good]);
    expect(await store.get('legacy')).toBeUndefined();
    expect(log).toMatch(
      /stored adapter registration legacy is no longer valid.*DELETE \/v1\/adapters\/legacy/,
    );
    expect(log).toContain('baseUrl: must not carry a user name or password');
    expect(log).not.toContain('hunter2');
    expect(await store.remove('legacy')).toBe(true);
    await redis.del(`${prefix}:adapters`);
  });
});
