import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import type { JobBackend } from '../queue/job-backend';
import { RedisJobBackend } from '../queue/redis-job-backend';
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
  if (backend instanceof RedisJobBackend) {
    // BullMQ gets a connection of its own, as the hop queues do (its scripts, no auto-pipelining).
    const connection = backend.redis.duplicate({ enableAutoPipelining: false });
    connection.on('error', (err) => logger.warn({ err }, 'redis (webhooks) connection error'));
    return new BullMqWebhookQueue(connection, config.queue.prefix, policy, logger);
  }
  return new InlineWebhookQueue(policy, logger);
}
