import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobTooLargeError } from './blob-errors';
import type {
  BlobInfo,
  BlobStore,
  BlobTraffic,
  DirectUrlHeaders,
  PutOptions,
  StagedBlob,
} from './blob-store';
import type { JobBlobTier } from './job-blob-tier';

const ID_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Small job-scoped inputs (a prompt, a short CSV) go beside the job record, one round trip
 * away from every process; everything else goes to the durable store. Reads try the job tier
 * first. A request's inline inputs therefore never touch the disk on the hot path.
 *
 * `traffic`, if given, counts the bytes each tier writes and hands to readers (the durable
 * store's in-memory cache included; not what a tool reads from `localPath` itself).
 */
export class TieredBlobStore implements BlobStore {
  constructor(
    private readonly jobTier: JobBlobTier,
    private readonly durable: BlobStore,
    private readonly jobTierMaxBytes: number,
    private readonly traffic?: { jobTier: BlobTraffic; durable: BlobTraffic },
  ) {}

  async put(
    data: Buffer | NodeJS.ReadableStream | AsyncIterable<Buffer>,
    options: PutOptions = {},
  ): Promise<BlobInfo> {
    const staged = Buffer.isBuffer(data) ? this.stage(data, options) : undefined;
    if (staged) {
      await staged.written;
      return staged.info;
    }
    const info = await this.durable.put(data, options);
    this.traffic?.durable.written(info.bytes);
    return info;
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
    const written = this.jobTier.put(info, data);
    const traffic = this.traffic?.jobTier;
    return { info, written: traffic ? written.then(() => traffic.written(data.length)) : written };
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
    const small = await this.fromJobTier(id);
    if (small) {
      this.traffic?.jobTier.read(small.data.length);
      return small.data;
    }
    const data = await this.durable.read(id);
    this.traffic?.durable.read(data.length);
    return data;
  }

  async readPrefix(id: string, bytes: number): Promise<Buffer> {
    const small = await this.fromJobTier(id);
    if (small) {
      this.traffic?.jobTier.read(Math.min(bytes, small.data.length));
      return small.data.subarray(0, bytes);
    }
    const prefix = await this.durable.readPrefix(id, bytes);
    this.traffic?.durable.read(prefix.length);
    return prefix;
  }

  localPath(id: string): Promise<string | undefined> {
    return this.durable.localPath(id);
  }

  stream(id: string): Readable {
    const { durable, traffic } = this;
    const fromJobTier = (blobId: string) => this.fromJobTier(blobId);
    return Readable.from(
      (async function* () {
        const small = await fromJobTier(id);
        if (small) {
          traffic?.jobTier.read(small.data.length);
          yield small.data;
          return;
        }
        for await (const chunk of durable.stream(id) as AsyncIterable<Buffer>) {
          traffic?.durable.read(chunk.length);
          yield chunk;
        }
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

  /** Only the durable store may have one: the job tier is read through the gateway. */
  async directUrl(id: string, ttlS: number, headers: DirectUrlHeaders): Promise<string | undefined> {
    return this.durable.directUrl?.(id, ttlS, headers);
  }
}
