import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobTooLargeError } from './blob-errors';
import type { BlobInfo, BlobStore, PutOptions, StagedBlob } from './blob-store';
import type { JobBlobTier } from './job-blob-tier';

const ID_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Small job-scoped inputs (a prompt, a short CSV) go beside the job record, one round trip
 * away from every process; everything else goes to the durable store. Reads try the job tier
 * first. A request's inline inputs therefore never touch the disk on the hot path.
 */
export class TieredBlobStore implements BlobStore {
  constructor(
    private readonly jobTier: JobBlobTier,
    private readonly durable: BlobStore,
    private readonly jobTierMaxBytes: number,
  ) {}

  async put(
    data: Buffer | NodeJS.ReadableStream | AsyncIterable<Buffer>,
    options: PutOptions = {},
  ): Promise<BlobInfo> {
    const staged = Buffer.isBuffer(data) ? this.stage(data, options) : undefined;
    if (!staged) return this.durable.put(data, options);
    await staged.written;
    return staged.info;
  }

  stage(data: Buffer, options: PutOptions): StagedBlob | undefined {
    if (options.scope !== 'job' || data.length > this.jobTierMaxBytes) return undefined;
    if (options.maxBytes !== undefined && data.length > options.maxBytes)
      throw new BlobTooLargeError(options.maxBytes);
    const info: BlobInfo = {
      id: createHash('sha256').update(data).digest('hex'),
      bytes: data.length,
      mediaType: options.mediaType ?? 'application/octet-stream',
      ...(options.filename ? { filename: options.filename } : {}),
      createdAt: new Date().toISOString(),
    };
    return { info, written: this.jobTier.put(info, data) };
  }

  private async fromJobTier(id: string): Promise<{ info: BlobInfo; data: Buffer } | undefined> {
    return ID_PATTERN.test(id) ? this.jobTier.get(id) : undefined;
  }

  /** The durable store's metadata wins: the same bytes may have been uploaded with another media type. */
  async stat(id: string): Promise<BlobInfo | undefined> {
    return (await this.durable.stat(id)) ?? (await this.fromJobTier(id))?.info;
  }

  // Content is the same in both tiers (the id is its hash), so reads try the fast one first.
  async read(id: string): Promise<Buffer> {
    return (await this.fromJobTier(id))?.data ?? this.durable.read(id);
  }

  async readPrefix(id: string, bytes: number): Promise<Buffer> {
    const small = await this.fromJobTier(id);
    return small ? small.data.subarray(0, bytes) : this.durable.readPrefix(id, bytes);
  }

  localPath(id: string): Promise<string | undefined> {
    return this.durable.localPath(id);
  }

  stream(id: string): Readable {
    const { durable } = this;
    const fromJobTier = (blobId: string) => this.fromJobTier(blobId);
    return Readable.from(
      (async function* () {
        const small = await fromJobTier(id);
        if (small) yield small.data;
        else yield* durable.stream(id);
      })(),
      { objectMode: false },
    );
  }

  touch(id: string): Promise<boolean> {
    // Job-tier blobs live as long as their job; only durable ones expire by age.
    return this.durable.touch(id);
  }

  sweep(olderThan: Date): Promise<number> {
    // The job tier expires on its own, with the job records.
    return this.durable.sweep(olderThan);
  }
}
