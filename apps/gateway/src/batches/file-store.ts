import type { RedisClient } from '../queue/redis-connections';
import { slotTag } from '../queue/slot-tag';
import type { FilePurpose, StoredFile } from './file-object';
import type { SharedState } from '../queue/job-backend';

/** A page of `GET /v1/files`: `after` is the id of the last file of the previous page. */
export interface FileListQuery {
  limit: number;
  order: 'asc' | 'desc';
  after?: string;
  purpose?: FilePurpose;
}

/** Where file objects (`/v1/files`) are kept; their bytes are blobs. */
export interface FileStore {
  get(id: string): Promise<StoredFile | undefined>;
  /** Adds or replaces the file object under its id (a replaced one keeps its place in the list). */
  put(stored: StoredFile): Promise<void>;
  /** In upload order; `hasMore` when files are left after the page. */
  list(query: FileListQuery): Promise<{ data: StoredFile[]; hasMore: boolean }>;
  /** False when there was no such file. */
  delete(id: string): Promise<boolean>;
}

/** Past its `expires_at` a file may have lost its bytes: it is gone. */
export function isExpired({ file }: StoredFile, nowMs = Date.now()): boolean {
  return file.expires_at * 1000 <= nowMs;
}

/** How many ids a list reads at a time while it filters by purpose. */
const LIST_CHUNK = 200;

/** Files that match the query, in the store's order, until a page and one more are found. */
async function collect(
  query: FileListQuery,
  next: (count: number) => Promise<StoredFile[] | undefined>,
): Promise<{ data: StoredFile[]; hasMore: boolean }> {
  const found: StoredFile[] = [];
  while (found.length <= query.limit) {
    const chunk = await next(Math.max(query.limit + 1, LIST_CHUNK));
    if (!chunk) break;
    found.push(...chunk.filter((f) => !isExpired(f) && (!query.purpose || f.file.purpose === query.purpose)));
  }
  return { data: found.slice(0, query.limit), hasMore: found.length > query.limit };
}

/**
 * Redis: one hash, id → JSON, shared by every gateway process, and a sorted set of the ids by
 * upload time (milliseconds) for listing; MULTIs change both, so they share a hash tag
 * (`{<prefix>:files}`: one Redis Cluster slot).
 */
export class RedisFileStore implements FileStore {
  private readonly key: string;
  private readonly orderKey: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.key = `${slotTag(prefix, 'files')}:files`;
    this.orderKey = `${this.key}:order`;
  }

  async get(id: string): Promise<StoredFile | undefined> {
    const raw = await this.redis.hget(this.key, id);
    return raw ? (JSON.parse(raw) as StoredFile) : undefined;
  }

  async put(stored: StoredFile): Promise<void> {
    const id = stored.file.id;
    await this.redis
      .multi()
      .hset(this.key, id, JSON.stringify(stored))
      .zadd(this.orderKey, 'NX', String(Date.now()), id)
      .exec();
  }

  async list(query: FileListQuery): Promise<{ data: StoredFile[]; hasMore: boolean }> {
    const desc = query.order === 'desc';
    let start = 0;
    if (query.after !== undefined) {
      const rank = desc
        ? await this.redis.zrevrank(this.orderKey, query.after)
        : await this.redis.zrank(this.orderKey, query.after);
      if (rank === null) return { data: [], hasMore: false };
      start = rank + 1;
    }
    return collect(query, async (count) => {
      const ids = desc
        ? await this.redis.zrevrange(this.orderKey, start, start + count - 1)
        : await this.redis.zrange(this.orderKey, String(start), String(start + count - 1));
      if (ids.length === 0) return undefined;
      start += ids.length;
      const raws = await this.redis.hmget(this.key, ...ids);
      const files = raws.map((raw) => (raw ? (JSON.parse(raw) as StoredFile) : undefined));
      // Expired (or vanished) files met on the way are forgotten: later lists do not walk past them.
      const gone = ids.filter((_, i) => !files[i] || isExpired(files[i]));
      if (gone.length > 0) {
        await this.redis
          .multi()
          .hdel(this.key, ...gone)
          .zrem(this.orderKey, ...gone)
          .exec();
        start -= gone.length;
      }
      return files.filter((f) => f !== undefined);
    });
  }

  async delete(id: string): Promise<boolean> {
    const results = await this.redis.multi().hdel(this.key, id).zrem(this.orderKey, id).exec();
    return results?.[0]?.[1] === 1;
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

  async list(query: FileListQuery): Promise<{ data: StoredFile[]; hasMore: boolean }> {
    const all = [...this.files.values()];
    if (query.order === 'desc') all.reverse();
    let start = 0;
    if (query.after !== undefined) {
      start = all.findIndex((f) => f.file.id === query.after) + 1;
      if (start === 0) return { data: [], hasMore: false };
    }
    return collect(query, async (count) => {
      const chunk = all.slice(start, start + count);
      start += chunk.length;
      return chunk.length > 0 ? chunk : undefined;
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.files.delete(id);
  }
}

/** The file store where the queue driver keeps its state. */
export function createFileStore(state: SharedState): FileStore {
  return state.kind === 'redis' ? new RedisFileStore(state.redis, state.prefix) : new MemoryFileStore();
}
