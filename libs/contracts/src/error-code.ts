import { z } from 'zod';

/** Error codes of the native API, each with its HTTP status. */
export const ERROR_HTTP_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  not_acceptable: 406,
  /** The request (headers, then body) did not arrive within the server's time limits. */
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media: 415,
  no_route: 422,
  unprocessable_input: 422,
  rate_limited: 429,
  /** The request line and headers are over the server's size limit (Node's 16 KiB by default). */
  headers_too_large: 431,
  internal_error: 500,
  adapter_failed: 502,
  unavailable: 503,
  timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_HTTP_STATUS) as [ErrorCode, ...ErrorCode[]]);

/** The JSON error body used everywhere but the OpenAI facade. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'ErrorBody' });

export type ErrorBody = z.infer<typeof ErrorBodySchema>;
