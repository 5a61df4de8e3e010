import { BlobStoreUnavailableError } from './blob-errors';

/** Socket-level failures: the server is down, unreachable, or dropped the connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Names the SDK gives a request that took too long, and S3's throttling answers. */
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ServiceUnavailable',
  'InternalError',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
}

/**
 * S3 answered that the object is not there. (A HEAD's 404 has no body to tell a missing bucket
 * from a missing key: the bucket is checked at start-up, S3BlobStore.checkBucket.)
 */
export function isS3NotFound(err: unknown): boolean {
  const e = shape(err);
  if (e.name === 'NoSuchBucket') return false;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** A Range past the end of the object (S3 answers 416 to any range of an empty one). */
export function isS3InvalidRange(err: unknown): boolean {
  const e = shape(err);
  return e.name === 'InvalidRange' || e.$metadata?.httpStatusCode === 416;
}

/**
 * Whether the failure is the server's state rather than the request: unreachable, 5xx, throttled
 * or timed out, all after the client's own retries. Such a failure is a 503, tried again later.
 */
export function isS3Unavailable(err: unknown): boolean {
  const e = shape(err);
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

/**
 * What a failed S3 call surfaces as: BlobStoreUnavailableError when the server is away, else the
 * SDK's own error (an access or configuration problem, a 500 worth a log line).
 */
export function fromS3Error(err: unknown): unknown {
  return isS3Unavailable(err) ? new BlobStoreUnavailableError(err) : err;
}
