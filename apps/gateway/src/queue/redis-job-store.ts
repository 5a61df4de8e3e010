import { isTerminalStatus } from '@omnigate/contracts';
import type { RedisClient } from './redis-connections';
import type { Logger } from 'pino';
import type { JobListStart, JobStore, RecentJobs } from '../jobs/job-ports';
import type { JobEvent, JobRecord } from '../jobs/job-record';
import { slotTag } from './slot-tag';

/**
 * SET with a TTL and PUBLISH on channel ARGV[5], in one step (as a MULTI would); then a job's
 * lease dropped, if named. The channel is an argument, not a key: in a Redis Cluster every key
 * of a script is in one slot, and a channel has none (PUBLISH reaches every node).
 */
const SET_AND_PUBLISH = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('PUBLISH', ARGV[5], ARGV[3])
if ARGV[4] ~= '' then redis.call('ZREM', KEYS[2], ARGV[4]) end
return 1`;

/** Stale entries of the list of recent jobs one create removes at most: a create's work stays bounded. */
const TRIM_PER_CREATE = 32;

/**
 * A new record (SET NX with a TTL) and its entry in the list of recent jobs; if the record is new
 * and ARGV[3] is not empty, its job's lease until Redis's now + ARGV[3] ms. The list is a sorted
 * set of job ids by creation time in µs on Redis's clock, one more than the newest entry's when
 * that is not earlier (scripts run one at a time), so that a position names one entry. A record
 * that is there already (a job's end saved ahead of its late create) is listed too. Entries older
 * than the TTL leave the list here, a bounded number per call: each create adds one and removes
 * up to TRIM_PER_CREATE, so the stale ones never pile up. Times go to Redis as `%.0f`: Lua would
 * write a number of 16 digits with 14.
 */
const CREATE = `
local created = redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX')
local t = redis.call('TIME')
if created and ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[3]), ARGV[4])
end
local now = t[1] * 1000000 + t[2]
local at = now
local newest = redis.call('ZREVRANGE', KEYS[3], 0, 0, 'WITHSCORES')[2]
if newest and tonumber(newest) >= now then at = tonumber(newest) + 1 end
redis.call('ZADD', KEYS[3], 'NX', string.format('%.0f', at), ARGV[4])
local stale = redis.call('ZCOUNT', KEYS[3], '-inf', string.format('%.0f', now - ARGV[2] * 1000000))
if stale > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, math.min(stale, ${TRIM_PER_CREATE}) - 1)
end
return 1`;

/**
 * Up to ARGV[1] + 1 entries of the list of recent jobs (id, position, ...), newest first, created
 * within the TTL (ARGV[4] s): after position ARGV[2], or after job ARGV[3]'s position (false when
 * that job is not listed), or from the newest.
 */
const RECENT = `
local t = redis.call('TIME')
local oldest = string.format('(%.0f', t[1] * 1000000 + t[2] - ARGV[4] * 1000000)
local top = '+inf'
if ARGV[2] ~= '' then
  top = '(' .. ARGV[2]
elseif ARGV[3] ~= '' then
  local at = redis.call('ZSCORE', KEYS[1], ARGV[3])
  if not at then return false end
  top = '(' .. at
