/** A file's size as a probe knows it: at least the sample; `known` false when the caller could not tell. */
export interface FileSize {
  bytes: number;
  known: boolean;
}

/** The size of a file of `totalBytes` whose first bytes are `sample`. */
export function fileSize(sample: Uint8Array, totalBytes: number): FileSize {
  const known = Number.isFinite(totalBytes) && totalBytes < Number.MAX_SAFE_INTEGER;
  return { bytes: known ? Math.max(sample.length, Math.floor(totalBytes)) : Number.MAX_SAFE_INTEGER, known };
}

/**
 * Points in a file from those in the first `sampleBytes` of it: scaled up by its size when that
 * is known, else the points seen (a lower bound).
 */
export function estimatePoints(seen: number, sampleBytes: number, size: FileSize): number {
  return size.known && sampleBytes > 0 ? Math.max(seen, Math.round((seen * size.bytes) / sampleBytes)) : seen;
}
