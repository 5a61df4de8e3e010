import type { RedisClient } from './redis-connections';
import type { DirectLeaseStore } from '../jobs/job-ports';
import type { JobEvent, JobRecord } from '../jobs/job-record';
import { directLeasesKey, jobEventsChannel, jobKey, withRecordJson } from './redis-job-store';

/** Redis's clock in ms, in a script (Redis 7 replicates a script's effects, not the script). */
const NOW_MS = `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

/** The leases still held among ARGV[2..], extended to now + ARGV[1] ms (XX: none taken again). */
const RENEW = `${NOW_MS}
local untilMs = now + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', untilMs, ARGV[i]) end
return 1`;

/** The leases run out, at most ARGV[2], for the one caller per ARGV[1] ms that takes the lock. */
const EXPIRED = `
if not redis.call('SET', KEYS[2], '1', 'PX', ARGV[1], 'NX') then return {} end
${NOW_MS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))`;

/**
 * A lease still run out is dropped; with a record (ARGV[2]) the job is saved failed and announced
 * too, on channel ARGV[5] (an argument: a channel has no Redis Cluster slot).
 */
const EXPIRE = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
${NOW_MS}
if tonumber(score) > now then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
  redis.call('PUBLISH', ARGV[5], ARGV[4])
end
return 1`;

interface LeaseCommands {
  omnigateRenewLeases(leases: string, leaseMs: number, ...ids: string[]): Promise<number>;
  omnigateExpiredLeases(leases: string, lock: string, everyMs: number, limit: number): Promise<string[]>;
  omnigateExpireLease(
    leases: string,
    key: string,
    id: string,
    value: string,
    ttlS: number,
    message: string,
    channel: string,
  ): Promise<number>;
}

/** Leases renewed per command: one script does not hold Redis for long. */
const RENEW_BATCH = 1000;

/**
 * The direct lane's leases in Redis: one sorted set of job ids by when their lease runs out,
 * in Redis's clock (so the clocks of the processes do not matter), beside the job records
 * (RedisJobStore takes a lease with a record and drops it with the save that ends the job).
 */
export class RedisDirectLeaseStore implements DirectLeaseStore {
  private readonly scripts: RedisClient & LeaseCommands;
  private readonly key: string;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    /** How long the records live (JOB_TTL_S): a failed job is kept as long. */
    private readonly ttlS: number,
  ) {
    this.key = directLeasesKey(prefix);
    if (!('omnigateRenewLeases' in redis)) {
      redis.defineCommand('omnigateRenewLeases', { numberOfKeys: 1, lua: RENEW });
      redis.defineCommand('omnigateExpiredLeases', { numberOfKeys: 2, lua: EXPIRED });
      redis.defineCommand('omnigateExpireLease', { numberOfKeys: 2, lua: EXPIRE });
    }
    this.scripts = redis as RedisClient & LeaseCommands;
  }

  async renew(ids: readonly string[], leaseMs: number): Promise<void> {
    for (let i = 0; i < ids.length; i += RENEW_BATCH) {
      await this.scripts.omnigateRenewLeases(this.key, Math.ceil(leaseMs), ...ids.slice(i, i + RENEW_BATCH));
    }
  }

  async drop(id: string): Promise<void> {
    await this.scripts.zrem(this.key, id);
  }

  async expired(everyMs: number, limit: number): Promise<string[]> {
    return this.scripts.omnigateExpiredLeases(this.key, `${this.key}:sweep`, Math.ceil(everyMs), limit);
  }

  async expire(id: string, failed?: JobRecord): Promise<boolean> {
    let value = '';
    let message = '';
    if (failed) {
      value = JSON.stringify(failed);
      message = withRecordJson({ id, status: failed.status, record: failed } satisfies JobEvent, value);
    }
    const done = await this.scripts.omnigateExpireLease(
      this.key,
      jobKey(this.prefix, id),
      id,
      value,
      this.ttlS,
      message,
      jobEventsChannel(this.prefix),
    );
    return done === 1;
  }
}
