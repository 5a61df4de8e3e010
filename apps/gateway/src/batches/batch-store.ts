import type { RedisClient } from '../queue/redis-connections';
import { slotTag } from '../queue/slot-tag';
import type { TraceCarrier } from '../tracing/trace-context';
import type { Webhook } from '../webhooks/webhook-queue';
import type { BatchObject, BatchPatch, BatchStatus } from './batch-object';
import type { SharedState } from '../queue/job-backend';

/** One answered line: whether it goes to the error file, and its JSONL line. */
export interface BatchResultLine {
  failed: boolean;
  line: string;
}

/**
 * Batches, their answered lines and who runs them. Every line is recorded once, by its line
 * number, whoever answers it; that is what makes a resumed batch answer each line exactly once.
 */
export interface BatchStore {
  /**
   * Saves a new batch, the webhook to call when it ends (kept apart: it holds a secret), and the
   * trace context of the request that created it (its lines' spans link to it).
   */
  create(batch: BatchObject, webhook?: Webhook, trace?: TraceCarrier): Promise<void>;
  webhook(id: string): Promise<Webhook | undefined>;
  trace(id: string): Promise<TraceCarrier | undefined>;
  /** The batch with its current `completed` and `failed` counts. */
  get(id: string): Promise<BatchObject | undefined>;
  /**
   * Applies `patch` if the batch's status is one of `from`, in one step (a cancel and the runner
   * may change the same batch at once). Returns the batch after, or undefined if it did not apply.
   */
  transition(id: string, from: readonly BatchStatus[], patch: BatchPatch): Promise<BatchObject | undefined>;
  /** Newest first; `after` is the id of the last batch of the previous page. */
  list(limit: number, after?: string): Promise<{ data: BatchObject[]; hasMore: boolean }>;
  /** Ids of batches not yet in a final status: the ones some process must be running. */
  active(): Promise<string[]>;
  /** Forgets the answered lines of a batch that reached a final status. */
  settle(id: string): Promise<void>;
  /** Records line `lineNo`'s answer and counts it; false (and nothing changes) if it was answered. */
  recordLine(id: string, lineNo: number, result: BatchResultLine): Promise<boolean>;
  /** The numbers of the lines answered so far, in one read (a run that resumes skips them). */
  answeredLines(id: string): Promise<Set<number>>;
  /** Every recorded answer, in no particular order, without holding them all in memory. */
  answers(id: string): AsyncIterable<BatchResultLine>;
  /** Takes (or renews) the right to run the batch for `ttlMs`; false when another owner holds it. */
  claim(id: string, owner: string, ttlMs: number): Promise<boolean>;
  release(id: string, owner: string): Promise<void>;
}

const TRANSITION = `
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local batch = cjson.decode(raw)
for _, status in ipairs(cjson.decode(ARGV[1])) do
  if batch.status == status then
    for key, value in pairs(cjson.decode(ARGV[2])) do batch[key] = value end
    local out = cjson.encode(batch)
    redis.call('SET', KEYS[1], out)
    return out
  end
end
return nil`;

/** Lists go by a sequence number: creation seconds tie. */
const CREATE = `
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
if ARGV[3] ~= '' then redis.call('SET', KEYS[5], ARGV[3]) end
if ARGV[4] ~= '' then redis.call('SET', KEYS[6], ARGV[4]) end
return 1`;

const RECORD_LINE = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  return 1
end
return 0`;

const CLAIM = `
local owner = redis.call('GET', KEYS[1])
if owner == false or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

interface RecordLineCommand {
  omnigateRecordLine(
    linesKey: string,
    countsKey: string,
    lineNo: string,
    answer: string,
    counter: string,
  ): Promise<number>;
}

/** Answered lines are stored as `o:` (output) or `e:` (error) and the line. */
const encodeAnswer = (r: BatchResultLine) => `${r.failed ? 'e' : 'o'}:${r.line}`;
const decodeAnswer = (raw: string): BatchResultLine => ({ failed: raw[0] === 'e', line: raw.slice(2) });

/**
 * Redis: the batch as JSON (`batch:<id>`), a sorted set in creation order for listing, a set of the
 * active ones, and per batch a hash of answered lines, a hash of counts and a lease key. A new
 * batch goes into the lists in the script that saves it, and a settled one leaves the active set
 * with its lines: every key has one hash tag (`{<prefix>:batches}`: one Redis Cluster slot).
 */
