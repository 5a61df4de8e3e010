import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';
import type { FileObject, FilePurpose, StoredFile } from './file-object';
import type { FileStore } from './file-store';

/** Files as OpenAI's API shows them: a blob plus a file object. */
export class FileCatalog {
  constructor(
    private readonly blobs: BlobStore,
    private readonly store: FileStore,
  ) {}

  /** Streams the content to the blob store and records its file object. */
  async create(
    content: Buffer | NodeJS.ReadableStream | AsyncIterable<Buffer>,
    options: { filename: string; purpose: FilePurpose; maxBytes: number; id?: string },
  ): Promise<FileObject> {
    const blob = await this.blobs.put(content, {
      mediaType: 'application/jsonl',
      filename: options.filename,
      maxBytes: options.maxBytes,
    });
    const file: FileObject = {
      id: options.id ?? newFileId(),
      object: 'file',
      bytes: blob.bytes,
      created_at: Math.floor(Date.now() / 1000),
      filename: options.filename,
      purpose: options.purpose,
      status: 'processed',
    };
    await this.store.put({ file, blobId: blob.id });
    return file;
  }

  /** The stored file; 404 when there is none. */
  async get(id: string): Promise<StoredFile> {
    const stored = await this.store.get(id);
    if (!stored) {
      throw new GatewayError('not_found', `No such File object: ${id}`, { param: 'file_id' });
    }
    return stored;
  }

  /** The file's bytes, streamed. */
  async content(id: string): Promise<{ file: FileObject; stream: Readable }> {
    const { file, blobId } = await this.get(id);
    return { file, stream: this.blobs.stream(blobId) };
  }
}

export function newFileId(): string {
  return `file-${randomUUID().replaceAll('-', '')}`;
}
