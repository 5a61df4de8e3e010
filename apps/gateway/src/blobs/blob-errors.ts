/** No blob with this id (also what a malformed id gets: it cannot name a stored blob). */
export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';

  constructor(
    readonly id: string,
    options?: ErrorOptions,
  ) {
    // A crafted id can be arbitrarily long; the message only needs enough of it to recognise.
    super(`blob not found: ${id.length > 80 ? `${id.slice(0, 80)}...` : id}`, options);
  }
}

/** The content went past the caller's byte limit; nothing was stored. */
export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';

  constructor(
    readonly limit: number,
    options?: ErrorOptions,
  ) {
    super(`blob is larger than the limit of ${limit} bytes`, options);
  }
}

/**
 * The blob store's server (S3) could not be reached or failed (after the client's retries): the
 * request may be tried again shortly (503). Nothing was half-written under a blob's name.
 */
export class BlobStoreUnavailableError extends Error {
  override readonly name = 'BlobStoreUnavailableError';

  constructor(cause: unknown) {
    super('the blob store (S3) is not reachable', { cause });
  }
}

/** Whether the blob store being away is what `err` comes down to (it, or an error it was caused by). */
export function isBlobStoreUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof BlobStoreUnavailableError) return true;
  }
  return false;
}
