import { EventEmitter } from 'node:events';
import { isTerminalStatus } from '@omnigate/contracts';
import type { JobListPosition, JobListStart, JobStore, RecentJobs } from '../jobs/job-ports';
import type { JobEvent, JobRecord } from '../jobs/job-record';

/**
 * Records in a Map with a TTL, events on an EventEmitter: a single process needs no more.
 * Records are never mutated in place (every change saves a new object), so none is copied.
 */
export class MemoryJobStore implements JobStore {
  private readonly records = new Map<string, { record: JobRecord; expiresAt: number }>();
  /** The list of recent jobs, oldest first: positions only grow, so a new entry goes last. */
  private listed: { at: JobListPosition; id: string }[] = [];
  /** The position of each listed job, by id. */
  private readonly positions = new Map<string, JobListPosition>();
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly ttlMs: number) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(ttlMs, 60_000)).unref();
  }

  async create(record: JobRecord): Promise<void> {
    if ((this.records.get(record.id)?.expiresAt ?? 0) <= Date.now()) this.put(record);
    if (this.positions.has(record.id)) return;
    // As in Redis: the creation time in µs, one more than the newest's when that is not earlier.
    const at = Math.max(Date.now() * 1000, (this.listed.at(-1)?.at ?? 0) + 1);
    this.listed.push({ at, id: record.id });
    this.positions.set(record.id, at);
  }

  async recent(count: number, after?: JobListStart): Promise<RecentJobs | undefined> {
    let end = this.listed.length;
    if (after) {
      const at = 'at' in after ? after.at : this.positions.get(after.id);
      if (at === undefined) return undefined;
      end = firstAtOrAfter(this.listed, at);
    }
    const oldest = (Date.now() - this.ttlMs) * 1000;
    const entries: RecentJobs['entries'] = [];
    let i = end - 1;
    for (; i >= 0 && entries.length < count && this.listed[i].at > oldest; i--) {
      const { at, id } = this.listed[i];
      const record = this.live(id);
      entries.push(record ? { at, id, record } : { at, id });
    }
    return { entries, more: i >= 0 && this.listed[i].at > oldest };
  }

  private put(record: JobRecord): void {
    this.records.set(record.id, { record, expiresAt: Date.now() + this.ttlMs });
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return this.live(id);
  }

  private live(id: string): JobRecord | undefined {
    const entry = this.records.get(id);
    return entry && entry.expiresAt > Date.now() ? entry.record : undefined;
  }

  async markActive(id: string, attempt: number): Promise<void> {
    const record = await this.get(id);
    if (!record || isTerminalStatus(record.status)) return;
    await this.save({ ...record, status: 'active', attempts: attempt }, { id, status: 'active' });
  }

  async save(record: JobRecord, event: JobEvent): Promise<void> {
    this.put(record);
    await this.publish(event);
  }

  async publish(event: JobEvent): Promise<void> {
    this.events.emit(event.id, event);
  }

  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    this.events.on(id, listener);
    return () => this.events.off(id, listener);
  }

  /** Drops the expired records, and the list's entries that are older than the TTL or lost their record. */
  private sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.records) if (entry.expiresAt <= now) this.records.delete(id);
    const oldest = (now - this.ttlMs) * 1000;
    const kept = this.listed.filter(({ at, id }) => at > oldest && this.records.has(id));
    if (kept.length === this.listed.length) return;
    this.listed = kept;
    this.positions.clear();
    for (const { at, id } of kept) this.positions.set(id, at);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/** The index of the first entry of `listed` (in order of position) at or after position `at`. */
function firstAtOrAfter(listed: readonly { at: JobListPosition }[], at: JobListPosition): number {
  let low = 0;
  let high = listed.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (listed[mid].at < at) low = mid + 1;
    else high = mid;
  }
  return low;
}
