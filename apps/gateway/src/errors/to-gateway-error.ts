import { HttpException } from '@nestjs/common';
import { AdapterError } from '@omnigate/adapters';
import type { ErrorCode } from '@omnigate/contracts';
import { ZodError } from 'zod';
import { BlobNotFoundError, BlobStoreUnavailableError, BlobTooLargeError } from '../blobs/blob-errors';
import { DetectionError } from '../detection/detection-error';
import { REDIS_RETRY_AFTER_MS, RedisUnavailableError } from '../queue/redis-connections';
import { GatewayError } from './gateway-error';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'invalid_request',
  406: 'not_acceptable',
  408: 'request_timeout',
  414: 'invalid_request',
  413: 'payload_too_large',
  415: 'unsupported_media',
  422: 'unprocessable_input',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'unavailable',
  504: 'timeout',
};

/** What a 503 for an unreachable blob store asks a client to wait (Retry-After), as for Redis. */
const BLOB_STORE_RETRY_AFTER_MS = 2000;

/** The router's "Cannot GET <url>" repeats a URL of up to 16 KB: its first 256 characters are enough. */
const MAX_MESSAGE_CHARS = 256;

function bounded(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS)}…`;
}

/** Anything thrown while serving a request, as a GatewayError (unknown errors become internal_error). */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof ZodError) {
    const issues = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const first = issues[0];
    const message = first ? `${first.path || 'body'}: ${first.message}` : 'invalid request';
    return new GatewayError('invalid_request', message, { issues }, { cause: err });
  }
  if (err instanceof DetectionError)
    return new GatewayError(err.code, err.message, err.details, { cause: err });
  if (err instanceof BlobNotFoundError)
    return new GatewayError('not_found', err.message, { blobId: err.id }, { cause: err });
  if (err instanceof BlobTooLargeError)
    return new GatewayError('payload_too_large', err.message, { limitBytes: err.limit }, { cause: err });
  if (err instanceof AdapterError)
    return new GatewayError(err.code, err.message, err.details, { cause: err });
  if (err instanceof BlobStoreUnavailableError) {
    const details = { retryAfterMs: BLOB_STORE_RETRY_AFTER_MS };
    return new GatewayError('unavailable', `${err.message}; try again shortly`, details, { cause: err });
  }
  if (err instanceof RedisUnavailableError) {
    const details = { retryAfterMs: REDIS_RETRY_AFTER_MS };
    return new GatewayError('unavailable', `${err.message}; try again shortly`, details, { cause: err });
  }
  // Nest hands a Fastify 4xx error (body parsing, content type, size) over as an HttpException.
  const fastifyCode = (err instanceof HttpException ? err.cause : err) as { code?: unknown } | undefined;
  if (fastifyCode?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    // Only the JSON parser buffers a body, up to MAX_BODY_BYTES; uploads stream to the blob store.
    return new GatewayError(
      'payload_too_large',
      'the JSON body is over MAX_BODY_BYTES (send large inputs as uploads)',
      { limit: 'MAX_BODY_BYTES' },
      { cause: err },
    );
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    return new GatewayError(STATUS_CODES[status] ?? 'internal_error', bounded(err.message), undefined, {
      cause: err,
    });
  }
  // Fastify's own errors that Nest did not map (outside its handlers) carry a statusCode.
  const fst = (err ?? {}) as { statusCode?: number; code?: string; message?: string };
  if (typeof fst.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500) {
    return new GatewayError(
      STATUS_CODES[fst.statusCode] ?? 'invalid_request',
      fst.message ?? 'invalid request',
      undefined,
      { cause: err },
    );
  }
  return new GatewayError('internal_error', 'internal error', undefined, { cause: err });
}
