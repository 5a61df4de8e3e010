import { describe, expect, it } from 'vitest';
import {
  OPENAI_DEFAULT_BASE_URL,
  OPENAI_DEFAULT_MODELS,
  OpenAiBackendSchema,
  OpenAiBackendsSchema,
  openAiBackendsFromEnv,
} from './openai-backend';

describe('OpenAiBackendSchema', () => {
  it('defaults the base URL to api.openai.com and keeps only the models named', () => {
    const backend = OpenAiBackendSchema.parse({ id: 'vllm', models: { chat: 'llama-3.1-8b' } });
    expect(backend).toEqual({
      id: 'vllm',
      baseUrl: OPENAI_DEFAULT_BASE_URL,
      models: { chat: 'llama-3.1-8b' },
    });
  });

  it('rejects a backend without models, a dotted or reserved id, a non-http URL and unknown keys', () => {
    expect(OpenAiBackendSchema.safeParse({ id: 'a', models: {} }).success).toBe(false);
    expect(OpenAiBackendSchema.safeParse({ id: 'a.b', models: { chat: 'm' } }).success).toBe(false);
    expect(OpenAiBackendSchema.safeParse({ id: 'builtin', models: { chat: 'm' } }).success).toBe(false);
    expect(
      OpenAiBackendSchema.safeParse({ id: 'a', baseUrl: 'ftp://x/v1', models: { chat: 'm' } }).success,
    ).toBe(false);
    expect(OpenAiBackendSchema.safeParse({ id: 'a', models: { chat: 'm' }, extra: 1 }).success).toBe(false);
  });

  it('rejects duplicate ids in a list, pointing at the second', () => {
    const result = OpenAiBackendsSchema.safeParse([
      { id: 'local', models: { chat: 'm' } },
      { id: 'LOCAL', models: { chat: 'n' } },
    ]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual([1, 'id']);
  });
});

describe('openAiBackendsFromEnv', () => {
  it('gives nothing without either variable', () => {
    expect(openAiBackendsFromEnv({})).toEqual([]);
  });

  it('turns OPENAI_API_KEY alone into one openai backend with the default models', () => {
    expect(openAiBackendsFromEnv({ OPENAI_API_KEY: 'sk-test' })).toEqual([
      { id: 'openai', baseUrl: OPENAI_DEFAULT_BASE_URL, apiKey: 'sk-test', models: OPENAI_DEFAULT_MODELS },
    ]);
  });

  it('reads OPENAI_BACKENDS and lends OPENAI_API_KEY only to entries for api.openai.com', () => {
    const backends = openAiBackendsFromEnv({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BACKENDS: JSON.stringify([
        { id: 'openai', models: { chat: 'gpt-4o' } },
        { id: 'vllm', baseUrl: 'http://vllm:8000/v1', models: { chat: 'qwen' } },
      ]),
    });
    expect(backends.map((backend) => [backend.id, backend.apiKey])).toEqual([
      ['openai', 'sk-test'],
      ['vllm', undefined],
    ]);
  });

  it('names the variable and the field in errors, and never quotes the value', () => {
    expect(() => openAiBackendsFromEnv({ OPENAI_BACKENDS: '[{"apiKey":"sk-secret"' })).toThrow(
      /^OPENAI_BACKENDS is not valid JSON/,
    );
    expect(() => openAiBackendsFromEnv({ OPENAI_BACKENDS: '[{"apiKey":"sk-secret"' })).not.toThrow(
      /sk-secret/,
    );
    const bad = '[{"id":"x","apiKey":"sk-secret","models":{"chat":""}}]';
    expect(() => openAiBackendsFromEnv({ OPENAI_BACKENDS: bad })).toThrow(
      /OPENAI_BACKENDS is invalid: 0\.models\.chat/,
    );
    expect(() => openAiBackendsFromEnv({ OPENAI_BACKENDS: bad })).not.toThrow(/sk-secret/);
  });

  it('refuses a user name or password in baseUrl, pointing at apiKey, without quoting them', () => {
    const raw = JSON.stringify([
      { id: 'vllm', baseUrl: 'http://admin:hunter2-pass@vllm:8000/v1', models: { chat: 'qwen' } },
    ]);
    let thrown: unknown;
    try {
      openAiBackendsFromEnv({ OPENAI_BACKENDS: raw });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    const error = thrown as Error & { cause?: Error };
    expect(error.message).toMatch(
      /^OPENAI_BACKENDS is invalid: 0\.baseUrl: must not carry a user name or password: give the key as apiKey/,
    );
    expect(`${error.message} ${error.cause?.message} ${JSON.stringify(error.cause)}`).not.toMatch(
      /hunter2|admin/,
    );
    const userOnly = OpenAiBackendSchema.safeParse({
      id: 'a',
      baseUrl: 'http://token@h/v1',
      models: { chat: 'm' },
    });
    expect(userOnly.success).toBe(false);
  });
});
