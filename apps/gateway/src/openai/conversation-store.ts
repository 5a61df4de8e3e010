import type { RedisClient } from '../queue/redis-connections';
import { LRUCache } from 'lru-cache';
import type { SharedState } from '../queue/job-backend';

/** A conversation as OpenAI answers it (`client.conversations.retrieve`). Times are Unix seconds. */
export interface ConversationObject {
  /** `conv_` and 32 hex digits. */
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Record<string, string>;
}

/**
 * An item of a conversation, stored as it was given or produced (a message today; an output
 * item of another type as a response produced it): the store reads only its id.
 */
export interface ConversationItem {
  id: string;
  type: string;
}

/**
 * What bounds a conversation: its items and their bytes (as JSON). Media belong in blobs, named
 * by reference; these keep one conversation's footprint in Redis small whatever the caller sends.
 */
export const CONVERSATION_LIMITS = {
  items: 1_000,
  itemBytes: 4 * 1024 * 1024,
  bytes: 32 * 1024 * 1024,
} as const;

/** Why items were not appended (nothing was), or `ok`. */
export type AppendResult =
  'ok' | 'not_found' | 'too_many_items' | 'too_large' | { itemTooLarge: number } | { duplicate: string };

/** A page of items: `after` is the id of the last item of the previous page (in `order`). */
export interface ItemsQuery {
  order: 'asc' | 'desc';
  limit: number;
  after?: string;
}

/**
 * Conversations and their items, each kept for the store's TTL from its last change. Items keep
 * the order they were added in; an item id appears once per conversation.
 */
export interface ConversationStore {
  /** Saves a new conversation with its first items, or nothing (and says why). */
  create(conversation: ConversationObject, items: ConversationItem[]): Promise<AppendResult>;
  get(id: string): Promise<ConversationObject | undefined>;
  /** The conversation with `metadata`, or undefined when there is none. */
  update(id: string, metadata: Record<string, string>): Promise<ConversationObject | undefined>;
  /** False when there was no such conversation. */
  delete(id: string): Promise<boolean>;
  /** Adds items after the last, all or none. */
  append(id: string, items: ConversationItem[]): Promise<AppendResult>;
  /** Every item, oldest first (at most CONVERSATION_LIMITS.items); undefined without the conversation. */
  items(id: string): Promise<ConversationItem[] | undefined>;
  page(id: string, query: ItemsQuery): Promise<{ data: ConversationItem[]; hasMore: boolean } | undefined>;
  item(id: string, itemId: string): Promise<ConversationItem | undefined>;
  /** `ok`, or which of the two is missing. */
  deleteItem(id: string, itemId: string): Promise<'ok' | 'not_found' | 'no_item'>;
}

/**
 * The items as the JSON to store, in order, or why they cannot be (one too large, an id twice);
 * the store checks the rest against what it holds.
 */
function encodeItems(items: ConversationItem[]): { id: string; json: string }[] | AppendResult {
  const seen = new Set<string>();
  const encoded: { id: string; json: string }[] = [];
  for (const [i, item] of items.entries()) {
    if (seen.has(item.id)) return { duplicate: item.id };
    seen.add(item.id);
    const json = JSON.stringify(item);
    if (Buffer.byteLength(json) > CONVERSATION_LIMITS.itemBytes) return { itemTooLarge: i };
    encoded.push({ id: item.id, json });
  }
  return encoded;
}

/**
 * Appends id/JSON pairs (ARGV[5...]) after the highest sequence number, within the limits, all or
 * none; with ARGV[4] the conversation is created first. Every key's TTL starts again.
 */
