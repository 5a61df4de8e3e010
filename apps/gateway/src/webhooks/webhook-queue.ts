import type { RetryPolicy } from '../queue/retry-policy';

/** One delivery to make: the job whose end is announced (its record holds the webhook). */
export interface WebhookDelivery {
  jobId: string;
}

/** Delivers one webhook; throws to be tried again, WebhookRefusedError to give up at once. */
export type WebhookHandler = (
  delivery: WebhookDelivery,
  attempt: { number: number; max: number },
) => Promise<void>;

/** Durable, retried webhook deliveries, one per job whatever the number of `add` calls. */
export interface WebhookQueue {
  /** Queues the delivery; the job id is its id, so a second add for the same job is a no-op. */
  add(delivery: WebhookDelivery): Promise<void>;
  /** Starts delivering (ROLE=worker|all). */
  work(handler: WebhookHandler): Promise<void>;
  close(): Promise<void>;
}

/** Tries and backoff of webhook deliveries, and how long a delivered job id is remembered. */
export interface WebhookQueuePolicy extends RetryPolicy {
  /** A job's deliveries are deduplicated for as long as its record lives (JOB_TTL_S). */
  dedupeTtlS: number;
}