export class RedisBatchStore implements BatchStore {
  private readonly scripts: RedisClient & RecordLineCommand;
  private readonly tag: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.tag = slotTag(prefix, 'batches');
    // A script command goes as EVALSHA (the script once per connection), and auto-pipelines.
    if (!('omnigateRecordLine' in redis)) {
      redis.defineCommand('omnigateRecordLine', { numberOfKeys: 2, lua: RECORD_LINE });
    }
    this.scripts = redis as RedisClient & RecordLineCommand;
  }

  private key(id: string, part?: 'lines' | 'counts' | 'lease' | 'webhook' | 'trace'): string {
    return part ? `${this.tag}:batch:${id}:${part}` : `${this.tag}:batch:${id}`;
  }

  private get orderKey(): string {
    return `${this.tag}:batches:order`;
  }

  private get activeKey(): string {
    return `${this.tag}:batches:active`;
  }

  async create(batch: BatchObject, webhook?: Webhook, trace?: TraceCarrier): Promise<void> {
    await this.redis.eval(
      CREATE,
      6,
      this.key(batch.id),
      this.orderKey,
      `${this.orderKey}:seq`,
      this.activeKey,
      this.key(batch.id, 'webhook'),
      this.key(batch.id, 'trace'),
      batch.id,
      JSON.stringify(batch),
      webhook ? JSON.stringify(webhook) : '',
      trace ? JSON.stringify(trace) : '',
    );
  }

  async webhook(id: string): Promise<Webhook | undefined> {
    const raw = await this.redis.get(this.key(id, 'webhook'));
    return raw ? (JSON.parse(raw) as Webhook) : undefined;
  }

  async trace(id: string): Promise<TraceCarrier | undefined> {
    const raw = await this.redis.get(this.key(id, 'trace'));
    return raw ? (JSON.parse(raw) as TraceCarrier) : undefined;
  }

  async get(id: string): Promise<BatchObject | undefined> {
    const [raw, counts] = await Promise.all([
      this.redis.get(this.key(id)),
      this.redis.hmget(this.key(id, 'counts'), 'completed', 'failed'),
    ]);
    return raw ? withCounts(JSON.parse(raw) as BatchObject, counts) : undefined;
  }

  async transition(
    id: string,
    from: readonly BatchStatus[],
    patch: BatchPatch,
  ): Promise<BatchObject | undefined> {
    const out = (await this.redis.eval(
      TRANSITION,
      1,
      this.key(id),
      JSON.stringify(from),
      JSON.stringify(patch),
    )) as string | null;
    if (out === null) return undefined;
    const counts = await this.redis.hmget(this.key(id, 'counts'), 'completed', 'failed');
    return withCounts(JSON.parse(out) as BatchObject, counts);
  }

  async list(limit: number, after?: string): Promise<{ data: BatchObject[]; hasMore: boolean }> {
    let start = 0;
    if (after !== undefined) {
      const rank = await this.redis.zrevrank(this.orderKey, after);
      if (rank === null) return { data: [], hasMore: false };
      start = rank + 1;
    }
    const ids = await this.redis.zrevrange(this.orderKey, start, start + limit);
    const batches = await Promise.all(ids.slice(0, limit).map((id) => this.get(id)));
    return { data: batches.filter((b) => b !== undefined), hasMore: ids.length > limit };
  }

  async active(): Promise<string[]> {
    return this.redis.smembers(this.activeKey);
  }

  async settle(id: string): Promise<void> {
    await this.redis
      .multi()
      .srem(this.activeKey, id)
      .del(this.key(id, 'lines'), this.key(id, 'trace'))
      .exec();
  }

  async recordLine(id: string, lineNo: number, result: BatchResultLine): Promise<boolean> {
    const added = await this.scripts.omnigateRecordLine(
      this.key(id, 'lines'),
      this.key(id, 'counts'),
      String(lineNo),
      encodeAnswer(result),
      result.failed ? 'failed' : 'completed',
    );
    return added === 1;
  }

  async answeredLines(id: string): Promise<Set<number>> {
    return new Set((await this.redis.hkeys(this.key(id, 'lines'))).map(Number));
  }

  async *answers(id: string): AsyncIterable<BatchResultLine> {
    const stream = this.redis.hscanStream(this.key(id, 'lines'), { count: 200 });
    for await (const chunk of stream as AsyncIterable<string[]>) {
      for (let i = 1; i < chunk.length; i += 2) yield decodeAnswer(chunk[i]!);
    }
  }

  async claim(id: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(CLAIM, 1, this.key(id, 'lease'), owner, String(ttlMs))) === 1;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(id, 'lease'), owner);
  }
}

