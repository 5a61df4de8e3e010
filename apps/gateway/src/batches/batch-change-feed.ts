import { EventEmitter } from 'node:events';
import type { ClusterBus } from '../queue/cluster-bus';
import { BATCH_CHANGED } from '../jobs/bus-topics';

/** Bus topic: a batch's status or counts changed; streams of that batch read it again. */
/**
 * Tells every process that a batch changed and lets event streams listen to one batch. Status
 * changes go out at once; count changes at most once per `countEveryMs` per batch (the last one
 * always goes out), so a fast batch does not publish once per line.
 */
export class BatchChangeFeed {
  private readonly local = new EventEmitter().setMaxListeners(0);
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private unsubscribe = () => {};

  constructor(
    private readonly bus: ClusterBus,
    private readonly countEveryMs = 250,
  ) {}

  /** Listens to the bus (at start-up, so a stream's first change is never missed by a late subscription). */
  start(): void {
    this.unsubscribe = this.bus.subscribe(BATCH_CHANGED, (message) => {
      this.local.emit('change', message.batchId);
    });
  }

  stop(): void {
    this.unsubscribe();
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  /** The batch's status changed. */
  async changed(batchId: string): Promise<void> {
    await this.bus.publish(BATCH_CHANGED, { batchId });
  }

  /** The batch's counts changed. */
  counted(batchId: string): void {
    if (this.pending.has(batchId)) return;
    const timer = setTimeout(() => {
      this.pending.delete(batchId);
      // A lost count message only delays a stream's progress to the next one.
      this.changed(batchId).catch(() => {});
    }, this.countEveryMs);
    timer.unref();
    this.pending.set(batchId, timer);
  }

  /** Calls `listener` whenever the batch changes; returns the function that stops it. */
  watch(batchId: string, listener: () => void): () => void {
    const onChange = (id: string) => {
      if (id === batchId) listener();
    };
    this.local.on('change', onChange);
    return () => this.local.off('change', onChange);
  }
}
