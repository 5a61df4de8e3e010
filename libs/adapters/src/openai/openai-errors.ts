import { retryAfterMs } from '../sdk/retry-after';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ErrorCode } from '@omnigate/contracts';
import { AdapterError } from '../sdk/adapter-error';
import { ResponseTooLargeError } from '../sdk/bounded-fetch';
import { errorMessage } from '../sdk/error-message';
import { redactSecrets, scrubError } from '../sdk/redact-secrets';

/** What an upstream error message is cut to: enough to say what was wrong, never a whole payload. */
const MAX_UPSTREAM_MESSAGE = 300;

export interface UpstreamErrorContext {
  adapterId: string;
  /** The backend's api key: removed from any upstream text that reaches a message. */
  apiKey?: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * An error of the `openai` client as an AdapterError: 400/422 are the caller's (not retried),
 * 401/403/404 are configuration (not retried), 408/409/429/5xx, timeouts and connection errors
 * are retryable, with the upstream's Retry-After; a redirect (never followed) and an answer over
 * the byte bound are not. The original error stays as `cause`, scrubbed of the api key and of
 * URL credentials (it is logged); the message carries neither them nor the request payload.
 */
export function toAdapterError(error: unknown, context: UpstreamErrorContext): AdapterError {
  if (error instanceof AdapterError) return error;
  scrubError(error, [context.apiKey]);
  const { adapterId } = context;
  if (context.signal.aborted || error instanceof APIUserAbortError) {
    return new AdapterError('timeout', `${adapterId}: the call was cancelled before the backend answered`, {
      retryable: true,
      cause: context.signal.reason ?? error,
    });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new AdapterError(
      'timeout',
      `${adapterId}: the backend did not answer within ${context.timeoutMs} ms`,
      {
        retryable: true,
        cause: error,
      },
    );
  }
  const tooLarge = causeOfType(error, ResponseTooLargeError);
  if (tooLarge) {
    const message = `${adapterId}: the backend's answer is over ${tooLarge.maxBytes} bytes`;
    return new AdapterError('adapter_failed', message, { cause: error });
  }
  if (error instanceof APIConnectionError) {
    const reason = error.cause instanceof Error ? `: ${redact(error.cause.message, context.apiKey)}` : '';
    return new AdapterError('adapter_failed', `${adapterId}: could not reach the backend${reason}`, {
      retryable: true,
      cause: error,
    });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return fromStatus(error, error.status, context);
  }
  return new AdapterError(
    'adapter_failed',
    `${adapterId}: unexpected answer from the backend: ${redact(errorMessage(error), context.apiKey)}`,
    { retryable: true, cause: error },
  );
}

function fromStatus(error: APIError, status: number, context: UpstreamErrorContext): AdapterError {
  const body = (error.error ?? {}) as { message?: unknown };
  const upstream = typeof body.message === 'string' ? body.message : '';
  const quotaExhausted = status === 429 && error.code === 'insufficient_quota';
  const code = statusCode(status, quotaExhausted);
  const retryable = !quotaExhausted && AdapterError.isRetryableStatus(status);
  const said =
    status >= 300 && status < 400
      ? ': a redirect, which is not followed (the api key would go with it); set baseUrl to where it points'
      : upstream
        ? `: ${redact(upstream, context.apiKey)}`
        : '';
  return new AdapterError(code, `${context.adapterId}: the backend answered ${status}${said}`, {
    retryable,
    retryAfterMs: retryable ? retryAfterMs(error.headers) : undefined,
    details: {
      upstreamStatus: status,
      ...(error.code ? { upstreamCode: error.code } : {}),
      ...(error.type ? { upstreamType: error.type } : {}),
      ...(error.param ? { param: error.param } : {}),
      ...(error.requestID ? { upstreamRequestId: error.requestID } : {}),
    },
    cause: error,
  });
}

function statusCode(status: number, quotaExhausted: boolean): ErrorCode {
  if (status === 429) return 'rate_limited';
  if (quotaExhausted) return 'rate_limited';
  if (status === 400) return 'invalid_request';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media';
  if (status === 422) return 'unprocessable_input';
  if (status === 408 || status === 504) return 'timeout';
  return 'adapter_failed';
}

/** Upstream text made safe for a message: no api key, nothing key-like, no URL credentials, bounded length. */
export function redact(text: string, apiKey?: string): string {
  const safe = redactSecrets(text, [apiKey]).replace(/\s+/g, ' ').trim();
  return safe.length > MAX_UPSTREAM_MESSAGE ? `${safe.slice(0, MAX_UPSTREAM_MESSAGE)}…` : safe;
}

/** `error` or the first error of its `cause` chain that is a `type`. */
function causeOfType<T extends Error>(
  error: unknown,
  type: abstract new (...args: never[]) => T,
): T | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current instanceof type) return current;
    current = current.cause;
  }
  return undefined;
}

export { retryAfterMs };
