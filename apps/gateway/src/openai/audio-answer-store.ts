import type { RedisClient } from '../queue/redis-connections';
import { LRUCache } from 'lru-cache';
import type { SharedState } from '../queue/job-backend';

/**
 * A spoken chat answer as a later turn refers to it (`{role: 'assistant', audio: {id}}`): its
 * transcript, which is what a text model is sent for it, and the blob of its audio.
 */
export interface StoredAudioAnswer {
  /** `audio_…`, as `message.audio.id` gave it. */
  id: string;
  transcript: string;
  /** The blob of the audio as the speech hop produced it. */
  blobId: string;
  /** Unix seconds after which the id is forgotten (`message.audio.expires_at`). */
  expiresAt: number;
}

/** Where spoken answers are kept, each for the store's TTL. */
export interface AudioAnswerStore {
  readonly ttlS: number;
  put(answer: StoredAudioAnswer): Promise<void>;
  /** The answers of `ids`, in order; undefined for an id unknown or expired. */
  getMany(ids: readonly string[]): Promise<(StoredAudioAnswer | undefined)[]>;
}

/** Redis: one key per answer (`<prefix>:chat-audio:<id>`, JSON) that expires after `ttlS`. */
export class RedisAudioAnswerStore implements AudioAnswerStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    readonly ttlS: number,
  ) {}

  async put(answer: StoredAudioAnswer): Promise<void> {
    await this.redis.set(this.key(answer.id), JSON.stringify(answer), 'EX', this.ttlS);
  }

  async getMany(ids: readonly string[]): Promise<(StoredAudioAnswer | undefined)[]> {
    if (ids.length === 0) return [];
    // One round trip for every reference of a conversation: the GETs of one turn share it
    // (auto-pipelining), and each may go to its own node in a Redis Cluster, as MGET could not.
    const raw = await Promise.all(ids.map((id) => this.redis.get(this.key(id))));
    return raw.map((value) => (value ? (JSON.parse(value) as StoredAudioAnswer) : undefined));
  }

  private key(id: string): string {
    return `${this.prefix}:chat-audio:${id}`;
  }
}

/**
 * The in-process driver's: gone with the process, like its jobs; at most MEMORY_ANSWERS are
 * kept (the least recently used go first), each for the TTL.
 */
export class MemoryAudioAnswerStore implements AudioAnswerStore {
  private readonly answers: LRUCache<string, StoredAudioAnswer>;

  constructor(readonly ttlS: number) {
    this.answers = new LRUCache({ max: MEMORY_ANSWERS, ttl: ttlS * 1000 });
  }

  async put(answer: StoredAudioAnswer): Promise<void> {
    this.answers.set(answer.id, answer);
  }

  async getMany(ids: readonly string[]): Promise<(StoredAudioAnswer | undefined)[]> {
    return ids.map((id) => this.answers.get(id));
  }
}

const MEMORY_ANSWERS = 10_000;

export const AUDIO_ANSWER_STORE = Symbol('AudioAnswerStore');

/**
 * One store per shared state: the facade's controllers and the batch runner are built by
 * different modules, and with the in-process driver two memory stores would not see each
 * other's answers.
 */
const stores = new WeakMap<SharedState, AudioAnswerStore>();

/** The audio answer store where the queue driver keeps its state. */
export function audioAnswerStore(state: SharedState, ttlS: number): AudioAnswerStore {
  let store = stores.get(state);
  if (!store) {
    store =
      state.kind === 'redis'
        ? new RedisAudioAnswerStore(state.redis, state.prefix, ttlS)
        : new MemoryAudioAnswerStore(ttlS);
    stores.set(state, store);
  }
  return store;
}
