import { EventEmitter } from 'node:events';
import { isTerminalStatus } from '@omnigate/contracts';
import type { Logger } from 'pino';
import { MemoryJobBlobTier } from '../blobs/job-blob-tier';
import type { AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import { type JobBackend } from './job-backend';
import {
  FinalHopError,
  RetryableHopError,
  type HopHandler,
  type HopQueue,
  type JobListPosition,
  type JobListStart,
  type JobStore,
  type QueueCounts,
  type QueueLimits,
  type QueueRef,
  type RateCounter,
  type RateLimit,
  type RecentJobs,
} from '../jobs/job-ports';
import { LocalClusterBus } from './cluster-bus';
import { sharedAbortController } from '../common/shared-abort';
import { retryDelayMs, type RetryPolicy } from '../jobs/retry-policy';
import type { HopJob, JobEvent, JobRecord } from '../jobs/job-record';
import { hopQueueName, laneOf, WORK_LANES, type WorkLane } from '../jobs/work-lanes';

/**
 * Records in a Map with a TTL, events on an EventEmitter: a single process needs no more.
 * Records are never mutated in place (every change saves a new object), so none is copied.
 */
class MemoryJobStore implements JobStore {
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

interface Pending {
  hop: HopJob;
  priority: number;
  seq: number;
  attempt: number;
}

/** What consumes one queue (an adapter's, in one lane). */
interface Consumer {
  adapterId: string;
  limits: QueueLimits;
  handler: HopHandler;
  running: Set<Promise<void>>;
}

/** The window of an adapter's rate limit, shared by its queues of both lanes. */
interface RateWindow {
  /** Start times within the window, oldest first. */
  starts: number[];
  /** Set while the adapter's queues wait for the window to move. */
  wakeUp?: NodeJS.Timeout;
}

/**
 * Per-adapter and lane FIFO within priority, bounded concurrency per queue, one rate window per
 * adapter, retries with backoff.
 */
class InlineHopQueue implements HopQueue {
  /** By queue name (hopQueueName). */
  private readonly consumers = new Map<string, Consumer>();
  /** By queue name. */
  private readonly pending = new Map<string, Pending[]>();
  /** By adapter id. */
  private readonly windows = new Map<string, RateWindow>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Hops waiting for a retry's backoff, by queue name. */
  private readonly delayed = new Map<string, number>();
  /** Aborted when the backend closes: every hop it runs follows it. */
  private readonly abort = sharedAbortController();
  private seq = 0;
  private closing = false;

  constructor(
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
  ) {}

  async add(hop: HopJob, options: { priority: number }): Promise<void> {
    const lane = laneOf(hop);
    if (!this.consumers.has(hopQueueName(hop.adapter, lane))) {
      throw new GatewayError(
        'unavailable',
        `no in-process worker serves adapter ${hop.adapter} in the ${lane} lane (see WORKER_ADAPTERS, WORKER_LANES)`,
        { adapter: hop.adapter },
      );
    }
    this.enqueue({ hop, priority: options.priority, seq: this.seq++, attempt: 1 });
  }

  private enqueue(item: Pending): void {
    const name = hopQueueName(item.hop.adapter, laneOf(item.hop));
    const list = this.pending.get(name) ?? [];
    const at = list.findIndex((p) => p.priority > item.priority);
    list.splice(at === -1 ? list.length : at, 0, item);
    this.pending.set(name, list);
    this.drain(name);
  }

  async work(
    adapterId: string,
    limits: QueueLimits,
    handler: HopHandler,
    lane: WorkLane = 'interactive',
  ): Promise<void> {
    this.consumers.set(hopQueueName(adapterId, lane), { adapterId, limits, handler, running: new Set() });
  }

  async stop(adapterId: string, lane: WorkLane = 'interactive'): Promise<void> {
    const name = hopQueueName(adapterId, lane);
    const consumer = this.consumers.get(name);
    this.consumers.delete(name);
    if (consumer) await Promise.allSettled([...consumer.running]);
  }

  private drain(name: string): void {
    const consumer = this.consumers.get(name);
    const list = this.pending.get(name);
    while (consumer && list?.length && consumer.running.size < consumer.limits.concurrency && !this.closing) {
      if (!this.admitted(consumer)) return;
      const item = list.shift()!;
      const run = this.run(item, consumer.handler).finally(() => {
        consumer.running.delete(run);
        this.drain(name);
      });
      consumer.running.add(run);
    }
  }

  /** From the in-memory queues; failed hops are not kept here. */
  async counts(queues: readonly QueueRef[]): Promise<QueueCounts[]> {
    return queues.map(({ adapter, lane }) => {
      const name = hopQueueName(adapter, lane);
      return {
        adapter,
        lane,
        waiting: this.pending.get(name)?.length ?? 0,
        active: this.consumers.get(name)?.running.size ?? 0,
        delayed: this.delayed.get(name) ?? 0,
        failed: 0,
      };
    });
  }

  /** A direct-lane hop counted in the window its queued hops are counted in (none: none served here). */
  async admit(adapterId: string, limit: RateLimit): Promise<boolean> {
    const served = WORK_LANES.some((lane) => this.consumers.has(hopQueueName(adapterId, lane)));
    return served && this.started(this.window(adapterId), limit, Date.now());
  }

  private window(adapterId: string): RateWindow {
    let window = this.windows.get(adapterId);
    if (!window) this.windows.set(adapterId, (window = { starts: [] }));
    return window;
  }

  /** Whether `limit` lets one more hop start now (then counted). */
  private started(window: RateWindow, limit: RateLimit, now: number): boolean {
    while (window.starts.length > 0 && window.starts[0] <= now - limit.durationMs) window.starts.shift();
    if (window.starts.length >= limit.max) return false;
    window.starts.push(now);
    return true;
  }

  /**
   * Whether the adapter's rate limit lets one more hop start now; if not, drains its queues (of
   * both lanes) again when it will.
   */
  private admitted({ adapterId, limits }: Consumer): boolean {
    const limit = limits.rateLimit;
    if (!limit) return true;
    const window = this.window(adapterId);
    const now = Date.now();
    if (this.started(window, limit, now)) return true;
    window.wakeUp ??= setTimeout(
      () => {
        window.wakeUp = undefined;
        for (const lane of WORK_LANES) this.drain(hopQueueName(adapterId, lane));
      },
      window.starts[0] + limit.durationMs - now,
    );
    return false;
  }

  private async run(item: Pending, handler: HopHandler): Promise<void> {
    try {
      await handler(item.hop, {
        attempt: { number: item.attempt, max: this.retry.attempts },
        signal: this.abort.signal,
      });
    } catch (err) {
      if (err instanceof RetryableHopError && !this.closing) {
        const delay = retryDelayMs(this.retry, item.attempt, err.retryAfterMs);
        const name = hopQueueName(item.hop.adapter, laneOf(item.hop));
        this.delayed.set(name, (this.delayed.get(name) ?? 0) + 1);
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          this.delayed.set(name, (this.delayed.get(name) ?? 1) - 1);
          this.enqueue({ ...item, attempt: item.attempt + 1, seq: this.seq++ });
        }, delay);
        this.retryTimers.add(timer);
      } else if (!(err instanceof FinalHopError)) {
        this.logger.error({ err, jobId: item.hop.jobId }, 'in-process hop failed');
      }
    }
  }

  async close(graceMs: number): Promise<void> {
    this.closing = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    for (const window of this.windows.values()) clearTimeout(window.wakeUp);
    const dropped =
      [...this.pending.values()].reduce((n, list) => n + list.length, 0) + this.retryTimers.size;
    if (dropped > 0) {
      this.logger.warn(
        { dropped },
        'in-process queue stopped with jobs not yet run: they are lost (use Redis to keep them)',
      );
    }
    const running = [...this.consumers.values()].flatMap((consumer) => [...consumer.running]);
    const timer = setTimeout(() => this.abort.abort(new Error('worker shutting down')), graceMs);
    await Promise.allSettled(running);
    clearTimeout(timer);
  }
}

