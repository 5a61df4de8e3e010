import type { InferRequest } from '@omnigate/contracts';
import type { RetryPolicy } from '../jobs/retry-policy';

/** Where a webhook goes and the secret it is signed with (none: WEBHOOK_SECRET). */
export type Webhook = NonNullable<InferRequest['webhook']>;

/** The end of a job, announced by reading its record (which holds the webhook) when it is sent. */
export interface JobWebhookDelivery {
  jobId: string;
}

/**
 * An end announced with what it says (a batch: small, and final once it ends). Where it goes is
 * looked up by its id when it is sent (`WebhookService.register`), so no secret sits in the queue.
 */
export interface WebhookAnnouncement {
  /** The delivery's id (`x-omnigate-delivery`), never a job's: e.g. a batch's `batch_…` id. */
  id: string;
  /** The `x-omnigate-event` header, e.g. `batch.completed`. */
  event: string;
  /** The JSON body. */
  body: unknown;
}

/** One delivery to make. */
export type WebhookDelivery = JobWebhookDelivery | WebhookAnnouncement;

/** The id a delivery is deduplicated and announced by. */
export function deliveryId(delivery: WebhookDelivery): string {
  return 'jobId' in delivery ? delivery.jobId : delivery.id;
}

/** Delivers one webhook; throws to be tried again, WebhookRefusedError to give up at once. */
export type WebhookHandler = (
  delivery: WebhookDelivery,
  attempt: { number: number; max: number },
) => Promise<void>;

/** Durable, retried webhook deliveries, one per id whatever the number of `add` calls. */
export interface WebhookQueue {
  /** Queues the delivery; a second add with the same `deliveryId` is a no-op. */
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
