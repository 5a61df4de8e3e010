import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, pipeline as pipelineCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BlobNotFoundError, BlobTooLargeError } from './blob-errors';
import {
  BLOB_ID_PATTERN,
  DEFAULT_MEDIA_TYPE,
  HashingMeter,
  SmallBlobCache,
  STALE_TMP_MS,
} from './blob-store-parts';
import type { BlobInfo, BlobStore, DirectUrlHeaders, PutOptions } from './blob-store';
import { LocalCopies } from './local-copies';
import { S3ExpiryIndex } from './s3-expiry-index';
import { fromS3Error, isS3InvalidRange, isS3NotFound } from './s3-errors';

/**
 * Multipart part size and parts in flight: an upload holds at most (queue + 1) parts in memory,
 * 24 MiB, whatever its length (S3 allows 10,000 parts: 80 GiB, past the 5 GiB BLOB_MAX_BYTES cap).
 */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;
/** Metadata values are headers: a longer (percent-encoded) filename is cut to fit S3's 2 KB. */
const FILENAME_MAX_CHARS = 1024;

/** What the gateway keeps in an object's user metadata (x-amz-meta-*). */
interface ObjectMeta {
  mediaType: string;
  filename?: string;
  createdAt: string;
  /** Epoch ms of the last write or touch: what expiry goes by. */
  writtenAt: number;
}

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** '' or ending in '/'. */
  prefix: string;
  /** BLOB_TTL_S: sets the width of the expiry index's windows. */
  ttlS: number;
  /** Where local copies for `localPath` go (a folder under BLOB_DIR), and how many bytes of them. */
  localCopiesDir: string;
  localCopiesMaxBytes: number;
  /** Epoch ms now: what writes are stamped with (tests move it). */
  clock?: () => number;
}

