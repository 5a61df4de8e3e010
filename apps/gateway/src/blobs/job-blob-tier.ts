import type { RedisClient } from '../queue/redis-connections';
import { LRUCache } from 'lru-cache';
import type { BlobInfo } from './blob-store';

/** Where small job-scoped blobs live beside the job records, for as long as the records do. */
export interface JobBlobTier {
  put(info: BlobInfo, data: Buffer): Promise<void>;
  get(id: string): Promise<{ info: BlobInfo; data: Buffer } | undefined>;
}

/** HSET of the blob's info and data and its EXPIRE, in one step (as a MULTI would). */
const PUT_BLOB = `
redis.call('HSET', KEYS[1], 'info', ARGV[1], 'data', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;

interface PutBlobCommand {
  omnigatePutJobBlob(key: string, info: string, data: Buffer, ttlS: number): Promise<number>;
}

/** The tier of the BullMQ driver: one Redis hash per blob, shared by every API and worker process. */
export class RedisJobBlobTier implements JobBlobTier {
  private readonly scripts: RedisClient & PutBlobCommand;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlS: number,
  ) {
    // A script, not a MULTI: one command, and no pipeline object per put.
    if (!('omnigatePutJobBlob' in redis)) {
      redis.defineCommand('omnigatePutJobBlob', { numberOfKeys: 1, lua: PUT_BLOB });
    }
    this.scripts = redis as RedisClient & PutBlobCommand;
  }

  private get redis(): RedisClient {
    return this.scripts;
  }

  private key(id: string): string {
    return `${this.prefix}:blob:${id}`;
  }

  async put(info: BlobInfo, data: Buffer): Promise<void> {
    await this.scripts.omnigatePutJobBlob(this.key(info.id), JSON.stringify(info), data, this.ttlS);
  }

  async get(id: string): Promise<{ info: BlobInfo; data: Buffer } | undefined> {
    const [info, data] = await this.redis.hmgetBuffer(this.key(id), 'info', 'data');
    return info && data ? { info: JSON.parse(info.toString('utf8')) as BlobInfo, data } : undefined;
  }
}

/** The tier of the in-process driver: memory, bounded, expiring with the job records. */
export class MemoryJobBlobTier implements JobBlobTier {
  private readonly blobs: LRUCache<string, { info: BlobInfo; data: Buffer }>;

  constructor(ttlS: number, maxBytes = 256 * 1024 * 1024) {
    this.blobs = new LRUCache({
      maxSize: maxBytes,
      sizeCalculation: (b) => b.data.length + 256,
      ttl: ttlS * 1000,
    });
  }

  async put(info: BlobInfo, data: Buffer): Promise<void> {
    this.blobs.set(info.id, { info, data });
  }

  async get(id: string): Promise<{ info: BlobInfo; data: Buffer } | undefined> {
    return this.blobs.get(id);
  }
}