end
return redis.call('ZREVRANGEBYSCORE', KEYS[1], top, oldest, 'WITHSCORES', 'LIMIT', 0, ARGV[1] + 1)`;

interface StoreCommands {
  omnigateSetAndPublish(
    key: string,
    leases: string,
    value: string,
    ttlS: number,
    message: string,
    dropLeaseOf: string,
    channel: string,
  ): Promise<number>;
  omnigateCreateJob(
    key: string,
    leases: string,
    list: string,
    value: string,
    ttlS: number,
    leaseMs: number | '',
    id: string,
  ): Promise<number>;
  omnigateRecentJobs(
    list: string,
    count: number,
    afterAt: string,
    afterId: string,
    ttlS: number,
  ): Promise<string[] | null>;
}

/**
 * The hash tag of every job store key (records, `active` marks, the direct lane's leases, the
 * list of recent jobs): its scripts tie a record to those two lists in one step, so all of them
 * are in one Redis Cluster slot (docs/redis-keys.md says what that costs).
 */
export const jobsTag = (prefix: string): string => slotTag(prefix, 'jobs');
/** Where the job records of `prefix` live, by id. */
export const jobKey = (prefix: string, id: string): string => `${jobsTag(prefix)}:job:${id}`;
/** A job's `active` mark (markActive), beside its record. */
export const jobActiveKey = (prefix: string, id: string): string => `${jobKey(prefix, id)}:active`;
/** The one channel of every job's events (a channel, not a key: it has no slot). */
export const jobEventsChannel = (prefix: string): string => `${prefix}:job-events`;
/** The direct lane's leases: a sorted set of job ids by when their lease runs out (ms, Redis's clock). */
export const directLeasesKey = (prefix: string): string => `${jobsTag(prefix)}:direct-leases`;
/** The list of recent jobs: a sorted set of job ids by position (JobListPosition). */
export const recentJobsKey = (prefix: string): string => `${jobsTag(prefix)}:jobs:recent`;

/** What the views of one store (`on`) share: its subscription's listeners, the ends ahead. */
interface SharedEvents {
  listeners: Map<string, Set<(event: JobEvent) => void>>;
  unended: Map<string, number>;
}

/**
 * Job records as JSON strings with a TTL; changes go out on one pub/sub channel that each
 * process subscribes to once, whatever the number of waiting requests.
 */
export class RedisJobStore implements JobStore {
  private readonly listeners: SharedEvents['listeners'];
  private readonly channel: string;
  /**
   * Jobs created here whose end this process has not dispatched yet, with when they were
   * created (oldest first): their end can only reach a new watch as an event.
   */
  private readonly unended: SharedEvents['unended'];

  private readonly scripts: RedisClient & StoreCommands;
  private readonly leases: string;
  private readonly list: string;

  constructor(
    /**
     * The hop queue's connection: a hop added after `create` is called (not only after it
     * settles) reaches Redis after its record, and one turn's commands of both share a write.
     */
    redis: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly prefix: string,
    private readonly ttlS: number,
    private readonly logger: Logger,
    shared: SharedEvents = { listeners: new Map(), unended: new Map() },
  ) {
    this.listeners = shared.listeners;
    this.unended = shared.unended;
    this.channel = jobEventsChannel(prefix);
    this.leases = directLeasesKey(prefix);
    this.list = recentJobsKey(prefix);
    // Scripts, not MULTIs: one command each, and no pipeline object (which would copy every
    // BullMQ script defined on this connection).
    if (!('omnigateSetAndPublish' in redis)) {
      redis.defineCommand('omnigateSetAndPublish', { numberOfKeys: 2, lua: SET_AND_PUBLISH });
      redis.defineCommand('omnigateCreateJob', { numberOfKeys: 3, lua: CREATE });
      redis.defineCommand('omnigateRecentJobs', { numberOfKeys: 1, lua: RECENT });
    }
    this.scripts = redis as RedisClient & StoreCommands;
  }

  private get redis(): RedisClient {
    return this.scripts;
  }

  /**
   * The same store, its commands sent on `redis` instead (e.g. one that waits for Redis rather
   * than failing fast); it shares the one subscription and its listeners.
   */
  on(redis: RedisClient): RedisJobStore {
    const { listeners, unended } = this;
    return new RedisJobStore(redis, this.subscriber, this.prefix, this.ttlS, this.logger, {
      listeners,
      unended,
    });
  }

  /** Subscribes the shared connection; call once before serving requests. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.dispatch(message);
    });
    // Events published while the subscription was down are lost: once it is back, what is
    // waited on is read instead.
    let lost = false;
    this.subscriber.on('reconnecting', () => (lost = true));
    this.subscriber.on('ready', () => {
      if (!lost) return;
      lost = false;
      void this.catchUp().catch((err: unknown) => this.logger.warn({ err }, 'job events: catch-up failed'));
    });
    await this.subscriber.subscribe(this.channel);
  }

  /** After a lost subscription: every job waited on that ended meanwhile is dispatched from its record. */
  private async catchUp(): Promise<void> {
    this.unended.clear();
    await Promise.all(
      [...this.listeners.keys()].map(async (id) => {
        const record = await this.get(id);
        if (!record || !isTerminalStatus(record.status)) return;
        for (const listener of this.listeners.get(id) ?? []) listener({ id, status: record.status, record });
      }),
    );
  }

  private key(id: string): string {
    return jobKey(this.prefix, id);
  }

  async create(record: JobRecord, leaseMs?: number): Promise<void> {
    this.rememberUnended(record.id);
    // NX: a create that reaches Redis late (sent before it froze, carried out once it is back)
    // never revives a record that was marked failed meanwhile because the create seemed lost.
    // One script whatever the lease: still one command, as the SET NX it replaces.
    await this.scripts.omnigateCreateJob(
      this.key(record.id),
      this.leases,
      this.list,
      JSON.stringify(record),
      this.ttlS,
      leaseMs === undefined ? '' : Math.ceil(leaseMs),
      record.id,
    );
  }

  private rememberUnended(id: string): void {
    const now = Date.now();
    // Jobs that never announced an end (lost, expired) are forgotten after the record's TTL.
    for (const [old, at] of this.unended) {
      if (now - at < this.ttlS * 1000) break;
      this.unended.delete(old);
    }
    this.unended.set(id, now);
  }

  /**
   * True for a job this process created and has not yet seen end: the shared subscription
   * (taken at start-up, before any job) will dispatch its end, so a new watch needs no read.
   */
  endIsAhead(id: string): boolean {
    return this.unended.has(id);
  }

  /** A job's `active` state lives in a key of its own, so marking it needs no read of the record. */
  private activeKey(id: string): string {
    return jobActiveKey(this.prefix, id);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const [raw, attempt] = await this.redis.mget(this.key(id), this.activeKey(id));
    return fromStored(raw, attempt);
  }

  async recent(count: number, after?: JobListStart): Promise<RecentJobs | undefined> {
    const listed = await this.scripts.omnigateRecentJobs(
      this.list,
      count,
      after && 'at' in after ? String(after.at) : '',
      after && 'id' in after ? after.id : '',
      this.ttlS,
    );
    if (!listed) return undefined;
    const ids: string[] = [];
    const positions: number[] = [];
    for (let i = 0; i < listed.length && ids.length < count; i += 2) {
      ids.push(listed[i]);
      positions.push(Number(listed[i + 1]));
    }
    const more = listed.length > 2 * count;
    if (ids.length === 0) return { entries: [], more };
    const stored = await this.redis.mget(ids.flatMap((id) => [this.key(id), this.activeKey(id)]));
    const entries = ids.map((id, i) => {
      const record = fromStored(stored[2 * i], stored[2 * i + 1]);
      return record ? { at: positions[i], id, record } : { at: positions[i], id };
    });
    // A record rarely goes before its entry leaves the list (evicted, or saved ahead of its late
    // create, so that its TTL ran from earlier): its entry goes with it.
    const gone = entries.filter((e) => !e.record).map((e) => e.id);
    if (gone.length > 0) await this.redis.zrem(this.list, ...gone);
    return { entries, more };
  }

  async markActive(id: string, attempt: number): Promise<void> {
    await this.scripts.omnigateSetAndPublish(
      this.activeKey(id),
      this.leases,
      String(attempt),
      this.ttlS,
      JSON.stringify({ id, status: 'active' } satisfies JobEvent),
      '',
      this.channel,
    );
  }

  async save(record: JobRecord, event: JobEvent): Promise<void> {
    const value = JSON.stringify(record);
    await this.scripts.omnigateSetAndPublish(
      this.key(record.id),
      this.leases,
      value,
      this.ttlS,
      event.record === record ? withRecordJson(event, value) : JSON.stringify(event),
      // The end of a job ends its lease, whoever ends it (its process, or a cancel elsewhere).
      isTerminalStatus(event.status) ? record.id : '',
      this.channel,
    );
  }

  async publish(event: JobEvent): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(event));
  }

  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  private dispatch(message: string): void {
    // Every process hears every job's events; most are of jobs nobody here waits for (another
    // process's requests, the batch lane's lines): the id at the front of the message tells, so
    // they cost no parse.
    const id = leadingId(message);
    if (id !== undefined && !this.listeners.has(id) && !this.unended.has(id)) return;
    let event: JobEvent;
    try {
      event = JSON.parse(message) as JobEvent;
    } catch (err) {
      this.logger.warn({ err }, 'ignoring a malformed job event');
      return;
    }
    if (isTerminalStatus(event.status)) this.unended.delete(event.id);
    for (const listener of this.listeners.get(event.id) ?? []) listener(event);
  }
}

/** A record as `get` reads it: its `active` key (markActive) makes a job that has not ended `active`. */
function fromStored(
  raw: string | null | undefined,
  attempt: string | null | undefined,
): JobRecord | undefined {
  if (!raw) return undefined;
  const record = JSON.parse(raw) as JobRecord;
  return attempt && !isTerminalStatus(record.status)
    ? { ...record, status: 'active', attempts: Number(attempt) }
    : record;
}

/** How every event's JSON starts: events are made with their `id` first. */
const ID_FIRST = '{"id":"';

/** The job id a message starts with, or undefined when it does not start with one (then it is parsed). */
function leadingId(message: string): string | undefined {
  if (!message.startsWith(ID_FIRST)) return undefined;
  const end = message.indexOf('"', ID_FIRST.length);
  if (end < 0) return undefined;
  const id = message.slice(ID_FIRST.length, end);
  // An escaped character would make the raw text differ from the id: parse such a message.
  return id.includes('\\') ? undefined : id;
}

/** The event as JSON, its `record` spliced in from the record's JSON rather than serialised again. */
export function withRecordJson(event: JobEvent, recordJson: string): string {
  const rest = JSON.stringify({ ...event, record: undefined });
  return `${rest.slice(0, -1)},"record":${recordJson}}`;
}
