import type { AdapterRegistry } from '../adapters/adapter-registry';
import type { AppConfig } from '../config/app-config';
import { DEFAULT_CONCURRENCY, servesAdapter } from './hop-workers';
import type { RateLimit } from './job-ports';

/** Gives a slot of the direct lane back, once the hop is over (again: nothing). */
export type Release = () => void;

/**
 * A slot for one hop: at once, or (an adapter with a `rateLimit`) once its shared count has
 * answered; undefined when the hop must take the queue.
 */
export type Slot = Release | undefined | Promise<Release | undefined>;

/** Counts a hop started outside the queue against its adapter's rate limit (HopQueue.admit). */
export type Admit = (adapterId: string, limit: RateLimit) => Promise<boolean>;

/**
 * The slots of the direct lane: how many hops of each adapter this process runs for sync
 * requests itself, without a queue round trip. An adapter gets as many as its concurrency, when
 * this process serves it (not `ROLE=api`, in `WORKER_ADAPTERS`), and at most `DIRECT_MAX_HOPS`
 * in all: many hops started at once in one process stall each other, where the queue's workers
 * would take them in turn. An adapter with a `rateLimit` also needs room in its window, counted
 * where its queue counts its queued hops (`admit`, in Redis: one count for every process);
 * without `admit` its hops always take the queue. No slot: the hop takes the queue, as every
 * hop does with `DISPATCH=queue`.
 */
export class DirectLane {
  private readonly inFlight = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly adapters: AdapterRegistry,
    private readonly admit?: Admit,
  ) {}

  /**
   * A slot for one hop of `adapterId` (call the release when it is over). Synchronous unless
   * the adapter has a rate limit: only then does it wait, for one round trip to the count.
   */
  acquire(adapterId: string): Slot {
    if (this.config.queue.dispatch !== 'auto' || !servesAdapter(this.config, adapterId)) return undefined;
    if (!this.adapters.has(adapterId)) return undefined;
    const { concurrency, rateLimit } = this.adapters.get(adapterId).descriptor;
    if (rateLimit && !this.admit) return undefined;
    const used = this.inFlight.get(adapterId) ?? 0;
    if (used >= (concurrency ?? DEFAULT_CONCURRENCY)) return undefined;
    if (this.total >= this.config.queue.directMaxHops) return undefined;
    const release = this.take(adapterId, used);
    if (!rateLimit || !this.admit) return release;
    // The slot is held while the count answers: hops asking meanwhile see it taken.
    return this.admit(adapterId, rateLimit).then(
      (admitted) => {
        if (admitted) return release;
        release();
        return undefined;
      },
      // The count cannot be taken (Redis away): the queue, whose add tells the caller why.
      () => {
        release();
        return undefined;
      },
    );
  }

  private take(adapterId: string, used: number): Release {
    this.inFlight.set(adapterId, used + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.inFlight.get(adapterId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(adapterId, left);
      else this.inFlight.delete(adapterId);
    };
  }
}
