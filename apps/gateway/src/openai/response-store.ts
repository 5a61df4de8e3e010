import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { SharedState } from '../queue/job-backend';
import type { ConversationItem, ResponseInputMessage } from './responses-request';

/**
 * A stored response (`store: true`): the Response object as created, the input items it was
 * asked with, the conversation up to and including its answer as items (without instructions,
 * which a follow-up does not inherit; media by blob id), for `previous_response_id`, and the job
 * that answered it.
 */
export interface StoredResponse {
  response: Record<string, unknown> & { id: string };
  inputItems: ResponseInputMessage[];
  conversation: ConversationItem[];
  jobId: string;
}

/** Where stored responses are kept, each for the store's TTL. */
export interface ResponseStore {
  /** How long a response is kept, in seconds. */
  readonly ttlS: number;
  get(id: string): Promise<StoredResponse | undefined>;
  put(stored: StoredResponse): Promise<void>;
  /** False when there was no such response. */
  delete(id: string): Promise<boolean>;
}

/** Redis: one key per response (`<prefix>:responses:<id>`, JSON) that expires after `ttlS`. */
export class RedisResponseStore implements ResponseStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly ttlS: number,
  ) {}

  async get(id: string): Promise<StoredResponse | undefined> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as StoredResponse) : undefined;
  }

  async put(stored: StoredResponse): Promise<void> {
    await this.redis.set(this.key(stored.response.id), JSON.stringify(stored), 'EX', this.ttlS);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.redis.del(this.key(id))) === 1;
  }

  private key(id: string): string {
    return `${this.prefix}:responses:${id}`;
  }
}

/**
 * The in-process driver's: gone with the process, like its jobs. Each expires after the TTL, and
 * at most MEMORY_RESPONSES are kept (the least recently used go first), so memory stays bounded.
 */
export class MemoryResponseStore implements ResponseStore {
  private readonly responses: LRUCache<string, StoredResponse>;

  constructor(readonly ttlS: number) {
    this.responses = new LRUCache({ max: MEMORY_RESPONSES, ttl: ttlS * 1000 });
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    return this.responses.get(id);
  }

  async put(stored: StoredResponse): Promise<void> {
    this.responses.set(stored.response.id, stored);
  }

  async delete(id: string): Promise<boolean> {
    return this.responses.delete(id);
  }
}

const MEMORY_RESPONSES = 10_000;

export const RESPONSE_STORE = Symbol('ResponseStore');

/** The response store where the queue driver keeps its state. */
export function createResponseStore(state: SharedState, ttlS: number): ResponseStore {
  return state.kind === 'redis'
    ? new RedisResponseStore(state.redis, state.prefix, ttlS)
    : new MemoryResponseStore(ttlS);
}
