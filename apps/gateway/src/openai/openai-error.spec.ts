import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GatewayError } from '../errors/gateway-error';
import { modelNotFound, toOpenAiError } from './openai-error';

describe('toOpenAiError', () => {
  it('keeps the native status and gives OpenAI type and code', () => {
    expect(toOpenAiError(new GatewayError('no_route', 'no route from pointcloud to audio'))).toEqual({
      status: 422,
      body: {
        error: {
          message: 'no route from pointcloud to audio',
          type: 'invalid_request_error',
          code: 'no_route',
          param: null,
        },
      },
    });
    expect(toOpenAiError(new GatewayError('adapter_failed', 'x')).body.error).toMatchObject({
      type: 'server_error',
      code: 'adapter_failed',
    });
    expect(toOpenAiError(new Error('boom'))).toMatchObject({
      status: 500,
      body: { error: { type: 'server_error', code: 'internal_error', message: 'internal error' } },
    });
  });

  it('says 429 and 503 with the seconds to wait', () => {
    const limited = toOpenAiError(new GatewayError('rate_limited', 'slow down', { retryAfterMs: 1500 }));
    expect(limited).toMatchObject({
      status: 429,
      retryAfterS: 2,
      body: { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } },
    });
    expect(toOpenAiError(new GatewayError('unavailable', 'open', { retryAfterMs: 30_000 }))).toMatchObject({
      status: 503,
      retryAfterS: 30,
    });
  });

  it('names the field: model_not_found on model, the first zod issue otherwise', () => {
    expect(toOpenAiError(modelNotFound('gpt-9'))).toMatchObject({
      status: 404,
      body: { error: { code: 'model_not_found', param: 'model', type: 'invalid_request_error' } },
    });
    const parsed = z.object({ messages: z.array(z.string()).min(1) }).safeParse({ messages: [] });
    expect(toOpenAiError(parsed.error)).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', param: 'messages' } },
    });
  });
});
