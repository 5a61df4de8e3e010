import { ERROR_HTTP_STATUS, type ErrorCode } from '@omnigate/contracts';

/** What the runtime reads from an adapter's deliberate error. */
export interface AdapterErrorLike extends Error {
  code: ErrorCode;
  retryable?: boolean;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
}

export interface AdapterErrorOptions {
  retryable?: boolean;
  /** The upstream asked to wait this long before trying again (`Retry-After`). */
  retryAfterMs?: number;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * An error an adapter throws on purpose. `retryable` says whether running the same job again
 * may succeed (upstream 408/409/429/5xx, timeouts); bad input is never retryable.
 */
export class AdapterError extends Error {
  override readonly name = 'AdapterError';
  /** Not enumerable: a logger's error serializer would print the cause twice (here and as `cause`). */
  declare readonly options: AdapterErrorOptions;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AdapterErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    Object.defineProperty(this, 'options', { value: options, enumerable: false });
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

  /**
   * True for this class and for look-alikes from another copy of the SDK (an adapter package
   * built on its own): an Error named `AdapterError` with a known `code`.
   */
  static is(err: unknown): err is AdapterErrorLike {
    if (err instanceof AdapterError) return true;
    if (!(err instanceof Error) || err.name !== 'AdapterError') return false;
    const code: unknown = (err as Partial<AdapterErrorLike>).code;
    return typeof code === 'string' && Object.hasOwn(ERROR_HTTP_STATUS, code);
  }

  static isRetryableStatus(status: number): boolean {
    return status === 408 || status === 409 || status === 429 || status >= 500;
  }
}
