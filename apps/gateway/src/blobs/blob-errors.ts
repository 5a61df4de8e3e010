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