const APPEND = `
local create = ARGV[4] ~= ''
local exists = redis.call('EXISTS', KEYS[1]) == 1
if create and exists then return 'exists' end
if not create and not exists then return 'not_found' end
local n = (#ARGV - 4) / 2
if redis.call('ZCARD', KEYS[3]) + n > tonumber(ARGV[2]) then return 'too_many_items' end
local bytes = 0
for i = 0, n - 1 do
  if redis.call('HEXISTS', KEYS[2], ARGV[5 + 2 * i]) == 1 then return 'duplicate:' .. ARGV[5 + 2 * i] end
  bytes = bytes + string.len(ARGV[6 + 2 * i])
end
local held = create and 0 or tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
if held + bytes > tonumber(ARGV[3]) then return 'too_large' end
if create then redis.call('HSET', KEYS[1], 'object', ARGV[4], 'bytes', 0) end
local last = redis.call('ZREVRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local seq = last[2] and tonumber(last[2]) or 0
for i = 0, n - 1 do
  seq = seq + 1
  redis.call('HSET', KEYS[2], ARGV[5 + 2 * i], ARGV[6 + 2 * i])
  redis.call('ZADD', KEYS[3], seq, ARGV[5 + 2 * i])
end
redis.call('HINCRBY', KEYS[1], 'bytes', bytes)
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, ARGV[1]) end
return 'ok'`;

const DELETE_ITEM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'not_found' end
local raw = redis.call('HGET', KEYS[2], ARGV[2])
if not raw then return 'no_item' end
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'bytes', -string.len(raw))
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, ARGV[1]) end
return 'ok'`;

const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'object', ARGV[2])
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, ARGV[1]) end
return 1`;

interface ConversationCommands {
  omnigateConversationAppend(...keysAndArgs: string[]): Promise<string>;
  omnigateConversationDeleteItem(...keysAndArgs: string[]): Promise<string>;
  omnigateConversationUpdate(...keysAndArgs: string[]): Promise<number>;
}

/**
 * Redis, beside the batches' keys: per conversation a hash (`conversation:{<id>}`: the object as
 * JSON and the items' bytes), its items by id (`conversation:{<id>}:items`, JSON) and their order
 * (`conversation:{<id>}:order`, a sorted set by sequence number). Each change is one script and
 * starts the three keys' TTL again; a page is a rank, a range and one HMGET.
 */
