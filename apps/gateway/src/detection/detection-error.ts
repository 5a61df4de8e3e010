/** Codes a detector may fail with: an empty input is a bad request, content nobody handles a 415. */
export type DetectionErrorCode = 'unsupported_media' | 'invalid_request';

/** Content that cannot be accepted as any modality (or not as the declared one). */
export class DetectionError extends Error {
  override readonly name = 'DetectionError';

  constructor(
    readonly code: DetectionErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
