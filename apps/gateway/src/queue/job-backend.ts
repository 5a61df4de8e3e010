import type { RedisClient } from './redis-connections';
import type { JobBlobTier } from '../blobs/job-blob-tier';
import type { DirectLeaseStore, HopQueue, JobStore, RateCounter } from '../jobs/job-ports';
import type { ClusterBus } from './cluster-bus';

/**
 * Where the driver keeps state that other features keep beside the jobs (files, batches,
 * adapter registrations, webhook deliveries): Redis under the queue's key prefix, or this
 * process's memory. Each feature chooses its store from `kind`, once, at start-up.
 */
export type SharedState =
  | {
      kind: 'redis';
      /** The connection requests use: it fails fast while Redis is away. */
      redis: RedisClient;
      prefix: string;
      /** A new connection of its own that waits for Redis (for work that outlives requests). */
      waitingConnection(): RedisClient;
    }
  | { kind: 'memory' };

/** A queue driver: BullMQ on Redis, or in-process. */
export interface JobBackend {
  readonly kind: 'bullmq' | 'inline';
  readonly store: JobStore;
  readonly hops: HopQueue;
  /** Small job-scoped blobs, kept where the job records are. */
  readonly blobTier: JobBlobTier;
  /** Messages to every process on the same queue. */
  readonly bus: ClusterBus;
  /** Rate-limit windows, kept where the job records are. */
  readonly counter: RateCounter;
  /** Where the features beside the jobs keep their state. */
  readonly state: SharedState;
  /**
   * The store, queue and blob tier as the workers use them. The request side (`store`, `hops`,
   * `blobTier`, `bus`, `counter`) fails fast when the backing service is away, so that requests
   * answer 503 instead of hanging; this side waits for it to come back, so that the outcome of
   * a hop run meanwhile is recorded rather than lost. `leases`: the direct lane's leases (Redis
   * only: one process needs none).
   */
  readonly forWorkers: Pick<JobBackend, 'store' | 'hops' | 'blobTier'> & { leases?: DirectLeaseStore };
  /** Throws when the backing service does not answer. */
  ping(): Promise<void>;
  close(graceMs: number): Promise<void>;
}

export const JOB_BACKEND = Symbol('JobBackend');
