import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import type { JobBackend } from '../queue/job-backend';
import { BullMqWebhookQueue } from './bullmq-webhook-queue';
import { InlineWebhookQueue } from './inline-webhook-queue';
import type { WebhookQueue } from './webhook-queue';

/** Deliveries go where the jobs are: a BullMQ queue beside them on Redis, or in-process. */
export function createWebhookQueue(config: AppConfig, backend: JobBackend, logger: Logger): WebhookQueue {
  const policy = {
    attempts: config.webhooks.attempts,
    backoffMs: config.webhooks.backoffMs,
    dedupeTtlS: config.queue.jobTtlS,
  };
  const { state } = backend;
  if (state.kind === 'redis') {
    // A connection of its own, as the hop queues' (its scripts, no auto-pipelining), that waits
    // for Redis: deliveries outlive requests, and its worker needs one.
    return new BullMqWebhookQueue(state.waitingConnection(), state.prefix, policy, logger);
  }
  return new InlineWebhookQueue(policy, logger);
}