function withCounts(batch: BatchObject, [completed, failed]: (string | null)[]): BatchObject {
  return {
    ...batch,
    request_counts: {
      total: batch.request_counts.total,
      completed: Number(completed ?? 0),
      failed: Number(failed ?? 0),
    },
  };
}

/** The in-process driver's: one process runs everything, and nothing outlives it. */
export class MemoryBatchStore implements BatchStore {
  private readonly batches = new Map<string, BatchObject>();
  private readonly lines = new Map<string, Map<number, BatchResultLine>>();
  private readonly settled = new Set<string>();
  private readonly webhooks = new Map<string, Webhook>();
  private readonly traces = new Map<string, TraceCarrier>();

  async create(batch: BatchObject, webhook?: Webhook, trace?: TraceCarrier): Promise<void> {
    this.batches.set(batch.id, structuredClone(batch));
    this.lines.set(batch.id, new Map());
    if (webhook) this.webhooks.set(batch.id, webhook);
    if (trace) this.traces.set(batch.id, trace);
  }

  async webhook(id: string): Promise<Webhook | undefined> {
    return this.webhooks.get(id);
  }

  async trace(id: string): Promise<TraceCarrier | undefined> {
    return this.traces.get(id);
  }

  async get(id: string): Promise<BatchObject | undefined> {
    const batch = this.batches.get(id);
    if (!batch) return undefined;
    const answers = [...(this.lines.get(id)?.values() ?? [])];
    const failed = answers.filter((a) => a.failed).length;
    const counts = this.settled.has(id)
      ? batch.request_counts
      : { total: batch.request_counts.total, completed: answers.length - failed, failed };
    return structuredClone({ ...batch, request_counts: counts });
  }

  async transition(
    id: string,
    from: readonly BatchStatus[],
    patch: BatchPatch,
  ): Promise<BatchObject | undefined> {
    const batch = this.batches.get(id);
    if (!batch || !from.includes(batch.status)) return undefined;
    this.batches.set(id, { ...batch, ...structuredClone(patch) });
    return this.get(id);
  }

  async list(limit: number, after?: string): Promise<{ data: BatchObject[]; hasMore: boolean }> {
    const ids = [...this.batches.keys()].reverse();
    const start = after === undefined ? 0 : ids.indexOf(after) + 1;
    if (after !== undefined && start === 0) return { data: [], hasMore: false };
    const page = ids.slice(start, start + limit);
    const data = await Promise.all(page.map(async (id) => (await this.get(id))!));
    return { data, hasMore: ids.length > start + limit };
  }

  async active(): Promise<string[]> {
    return [...this.batches.keys()].filter((id) => !this.settled.has(id));
  }

  async settle(id: string): Promise<void> {
    // The counts stay: they were read from the answers, which go.
    const batch = await this.get(id);
    if (batch) this.batches.set(id, batch);
    this.settled.add(id);
    this.lines.delete(id);
    this.traces.delete(id);
  }

  async recordLine(id: string, lineNo: number, result: BatchResultLine): Promise<boolean> {
    const lines = this.lines.get(id);
    if (!lines || lines.has(lineNo)) return false;
    lines.set(lineNo, result);
    return true;
  }

  async answeredLines(id: string): Promise<Set<number>> {
    return new Set(this.lines.get(id)?.keys() ?? []);
  }

  async *answers(id: string): AsyncIterable<BatchResultLine> {
    yield* this.lines.get(id)?.values() ?? [];
  }

  async claim(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}
}

/** The batch store where the queue driver keeps its state. */
export function createBatchStore(state: SharedState): BatchStore {
  return state.kind === 'redis' ? new RedisBatchStore(state.redis, state.prefix) : new MemoryBatchStore();
}
