import type { Logger } from 'pino';
import { MemoryJobBlobTier } from '../blobs/job-blob-tier';
import type { AppConfig } from '../config/app-config';
import type { RateCounter } from '../jobs/job-ports';
import { LocalClusterBus } from './cluster-bus';
import { InlineHopQueue } from './inline-hop-queue';
import { type JobBackend } from './job-backend';
import { MemoryJobStore } from './memory-job-store';

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