export class RedisConversationStore implements ConversationStore {
  private readonly scripts: RedisClient & ConversationCommands;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlS: number,
  ) {
    // A script command goes as EVALSHA (the script once per connection), and auto-pipelines.
    if (!('omnigateConversationAppend' in redis)) {
      redis.defineCommand('omnigateConversationAppend', { numberOfKeys: 3, lua: APPEND });
      redis.defineCommand('omnigateConversationDeleteItem', { numberOfKeys: 3, lua: DELETE_ITEM });
      redis.defineCommand('omnigateConversationUpdate', { numberOfKeys: 3, lua: UPDATE });
    }
    this.scripts = redis as RedisClient & ConversationCommands;
  }

  create(conversation: ConversationObject, items: ConversationItem[]): Promise<AppendResult> {
    return this.write(conversation.id, items, JSON.stringify(conversation));
  }

  async get(id: string): Promise<ConversationObject | undefined> {
    const raw = await this.redis.hget(this.keys(id)[0], 'object');
    return raw ? (JSON.parse(raw) as ConversationObject) : undefined;
  }

  async update(id: string, metadata: Record<string, string>): Promise<ConversationObject | undefined> {
    const found = await this.get(id);
    if (!found) return undefined;
    const updated = { ...found, metadata };
    const applied = await this.scripts.omnigateConversationUpdate(
      ...this.keys(id),
      String(this.ttlS),
      JSON.stringify(updated),
    );
    return applied === 1 ? updated : undefined;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.redis.del(...this.keys(id))) > 0;
  }

  append(id: string, items: ConversationItem[]): Promise<AppendResult> {
    return this.write(id, items, '');
  }

  async items(id: string): Promise<ConversationItem[] | undefined> {
    const [conversation, , order] = this.keys(id);
    const [exists, ids] = await Promise.all([
      this.redis.exists(conversation),
      this.redis.zrange(order, 0, '-1'),
    ]);
    return exists === 1 ? this.read(id, ids) : undefined;
  }

  async page(
    id: string,
    query: ItemsQuery,
  ): Promise<{ data: ConversationItem[]; hasMore: boolean } | undefined> {
    const [conversation, , order] = this.keys(id);
    if ((await this.redis.exists(conversation)) === 0) return undefined;
    const asc = query.order === 'asc';
    let start = 0;
    if (query.after !== undefined) {
      const rank = asc
        ? await this.redis.zrank(order, query.after)
        : await this.redis.zrevrank(order, query.after);
      if (rank === null) return { data: [], hasMore: false };
      start = rank + 1;
    }
    const end = start + query.limit;
    const ids = asc
      ? await this.redis.zrange(order, start, String(end))
      : await this.redis.zrevrange(order, start, end);
    const data = await this.read(id, ids.slice(0, query.limit));
    return { data, hasMore: ids.length > query.limit };
  }

  async item(id: string, itemId: string): Promise<ConversationItem | undefined> {
    const [conversation, items] = this.keys(id);
    const [exists, raw] = await Promise.all([
      this.redis.exists(conversation),
      this.redis.hget(items, itemId),
    ]);
    return exists === 1 && raw ? (JSON.parse(raw) as ConversationItem) : undefined;
  }

  async deleteItem(id: string, itemId: string): Promise<'ok' | 'not_found' | 'no_item'> {
    const result = await this.scripts.omnigateConversationDeleteItem(
      ...this.keys(id),
      String(this.ttlS),
      itemId,
    );
    return result as 'ok' | 'not_found' | 'no_item';
  }

  private async write(id: string, items: ConversationItem[], create: string): Promise<AppendResult> {
    const encoded = encodeItems(items);
    if (!Array.isArray(encoded)) return encoded;
    const result = await this.scripts.omnigateConversationAppend(
      ...this.keys(id),
      String(this.ttlS),
      String(CONVERSATION_LIMITS.items),
      String(CONVERSATION_LIMITS.bytes),
      create,
      ...encoded.flatMap((item) => [item.id, item.json]),
    );
    if (result.startsWith('duplicate:')) return { duplicate: result.slice('duplicate:'.length) };
    // `exists`: a new id taken already (122 random bits: never in practice) is no conversation of the caller's.
    if (result === 'exists') throw new Error(`conversation ${id} exists already`);
    return result as AppendResult;
  }

  /** The items of `ids` that are still there (one deleted between the two reads is left out). */
  private async read(id: string, ids: string[]): Promise<ConversationItem[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.hmget(this.keys(id)[1], ...ids);
    return raws.filter((raw) => raw !== null).map((raw) => JSON.parse(raw) as ConversationItem);
  }

  /**
   * The conversation's hash, its items and their order: its scripts change the three together,
   * so they share a hash tag, the conversation's id (one Redis Cluster slot per conversation).
   */
  private keys(id: string): [string, string, string] {
    const key = `${this.prefix}:conversation:{${id}}`;
    return [key, `${key}:items`, `${key}:order`];
  }
}

/** A conversation in memory: its items as JSON by id, in the order they were added (a Map's). */
interface HeldConversation {
  conversation: ConversationObject;
  items: Map<string, string>;
  bytes: number;
}

/**
 * The in-process driver's: gone with the process, like its jobs. Each expires after the TTL from
 * its last change, and at most MEMORY_CONVERSATIONS are kept (the least recently used go first).
 */
export class MemoryConversationStore implements ConversationStore {
  private readonly conversations: LRUCache<string, HeldConversation>;

  constructor(ttlS: number) {
    this.conversations = new LRUCache({ max: MEMORY_CONVERSATIONS, ttl: ttlS * 1000 });
  }

