import type { Redis } from 'ioredis';
import type { StoredFile } from './file-object';

/** Where file objects (`/v1/files`) are kept; their bytes are blobs. */
export interface FileStore {
  get(id: string): Promise<StoredFile | undefined>;
  /** Adds or replaces the file object under its id. */
  put(stored: StoredFile): Promise<void>;
}

/** One Redis hash, id → JSON, shared by every gateway process. */
export class RedisFileStore implements FileStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:files`;
  }

  async get(id: string): Promise<StoredFile | undefined> {
    const raw = await this.redis.hget(this.key, id);
    return raw ? (JSON.parse(raw) as StoredFile) : undefined;
  }

  async put(stored: StoredFile): Promise<void> {
    await this.redis.hset(this.key, stored.file.id, JSON.stringify(stored));
  }
}

/** The in-process driver's: gone with the process, like its jobs. */
export class MemoryFileStore implements FileStore {
  private readonly files = new Map<string, StoredFile>();

  async get(id: string): Promise<StoredFile | undefined> {
    return this.files.get(id);
  }

  async put(stored: StoredFile): Promise<void> {
    this.files.set(stored.file.id, stored);
  }
}
