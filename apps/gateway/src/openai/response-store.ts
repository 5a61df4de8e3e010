import type { RedisClient } from '../queue/redis-connections';
import { LRUCache } from 'lru-cache';
import type { SharedState } from '../queue/job-backend';
import type { PreparedResponse } from './responses-endpoint';
import type { ConversationItem, ResponseInputMessage } from './responses-request';

/**
 * A stored response (`store: true`): the Response object as created, the input items it was
 * asked with, and the conversation up to and including its answer as items (without
 * instructions, which a follow-up does not inherit; media by blob id), for `previous_response_id`.
 */
export interface StoredResponse {
  response: Record<string, unknown> & { id: string };
  inputItems: ResponseInputMessage[];
  conversation: ConversationItem[];
  /** A background response's job; `pending` until its end has been read (responses-background.ts). */
  background?: BackgroundJob;
}

/** A background response's job, and while it runs what its answer is built from once it ends. */
export interface BackgroundJob {
  jobId: string;
  /** The request as prepared (media stored and read), to build the answer from once the job ends. */
  pending?: PreparedResponse;
}

/** Where stored responses are kept, each for the store's TTL. */
export interface ResponseStore {
  /** How long a response is kept, in seconds. */
  readonly ttlS: number;
  get(id: string): Promise<StoredResponse | undefined>;
  put(stored: StoredResponse): Promise<void>;
  /** False when there was no such response. */
  delete(id: string): Promise<boolean>;
  /**
   * Replaces a pending background response by its settled form, unless another reader settled
   * it first: what is stored then is answered, so every reader sees one answer (its item ids
   * included). Undefined when the response is gone (deleted, expired): it is not brought back.
   */
  settle(settled: StoredResponse): Promise<StoredResponse | undefined>;
}

/** Redis: one key per response (`<prefix>:responses:<id>`, JSON) that expires after `ttlS`. */
export class RedisResponseStore implements ResponseStore {
  private readonly redis: RedisClient & SettleCommand;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    readonly ttlS: number,
  ) {
    // A script: the check and the write are one step, whichever process settles first.
    if (!('omnigateSettleResponse' in redis)) {
      redis.defineCommand('omnigateSettleResponse', { numberOfKeys: 1, lua: SETTLE });
    }
    this.redis = redis as RedisClient & SettleCommand;
  }

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

  async settle(settled: StoredResponse): Promise<StoredResponse | undefined> {
    const raw = await this.redis.omnigateSettleResponse(
      this.key(settled.response.id),
      JSON.stringify(settled),
      this.ttlS,
    );
    if (raw === null) return undefined;
    return raw === '' ? settled : (JSON.parse(raw) as StoredResponse);
  }

  private key(id: string): string {
    return `${this.prefix}:responses:${id}`;
  }
}

interface SettleCommand {
  omnigateSettleResponse(key: string, settled: string, ttlS: number): Promise<string | null>;
}

/**
 * Sets KEYS[1] to ARGV[1] (for ARGV[2] seconds) if it holds a pending background response, and
 * answers '' (the caller has the value); else answers what it holds, nil when nothing.
 */
const SETTLE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local stored = cjson.decode(raw)
if type(stored.background) ~= 'table' or stored.background.pending == nil then return raw end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ''`;

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

  async settle(settled: StoredResponse): Promise<StoredResponse | undefined> {
    const current = this.responses.get(settled.response.id);
    if (!current?.background?.pending) return current;
    this.responses.set(settled.response.id, settled);
    return settled;
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