/** Fixed windows in a Map; ended windows are dropped once the map grows. */
class MemoryRateCounter implements RateCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (this.windows.size >= 10_000) {
        for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
      }
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.resetAt - now };
  }
}

/** The embedded driver: everything in this process. Jobs do not survive a restart. */
export class InlineJobBackend implements JobBackend {
  readonly kind = 'inline' as const;
  readonly store: MemoryJobStore;
  readonly hops: InlineHopQueue;
  readonly blobTier: MemoryJobBlobTier;
  readonly bus = new LocalClusterBus();
  readonly counter = new MemoryRateCounter();
  readonly state = { kind: 'memory' } as const;
  /** Nothing to wait for in-process: the workers' side is the same. */
  readonly forWorkers: Pick<JobBackend, 'store' | 'hops' | 'blobTier'>;

  constructor(config: AppConfig['queue'], logger: Logger) {
    this.blobTier = new MemoryJobBlobTier(config.jobTtlS);
    this.store = new MemoryJobStore(config.jobTtlS * 1000);
    this.hops = new InlineHopQueue(config, logger);
    this.forWorkers = { store: this.store, hops: this.hops, blobTier: this.blobTier };
  }

  async ping(): Promise<void> {}

  async close(graceMs: number): Promise<void> {
    await this.hops.close(graceMs);
    this.store.close();
  }
}