  async create(conversation: ConversationObject, items: ConversationItem[]): Promise<AppendResult> {
    if (this.conversations.has(conversation.id)) {
      throw new Error(`conversation ${conversation.id} exists already`);
    }
    const held = { conversation, items: new Map<string, string>(), bytes: 0 };
    const result = this.add(held, items);
    if (result === 'ok') this.conversations.set(conversation.id, held);
    return result;
  }

  async get(id: string): Promise<ConversationObject | undefined> {
    return this.conversations.get(id)?.conversation;
  }

  async update(id: string, metadata: Record<string, string>): Promise<ConversationObject | undefined> {
    const held = this.conversations.get(id);
    if (!held) return undefined;
    held.conversation = { ...held.conversation, metadata };
    this.conversations.set(id, held);
    return held.conversation;
  }

  async delete(id: string): Promise<boolean> {
    return this.conversations.delete(id);
  }

  async append(id: string, items: ConversationItem[]): Promise<AppendResult> {
    const held = this.conversations.get(id);
    if (!held) return 'not_found';
    const result = this.add(held, items);
    if (result === 'ok') this.conversations.set(id, held);
    return result;
  }

  async items(id: string): Promise<ConversationItem[] | undefined> {
    const held = this.conversations.get(id);
    return held ? [...held.items.values()].map(decode) : undefined;
  }

  async page(
    id: string,
    query: ItemsQuery,
  ): Promise<{ data: ConversationItem[]; hasMore: boolean } | undefined> {
    const held = this.conversations.get(id);
    if (!held) return undefined;
    const ids = [...held.items.keys()];
    if (query.order === 'desc') ids.reverse();
    const start = query.after === undefined ? 0 : ids.indexOf(query.after) + 1;
    if (query.after !== undefined && start === 0) return { data: [], hasMore: false };
    const data = ids.slice(start, start + query.limit).map((itemId) => decode(held.items.get(itemId)!));
    return { data, hasMore: start + query.limit < ids.length };
  }

  async item(id: string, itemId: string): Promise<ConversationItem | undefined> {
    const raw = this.conversations.get(id)?.items.get(itemId);
    return raw === undefined ? undefined : decode(raw);
  }

  async deleteItem(id: string, itemId: string): Promise<'ok' | 'not_found' | 'no_item'> {
    const held = this.conversations.get(id);
    if (!held) return 'not_found';
    const raw = held.items.get(itemId);
    if (raw === undefined) return 'no_item';
    held.items.delete(itemId);
    held.bytes -= Buffer.byteLength(raw);
    this.conversations.set(id, held);
    return 'ok';
  }

  /** Adds the items to `held` within the limits, all or none. */
  private add(held: HeldConversation, items: ConversationItem[]): AppendResult {
    const encoded = encodeItems(items);
    if (!Array.isArray(encoded)) return encoded;
    if (held.items.size + encoded.length > CONVERSATION_LIMITS.items) return 'too_many_items';
    const taken = encoded.find((item) => held.items.has(item.id));
    if (taken) return { duplicate: taken.id };
    const bytes = encoded.reduce((sum, item) => sum + Buffer.byteLength(item.json), 0);
    if (held.bytes + bytes > CONVERSATION_LIMITS.bytes) return 'too_large';
    for (const item of encoded) held.items.set(item.id, item.json);
    held.bytes += bytes;
    return 'ok';
  }
}

const decode = (raw: string): ConversationItem => JSON.parse(raw) as ConversationItem;

const MEMORY_CONVERSATIONS = 1_000;

export const CONVERSATION_STORE = Symbol('ConversationStore');

/** The conversation store where the queue driver keeps its state; conversations live `ttlS` from their last change. */
export function createConversationStore(state: SharedState, ttlS: number): ConversationStore {
  return state.kind === 'redis'
    ? new RedisConversationStore(state.redis, state.prefix, ttlS)
    : new MemoryConversationStore(ttlS);
}
