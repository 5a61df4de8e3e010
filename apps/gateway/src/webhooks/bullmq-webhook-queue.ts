import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisClient } from '../queue/redis-connections';
import { slotTag } from '../queue/slot-tag';
import type { Logger } from 'pino';
import { retryDelayMs } from '../jobs/retry-policy';
import { WebhookRefusedError } from './webhook-address-guard';
import {
  deliveryId,
  type WebhookDelivery,
  type WebhookHandler,
  type WebhookQueue,
  type WebhookQueuePolicy,
} from './webhook-queue';

const QUEUE_NAME = 'webhooks';
/** The deliveries' BullMQ prefix under the gateway's: `{<prefix>:webhooks}`. */
export const webhookQueuePrefix = (prefix: string): string => slotTag(prefix, 'webhooks');

/** The backoff type of deliveries: the worker's `backoffStrategy` computes it (with jitter). */
const BACKOFF_TYPE = 'omnigate-webhook';
const CONCURRENCY = 8;

/** Deliveries on a BullMQ queue of their own (`webhooks`), on a connection of their own. */
export class BullMqWebhookQueue implements WebhookQueue {
  private readonly queue: Queue<WebhookDelivery>;
  private worker?: Worker<WebhookDelivery>;
  /** BullMQ's prefix for the queue: a hash tag of its own (one Redis Cluster slot for its keys). */
  private readonly prefix: string;

  constructor(
    private readonly connection: RedisClient,
    prefix: string,
    private readonly policy: WebhookQueuePolicy,
    private readonly logger: Logger,
  ) {
    this.prefix = webhookQueuePrefix(prefix);
    this.queue = new Queue<WebhookDelivery>(QUEUE_NAME, { connection, prefix: this.prefix });
    // The connection's errors, which its own listener logs already (without one, BullMQ prints them).
    this.queue.on('error', (err) => logger.debug({ err }, 'webhook queue error'));
  }

  async add(delivery: WebhookDelivery): Promise<void> {
    // Kept (completed or failed) as long as the job record: a second add of the same id is ignored.
    await this.queue.add('deliver', delivery, {
      jobId: deliveryId(delivery),
      attempts: this.policy.attempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: this.policy.dedupeTtlS },
      removeOnFail: { age: this.policy.dedupeTtlS },
    });
  }

  async work(handler: WebhookHandler): Promise<void> {
    const worker = new Worker<WebhookDelivery>(
      QUEUE_NAME,
      async (job: Job<WebhookDelivery>) => {
        try {
          await handler(job.data, { number: job.attemptsMade + 1, max: job.opts.attempts ?? 1 });
        } catch (err) {
          if (err instanceof WebhookRefusedError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        connection: this.connection,
        prefix: this.prefix,
        concurrency: CONCURRENCY,
        settings: { backoffStrategy: (attemptsMade) => retryDelayMs(this.policy, attemptsMade) },
      },
    );
    worker.on('error', (err) => this.logger.error({ err }, 'webhook worker error'));
    await worker.waitUntilReady();
    this.worker = worker;
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await this.connection.quit();
  }
}
