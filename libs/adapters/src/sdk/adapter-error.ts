import type { ErrorCode } from '@omnigate/contracts';

/**
 * An error an adapter throws on purpose. `retryable` says whether running the same job again
 * may succeed (upstream 408/409/429/5xx, timeouts); bad input is never retryable.
 */
export class AdapterError extends Error {
  override readonly name = 'AdapterError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      retryable?: boolean;
      /** The upstream asked to wait this long before trying again (`Retry-After`). */
      retryAfterMs?: number;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
  }

  get retryable(): boolean {
    return this.options.retryable ?? false;
  }

  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }

  get details(): Record<string, unknown> | undefined {
    return this.options.details;
  }

  /** Bad input: the job fails at once, without retries. */
  static unprocessable(message: string, cause?: unknown): AdapterError {
    return new AdapterError('unprocessable_input', message, { cause });
  }

  static isRetryableStatus(status: number): boolean {
    return status === 408 || status === 409 || status === 429 || status >= 500;
  }
}
