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

/**
 * The in-process driver's deliveries: timers for the retries, a map of the delivery ids seen
 * for dedupe. Like in-process jobs, deliveries not yet made are lost on a restart.
 */
export class InlineWebhookQueue implements WebhookQueue {
  /** Delivery ids queued, with when they may be forgotten. */
  private readonly seen = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiting: WebhookDelivery[] = [];
  private handler?: WebhookHandler;
  private closing = false;

  constructor(
    private readonly policy: WebhookQueuePolicy,
    private readonly logger: Logger,
  ) {}

  async add(delivery: WebhookDelivery): Promise<void> {
    const now = Date.now();
    const id = deliveryId(delivery);
    if ((this.seen.get(id) ?? 0) > now) return;
    if (this.seen.size >= 10_000) {
      for (const [seenId, until] of this.seen) if (until <= now) this.seen.delete(seenId);
    }
    this.seen.set(id, now + this.policy.dedupeTtlS * 1000);
    if (this.handler) this.schedule(delivery, 1, 0);
    else this.waiting.push(delivery);
  }

  async work(handler: WebhookHandler): Promise<void> {
    this.handler = handler;
    for (const delivery of this.waiting.splice(0)) this.schedule(delivery, 1, 0);
  }

  private schedule(delivery: WebhookDelivery, attempt: number, delayMs: number): void {
    if (this.closing) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(delivery, attempt);
    }, delayMs);
    this.timers.add(timer);
  }

  private async run(delivery: WebhookDelivery, attempt: number): Promise<void> {
    try {
      await this.handler!(delivery, { number: attempt, max: this.policy.attempts });
    } catch (err) {
      if (err instanceof WebhookRefusedError || attempt >= this.policy.attempts) return;
      this.schedule(delivery, attempt + 1, retryDelayMs(this.policy, attempt));
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers) clearTimeout(timer);
    if (this.timers.size > 0) {
      this.logger.warn({ dropped: this.timers.size }, 'in-process webhook deliveries not yet made are lost');
    }
    this.timers.clear();
  }
}
