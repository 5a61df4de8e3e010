import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { LRUCache } from 'lru-cache';
import { BlobTooLargeError } from './blob-errors';
import type { BlobInfo } from './blob-store';

/** What the durable stores (fs-blob-store.ts, s3-blob-store.ts) share. */

/** A blob id: the sha256 of the content, 64 lowercase hex digits. */
export const BLOB_ID_PATTERN = /^[0-9a-f]{64}$/;
export const DEFAULT_MEDIA_TYPE = 'application/octet-stream';
/** A temporary file or object untouched this long belongs to an upload that died. */
export const STALE_TMP_MS = 60 * 60 * 1000;

/** Blobs up to this size stay in memory after a write or read: a job's inputs are read again soon. */
const CACHED_BLOB_MAX_BYTES = 256 * 1024;

interface CachedBlob {
  info: BlobInfo;
  data?: Buffer;
}

/**
 * A bounded in-memory cache of what a store knows (64 MiB, 10 minutes): every blob's info once
 * written or stat'ed, the bytes of the small ones, so the detector and the adapter that read a
 * job's inputs right after the upload do not go back to the disk or the bucket.
 */
export class SmallBlobCache {
  private readonly entries = new LRUCache<string, CachedBlob>({
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (entry) => (entry.data?.length ?? 0) + 256,
    ttl: 10 * 60 * 1000,
  });

  /** A blob just written or stat'ed, with its bytes when they are at hand and small; its info back. */
  remember(info: BlobInfo, data?: Buffer): BlobInfo {
    this.entries.set(info.id, { info, ...(data && data.length <= CACHED_BLOB_MAX_BYTES ? { data } : {}) });
    return info;
  }

  /** The bytes of a blob just read, kept when small and its info is known. */
  rememberData(id: string, data: Buffer): void {
    const entry = this.entries.get(id);
    if (entry && data.length <= CACHED_BLOB_MAX_BYTES) this.entries.set(id, { ...entry, data });
  }

  info(id: string): BlobInfo | undefined {
    return this.entries.get(id)?.info;
  }

  data(id: string): Buffer | undefined {
    return this.entries.get(id)?.data;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Passes bytes through, hashing and counting them; fails as soon as the count passes the limit. */
export class HashingMeter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(new BlobTooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
