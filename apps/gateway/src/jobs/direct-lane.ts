import type { AdapterRegistry } from '../adapters/adapter-registry';
import type { AppConfig } from '../config/app-config';
import { DEFAULT_CONCURRENCY, servesAdapter } from './hop-workers';

/**
 * The slots of the direct lane: how many hops of each adapter this process runs for sync
 * requests itself, without a queue round trip. An adapter gets as many as its concurrency, when
 * this process serves it (not `ROLE=api`, in `WORKER_ADAPTERS`) and it has no `rateLimit` (a
 * shared limit is counted by its queue, in Redis, for every process), and at most
 * `DIRECT_MAX_HOPS` in all: many hops started at once in one process stall each other, where
 * the queue's workers would take them in turn. No free slot: the hop takes the queue, as every
 * hop does with `DISPATCH=queue`.
 */
export class DirectLane {
  private readonly inFlight = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly adapters: AdapterRegistry,
  ) {}

  /** A slot for one hop of `adapterId` (call the returned function when it is over), or undefined. */
  acquire(adapterId: string): (() => void) | undefined {
    if (this.config.queue.dispatch !== 'auto' || !servesAdapter(this.config, adapterId)) return undefined;
    if (!this.adapters.has(adapterId)) return undefined;
    const { concurrency, rateLimit } = this.adapters.get(adapterId).descriptor;
    if (rateLimit) return undefined;
    const used = this.inFlight.get(adapterId) ?? 0;
    if (used >= (concurrency ?? DEFAULT_CONCURRENCY)) return undefined;
    if (this.total >= this.config.queue.directMaxHops) return undefined;
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
