import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobInfo, BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';
import type { FileObject, FilePurpose, StoredFile } from './file-object';
import { isExpired, type FileListQuery, type FileStore } from './file-store';

/** Files as OpenAI's API shows them: a blob plus a file object. */
export class FileCatalog {
  constructor(
    private readonly blobs: BlobStore,
    private readonly store: FileStore,
    /** How long the blob store keeps bytes nobody writes again (BLOB_TTL_S): a file's lifetime. */
    readonly ttlS: number,
  ) {}

  /** Streams the content to the blob store and records its file object. */
  async create(
    content: Buffer | NodeJS.ReadableStream | AsyncIterable<Buffer>,
    options: { filename: string; purpose: FilePurpose; maxBytes: number; mediaType?: string; id?: string },
  ): Promise<FileObject> {
    return this.add(await this.upload(content, options), options);
  }

  /** The bytes of a file to be: streamed to the blob store (413 past `maxBytes`). */
  upload(
    content: Buffer | NodeJS.ReadableStream | AsyncIterable<Buffer>,
    options: { filename: string; maxBytes: number; mediaType?: string },
  ): Promise<BlobInfo> {
    return this.blobs.put(content, {
      mediaType: options.mediaType ?? 'application/jsonl',
      filename: options.filename,
      maxBytes: options.maxBytes,
    });
  }

  /** Records the file object of uploaded bytes. */
  async add(
    blob: BlobInfo,
    options: { filename: string; purpose: FilePurpose; id?: string },
  ): Promise<FileObject> {
    const created = Math.floor(Date.now() / 1000);
    const file: FileObject = {
      id: options.id ?? newFileId(),
      object: 'file',
      bytes: blob.bytes,
      created_at: created,
      expires_at: created + this.ttlS,
      filename: options.filename,
      purpose: options.purpose,
      status: 'processed',
    };
    await this.store.put({ file, blobId: blob.id });
    return file;
  }

  /** The stored file; 404 when there is none (or it expired). */
  async get(id: string): Promise<StoredFile> {
    const stored = await this.store.get(id);
    if (!stored || isExpired(stored)) {
      throw new GatewayError('not_found', `No such File object: ${id}`, { param: 'file_id' });
    }
    return stored;
  }

  /**
   * Keeps the file (object and bytes) for another `ttlS` from now: a batch reads its input until
   * it ends. Returns the file as it now stands; 404 when it is gone.
   */
  async pin(id: string): Promise<FileObject> {
    const stored = await this.get(id);
    if (!(await this.blobs.touch(stored.blobId))) {
      throw new GatewayError('not_found', `the bytes of file ${id} are gone`, { param: 'file_id' });
    }
    const file = { ...stored.file, expires_at: Math.floor(Date.now() / 1000) + this.ttlS };
    await this.store.put({ file, blobId: stored.blobId });
    return file;
  }

  /** The blob holding the file's bytes, as an input to read; undefined when either is gone. */
  async blob(id: string): Promise<BlobInfo | undefined> {
    const stored = await this.store.get(id);
    return stored && !isExpired(stored) ? this.blobs.stat(stored.blobId) : undefined;
  }

  /** The file's bytes, streamed. */
  async content(id: string): Promise<{ file: FileObject; stream: Readable }> {
    const { file, blobId } = await this.get(id);
    return { file, stream: this.blobs.stream(blobId) };
  }

  async list(query: FileListQuery): Promise<{ data: FileObject[]; hasMore: boolean }> {
    const { data, hasMore } = await this.store.list(query);
    return { data: data.map((stored) => stored.file), hasMore };
  }

  /**
   * Forgets the file object; 404 when there is none. Its bytes are a content-addressed blob that
   * other files or jobs may share, so they go with the blob store's expiry (BLOB_TTL_S).
   */
  async delete(id: string): Promise<void> {
    if (!(await this.store.delete(id))) {
      throw new GatewayError('not_found', `No such File object: ${id}`, { param: 'file_id' });
    }
  }
}

export function newFileId(): string {
  return `file-${randomUUID().replaceAll('-', '')}`;
}
