import type { Logger } from 'pino';
import { sharedAbortController } from '../common/shared-abort';
import { GatewayError } from '../errors/gateway-error';
import {
  FinalHopError,
  RetryableHopError,
  type HopHandler,
  type HopQueue,
  type QueueCounts,
  type QueueLimits,
  type QueueRef,
  type RateLimit,
} from '../jobs/job-ports';
import type { HopJob } from '../jobs/job-record';
import { retryDelayMs, type RetryPolicy } from '../jobs/retry-policy';
import { hopQueueName, laneOf, WORK_LANES, type WorkLane } from '../jobs/work-lanes';

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
export class InlineHopQueue implements HopQueue {
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