/**
 * Blobs in an S3-compatible bucket: `<prefix>blobs/ab/<sha256>` holds the content, its metadata
 * in the object's user metadata. A streamed upload goes to `<prefix>tmp/<uuid>` (multipart,
 * bounded memory) while it is hashed, then is copied to its content key in one request and the
 * temporary object removed: S3 makes an object visible only once complete, so nothing
 * half-written is ever under a blob's name. Expiry goes by an index of write windows
 * (S3ExpiryIndex), not by listing the bucket.
 *
 * A failure of the server (down, 5xx, throttled past the client's retries) surfaces as
 * BlobStoreUnavailableError; the client reconnects by itself when the server is back.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly index: S3ExpiryIndex;
  private readonly copies: LocalCopies;
  private readonly clock: () => number;
  private readonly cache = new SmallBlobCache();

  constructor(options: S3BlobStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.clock = options.clock ?? Date.now;
    // About ten windows a TTL: a blob outlives its TTL by at most a tenth of it (and an hour).
    const windowS = Math.min(3600, Math.max(60, Math.round(options.ttlS / 10)));
    this.index = new S3ExpiryIndex(this.client, this.bucket, this.prefix, windowS);
    this.copies = new LocalCopies(options.localCopiesDir, options.localCopiesMaxBytes, (id, path) =>
      this.download(id, path),
    );
  }

  async put(
    data: Buffer | NodeJS.ReadableStream | AsyncIterable<Buffer>,
    options: PutOptions = {},
  ): Promise<BlobInfo> {
    const maxBytes = options.maxBytes ?? Infinity;
    // NaN would compare false against every size and silently lift the limit.
    if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be a non-negative number, got ${maxBytes}`);
    if (Buffer.isBuffer(data)) {
      if (data.length > maxBytes) throw new BlobTooLargeError(maxBytes);
      const id = createHash('sha256').update(data).digest('hex');
      return this.cache.remember(await this.commit(id, data.length, options, { body: data }), data);
    }
    const meter = new HashingMeter(maxBytes);
    // pipeline destroys the source when the meter fails (too large) or is destroyed below.
    pipelineCallback(data as NodeJS.ReadableStream, meter, () => undefined);
    try {
      const head = await readUpTo(meter[Symbol.asyncIterator](), PART_BYTES);
      if (head.ended) {
        // One part's worth or less: hashed already, so it goes straight to its content key.
        const body = Buffer.concat(head.chunks);
        return this.cache.remember(await this.commit(meter.digest(), body.length, options, { body }), body);
      }
      const tmpKey = `${this.prefix}tmp/${randomUUID()}`;
      await this.upload(tmpKey, Readable.from(continued(head), { objectMode: false }));
      try {
        return this.cache.remember(await this.commit(meter.digest(), meter.bytes, options, { tmpKey }));
      } finally {
        // Best effort: a temporary object left behind is swept an hour later.
        await this.client
          .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmpKey }))
          .catch(() => undefined);
      }
    } catch (err) {
      meter.destroy();
      throw err instanceof BlobTooLargeError ? err : fromS3Error(err);
    }
  }

  /** A streamed multipart upload to `key`; on failure lib-storage aborts it (no parts kept). */
  private async upload(key: string, body: Readable): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      body.destroy();
      // The source's own failure (too large, the client went away) is what failed the put.
      throw body.errored ?? err;
    }
  }

  /**
   * Puts content under its id: the upload's bytes (`body`) or the temporary object's (`tmpKey`).
   * When the bytes are already stored, only their metadata is rewritten (a self-copy), which
   * also counts as a write for expiry. What this upload leaves out is kept from the earlier one.
   */
  private async commit(
    id: string,
    bytes: number,
    options: PutOptions,
    source: { body: Buffer } | { tmpKey: string },
  ): Promise<BlobInfo> {
    try {
      const previous = await this.head(id);
      const filename = options.filename ?? previous?.meta.filename;
      const now = this.clock();
      const meta: ObjectMeta = {
        mediaType: options.mediaType ?? previous?.meta.mediaType ?? DEFAULT_MEDIA_TYPE,
        ...(filename !== undefined && { filename }),
        createdAt: new Date(now).toISOString(),
        writtenAt: now,
      };
      await this.index.mark(id, now);
      const key = this.contentKey(id);
      if (previous) {
        await this.copy(key, key, meta);
      } else if ('body' in source) {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: source.body,
            ContentType: DEFAULT_MEDIA_TYPE,
            Metadata: toMetadata(meta),
          }),
        );
      } else {
        await this.copy(source.tmpKey, key, meta);
      }
      return toInfo(id, bytes, meta);
    } catch (err) {
      throw fromS3Error(err);
    }
  }

  private async copy(from: string, to: string, meta: ObjectMeta): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: to,
        CopySource: `${this.bucket}/${encodeKey(from)}`,
        MetadataDirective: 'REPLACE',
        ContentType: DEFAULT_MEDIA_TYPE,
        Metadata: toMetadata(meta),
      }),
    );
  }

  async stat(id: string): Promise<BlobInfo | undefined> {
    if (!BLOB_ID_PATTERN.test(id)) return undefined;
    const cached = this.cache.info(id);
    if (cached) return cached;
    try {
      const found = await this.head(id);
      return found && toInfo(id, found.bytes, found.meta);
    } catch (err) {
      throw fromS3Error(err);
    }
  }

  async read(id: string): Promise<Buffer> {
    const cached = this.cache.data(id);
    if (cached) return cached;
    const chunks: Buffer[] = [];
    for await (const chunk of this.chunks(id)) chunks.push(chunk);
    const data = Buffer.concat(chunks);
    this.cache.rememberData(id, data);
    return data;
  }

  async readPrefix(id: string, bytes: number): Promise<Buffer> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`readPrefix needs a non-negative integer byte count, got ${bytes}`);
    }
    const cached = this.cache.data(id);
    if (cached) return cached.subarray(0, bytes);
    if (bytes === 0) {
      if (!(await this.stat(id))) throw new BlobNotFoundError(id);
      return Buffer.alloc(0);
    }
    const chunks: Buffer[] = [];
    let filled = 0;
    // Read only what was asked for even if a server ignored the Range and sent the whole object.
    for await (const chunk of this.chunks(id, `bytes=0-${bytes - 1}`)) {
      chunks.push(chunk);
      filled += chunk.length;
      if (filled >= bytes) break;
    }
    return Buffer.concat(chunks).subarray(0, bytes);
  }

  async localPath(id: string): Promise<string | undefined> {
    const info = await this.stat(id);
    if (!info) return undefined;
    try {
      return await this.copies.path(id, info.bytes);
    } catch (err) {
      throw fromS3Error(err);
    }
  }

  stream(id: string): Readable {
    const cached = this.cache.data(id);
    if (cached) return Readable.from([cached], { objectMode: false });
    return Readable.from(this.chunks(id), { objectMode: false });
  }

  async touch(id: string): Promise<boolean> {
    if (!BLOB_ID_PATTERN.test(id)) return false;
    try {
      const found = await this.head(id);
      if (!found) return false;
      const now = this.clock();
      await this.index.mark(id, now);
      const key = this.contentKey(id);
      await this.copy(key, key, { ...found.meta, writtenAt: now });
      return true;
    } catch (err) {
      if (isS3NotFound(err)) return false; // swept between the HEAD and the copy
      throw fromS3Error(err);
    }
  }

  async sweep(olderThan: Date): Promise<number> {
    const cutoffMs = olderThan.getTime();
    this.cache.clear();
    const failures: unknown[] = [];
    let removed = 0;
    try {
      removed = await this.index.sweep(cutoffMs, (id) => this.expire(id, cutoffMs), failures);
      await this.removeStaleTmp(failures);
      await this.copies.removeStale().catch((err: unknown) => failures.push(err));
    } catch (err) {
      failures.push(fromS3Error(err));
    }
    if (failures.length > 0) {
      throw new AggregateError(
        failures,
        `blob sweep removed ${removed} blobs; ${failures.length} removals failed`,
      );
    }
    return removed;
  }

  /** A presigned GET of the blob's content; undefined when the bucket does not hold it. */
  async directUrl(id: string, ttlS: number, headers: DirectUrlHeaders): Promise<string | undefined> {
    if (!(await this.stat(id))) return undefined;
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.contentKey(id),
      ResponseContentType: headers.contentType,
      ...(headers.contentDisposition && { ResponseContentDisposition: headers.contentDisposition }),
      ResponseCacheControl: 'private, max-age=31536000, immutable',
    });
    // Signing is local: no request to the server.
    return getSignedUrl(this.client, command, { expiresIn: ttlS });
  }

  /** Rejects when the bucket is missing, refused or unreachable: what start-up logs. */
  async checkBucket(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** Nest calls this on shutdown: local copies go, connections close. */
  async onApplicationShutdown(): Promise<void> {
    await this.copies.close();
    this.client.destroy();
  }

  /** Removes `id` if its last write is older than the cutoff (a touch or put since keeps it). */
  private async expire(id: string, cutoffMs: number): Promise<boolean> {
    try {
      const found = await this.head(id);
      if (!found || found.meta.writtenAt >= cutoffMs) return false;
      // A put of the same bytes between this HEAD and the DELETE loses its copy: S3 has no
      // conditional delete to close that window (one round trip wide).
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.contentKey(id) }));
      this.cache.forget(id);
      return true;
    } catch (err) {
      throw fromS3Error(err);
    }
  }

  /** Temporary objects of uploads that died (the tmp prefix holds only uploads in flight). */
  private async removeStaleTmp(failures: unknown[]): Promise<void> {
    const staleBefore = this.clock() - STALE_TMP_MS;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${this.prefix}tmp/`,
          ...(token && { ContinuationToken: token }),
        }),
      );
      const stale = (page.Contents ?? []).filter(
        (o) => o.Key && o.LastModified && o.LastModified.getTime() < staleBefore,
      );
      if (stale.length > 0) {
        await this.client
          .send(
            new DeleteObjectsCommand({
              Bucket: this.bucket,
              Delete: { Objects: stale.map((o) => ({ Key: o.Key! })), Quiet: true },
            }),
          )
          .catch((err: unknown) => failures.push(fromS3Error(err)));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private contentKey(id: string): string {
    return `${this.prefix}blobs/${id.slice(0, 2)}/${id}`;
  }

  /** The object's size and metadata; undefined when there is none. */
  private async head(id: string): Promise<{ bytes: number; meta: ObjectMeta } | undefined> {
    try {
      const answer = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.contentKey(id) }),
      );
      return { bytes: answer.ContentLength ?? 0, meta: fromMetadata(answer.Metadata, answer.LastModified) };
    } catch (err) {
      if (isS3NotFound(err)) return undefined;
      throw err;
    }
  }

  /** The content (or the `range` of it), as it arrives; BlobNotFoundError when there is none. */
  private async *chunks(id: string, range?: string): AsyncGenerator<Buffer> {
    // Checked before any key is built: only 64 hex characters can name an object here.
    if (!BLOB_ID_PATTERN.test(id)) throw new BlobNotFoundError(id);
    let body: Readable;
    try {
      const answer = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.contentKey(id),
          ...(range && { Range: range }),
        }),
      );
      body = answer.Body as Readable;
    } catch (err) {
      if (isS3NotFound(err)) throw new BlobNotFoundError(id, { cause: err });
      if (range && isS3InvalidRange(err)) return; // an empty object has no byte 0
      throw fromS3Error(err);
    }
    try {
      for await (const chunk of body) yield chunk as Buffer;
    } catch (err) {
      throw fromS3Error(err);
    } finally {
      // A reader that stopped early (a prefix, a client gone) must not leave the socket busy.
      body.destroy();
    }
  }

  private async download(id: string, path: string): Promise<void> {
    await pipeline(
      Readable.from(this.chunks(id), { objectMode: false }),
      createWriteStream(path, { flags: 'wx' }),
    );
  }
}

interface ReadAhead {
  chunks: Buffer[];
  ended: boolean;
  rest: AsyncIterator<unknown>;
}

/** Reads until more than `limit` bytes came or the stream ended; the rest stays unread in `rest`. */
async function readUpTo(rest: AsyncIterator<unknown>, limit: number): Promise<ReadAhead> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  // Not a for-await: leaving it early would destroy the stream, whose rest is still to come.
  for (;;) {
    const next = await rest.next();
    if (next.done) return { chunks, ended: true, rest };
    const chunk = next.value as Buffer;
    chunks.push(chunk);
    bytes += chunk.length;
    if (bytes > limit) return { chunks, ended: false, rest };
  }
}

/** The chunks read ahead, then the rest of the stream. */
async function* continued({ chunks, rest }: ReadAhead): AsyncGenerator<Buffer> {
  yield* chunks.splice(0); // handed on, not held for the whole upload
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value as Buffer;
}

/** Each path segment percent-encoded, as x-amz-copy-source wants it. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** Metadata values travel as headers: ASCII only, so the filename is percent-encoded. */
function toMetadata(meta: ObjectMeta): Record<string, string> {
  return {
    'media-type': encodeURIComponent(wellFormed(meta.mediaType)),
    ...(meta.filename !== undefined && { filename: encodeFilename(meta.filename) }),
    'created-at': meta.createdAt,
    'written-at': String(meta.writtenAt),
  };
}

function fromMetadata(
  metadata: Record<string, string> | undefined,
  lastModified: Date | undefined,
): ObjectMeta {
  const decode = (value: string | undefined) => {
    try {
      return value === undefined ? undefined : decodeURIComponent(value);
    } catch {
      return undefined; // written by someone else
    }
  };
  const fallbackMs = lastModified?.getTime() ?? 0;
  const writtenAt = Number(metadata?.['written-at']);
  const createdAt = metadata?.['created-at'];
  const filename = decode(metadata?.filename);
  return {
    mediaType: decode(metadata?.['media-type']) ?? DEFAULT_MEDIA_TYPE,
    ...(filename !== undefined && { filename }),
    createdAt:
      createdAt && !Number.isNaN(Date.parse(createdAt)) ? createdAt : new Date(fallbackMs).toISOString(),
    writtenAt: Number.isSafeInteger(writtenAt) ? writtenAt : fallbackMs,
  };
}

/** Lone surrogates (which encodeURIComponent refuses) as U+FFFD; a pair is one code point to `u`. */
function wellFormed(value: string): string {
  return value.replace(/\p{Cs}/gu, '\uFFFD');
}

/** Percent-encoded and cut (at a whole character) to FILENAME_MAX_CHARS. */
function encodeFilename(filename: string): string {
  let out = '';
  for (const char of wellFormed(filename)) {
    const encoded = encodeURIComponent(char);
    if (out.length + encoded.length > FILENAME_MAX_CHARS) break;
    out += encoded;
  }
  return out;
}

function toInfo(id: string, bytes: number, meta: ObjectMeta): BlobInfo {
  return {
    id,
    bytes,
    mediaType: meta.mediaType,
    ...(meta.filename !== undefined && { filename: meta.filename }),
    createdAt: meta.createdAt,
  };
}
