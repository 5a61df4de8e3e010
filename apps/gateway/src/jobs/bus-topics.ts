import { busTopic } from '../queue/cluster-bus';

/**
 * Every message that crosses processes on the cluster bus, with its type: one place to read what
 * the processes of one gateway tell each other. Messages are small and carry ids, never payloads.
 */

/** A job was cancelled: the process running its hop aborts it. */
export const JOB_CANCELLED = busTopic<{ jobId: string }>('job-cancel');

/** A batch was cancelled: the process running it stops taking its lines. */
export const BATCH_CANCELLED = busTopic<{ batchId: string }>('batch-cancel');

/** A batch was created by a process that does not run batches: those that do try to claim it. */
export const BATCH_CREATED = busTopic<{ batchId: string }>('batch-created');

/** A batch's counts or status changed: its event streams in every process send an update. */
export const BATCH_CHANGED = busTopic<{ batchId: string }>('batch-changed');

/** An adapter's circuit breaker opened (until `openUntil`, epoch ms) or closed (`null`). */
export const BREAKER_CHANGED = busTopic<{ adapter: string; openUntil: number | null }>('breaker');

/** An adapter registration was added or removed: every process installs or removes it. */
export const REGISTRATION_CHANGED = busTopic<{ op: 'added' | 'removed'; id: string }>('adapters');
