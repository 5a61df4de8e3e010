import type { ErrorCode } from '@omnigate/contracts';
import { ZodError } from 'zod';
import { GatewayError } from '../errors/gateway-error';
import { toGatewayError } from '../errors/to-gateway-error';

/** OpenAI's error body: what the official clients read into `APIError`. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

/** An error as the facade answers it: status, body and, for 429/503, the seconds to wait. */
export interface OpenAiErrorReply {
  status: number;
  body: OpenAiErrorBody;
  retryAfterS?: number;
}

/** OpenAI's `type` and `code` for each gateway code; the status stays the native API's. */
function openAiKind(code: ErrorCode): { type: string; code: string } {
  switch (code) {
    case 'invalid_request':
    case 'not_found':
    case 'not_acceptable':
    case 'conflict':
    case 'payload_too_large':
    case 'unsupported_media':
    case 'no_route':
    case 'unprocessable_input':
    case 'request_timeout':
    case 'headers_too_large':
      return { type: 'invalid_request_error', code };
    case 'unauthorized':
      return { type: 'authentication_error', code: 'invalid_api_key' };
    case 'forbidden':
      return { type: 'permission_error', code };
    case 'rate_limited':
      return { type: 'rate_limit_error', code: 'rate_limit_exceeded' };
    case 'internal_error':
    case 'adapter_failed':
    case 'unavailable':
    case 'timeout':
      return { type: 'server_error', code };
    default:
      return assertUnreachable(code);
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled error code ${String(value)}`);
}

/** The request field an error is about: one the facade named, else the first zod issue's path. */
function paramOf(error: GatewayError, original: unknown): string | null {
  const named = error.details?.param;
  if (typeof named === 'string') return named;
  if (original instanceof ZodError) {
    const path = original.issues[0]?.path;
    if (path && path.length > 0) return path.map(String).join('.');
  }
  return null;
}

/** Anything thrown while serving a facade request, in OpenAI's shape with the gateway's status. */
export function toOpenAiError(err: unknown): OpenAiErrorReply {
  const error = toGatewayError(err);
  const kind = openAiKind(error.code);
  const named = error.details?.openAiCode;
  const retryAfterMs = error.details?.retryAfterMs;
  return {
    status: error.status,
    body: {
      error: {
        message: error.message,
        type: kind.type,
        code: typeof named === 'string' ? named : kind.code,
        param: paramOf(error, err),
      },
    },
    ...(typeof retryAfterMs === 'number' && retryAfterMs > 0
      ? { retryAfterS: Math.ceil(retryAfterMs / 1000) }
      : {}),
  };
}

/** 404 `model_not_found`, as api.openai.com answers an unknown model. */
export function modelNotFound(model: string): GatewayError {
  return new GatewayError(
    'not_found',
    `The model \`${model}\` does not exist. GET /v1/models lists the models this gateway serves.`,
    { model, param: 'model', openAiCode: 'model_not_found' },
  );
}

/** 400 about one request field, named in OpenAI's `param`. */
export function invalidParam(param: string, message: string, openAiCode?: string): GatewayError {
  return new GatewayError('invalid_request', message, {
    param,
    ...(openAiCode ? { openAiCode } : {}),
  });
}
