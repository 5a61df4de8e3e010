import type { Readable } from 'node:stream';

/** What the store knows about one blob. */
export interface BlobInfo {
  /** sha256 of the content, 64 lowercase hex characters. */
  id: string;
  bytes: number;
  mediaType: string;
  filename?: string;
  /** When the blob was last written (a re-upload of the same bytes moves it forward). */
  createdAt: string;
}

/** Options of `BlobStore.put`. */
export interface PutOptions {
  /** Defaults to application/octet-stream (or what an earlier upload of the same bytes declared). */
  mediaType?: string;
  filename?: string;
  /** Largest accepted size in bytes; exactly `maxBytes` is still accepted. */
  maxBytes?: number;
  /**
   * `job`: the blob only has to live as long as the job that reads it (an inline request input),
   * so a small one may be kept beside the job record instead of on disk.
   */
  scope?: 'job';
}

/** A small blob whose id is known at once, while its bytes are still on their way to the store. */
export interface StagedBlob {
  info: BlobInfo;
  /** Settles once the blob is stored (rejects when it could not be). */
  written: Promise<void>;
}

/** Counts the bytes one store (a tier of the blob store) writes and reads (metrics). Must not throw. */
export interface BlobTraffic {
  written(bytes: number): void;
  read(bytes: number): void;
}

/** Content-addressed storage for payloads and outputs. */
export interface BlobStore {
  /**
   * Streams data in while hashing; id = sha256 hex of the content. Throws BlobTooLargeError past
   * maxBytes (and leaves nothing behind). If put fails, a stream source has been destroyed.
   */
  put(data: Buffer | NodeJS.ReadableStream | AsyncIterable<Buffer>, options?: PutOptions): Promise<BlobInfo>;
  /**
   * Starts writing a small job-scoped blob (`scope: 'job'`) and answers its info without waiting
   * for the write; undefined when this store cannot (too large, no job tier): `put` it then.
   * Throws BlobTooLargeError past maxBytes, as `put` does.
   */
  stage?(data: Buffer, options: PutOptions): StagedBlob | undefined;
  /** Undefined when there is no such blob (or the id is malformed). */
  stat(id: string): Promise<BlobInfo | undefined>;
  /** The whole content; throws BlobNotFoundError. */
  read(id: string): Promise<Buffer>;
  /** The first `bytes` bytes (fewer if the blob is shorter) without reading the whole file. */
  readPrefix(id: string, bytes: number): Promise<Buffer>;
  /** A local file holding the content, for tools that want a path (ffprobe); undefined when there is none. */
  localPath(id: string): Promise<string | undefined>;
  /** Emits BlobNotFoundError as a stream error if missing. */
  stream(id: string): Readable;
  /** Counts as a write for expiry (the blob lives BLOB_TTL_S from now); false when there is no such blob. */
  touch(id: string): Promise<boolean>;
  /** Removes blobs last written before `olderThan`; returns how many. */
  sweep(olderThan: Date): Promise<number>;
  /**
   * A URL a client can fetch the content from without the gateway (a presigned S3 GET), valid
   * `ttlS` seconds and answered with `headers`; undefined when this store has no such URL for it.
   */
  directUrl?(id: string, ttlS: number, headers: DirectUrlHeaders): Promise<string | undefined>;
}

/** The headers a direct download is answered with (what the gateway would have sent). */
export interface DirectUrlHeaders {
  contentType: string;
  contentDisposition?: string;
}

export const BLOB_STORE = Symbol('BlobStore');
/** The blob store as workers use it: its job tier waits for Redis instead of failing fast. */
export const WORKER_BLOB_STORE = Symbol('WorkerBlobStore');
