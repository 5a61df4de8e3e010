import { type DynamicModule, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { AdaptersModule } from '../adapters/adapters.module';
import type { AppConfig } from '../config/app-config';
import { featureModule } from '../config/feature-module';
import { LOGGER } from '../logging/logger';
import { BullMqHopQueue } from '../queue/bullmq-hop-queue';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { QueueDashboard } from './queue-dashboard';

/**
 * The queue dashboard (QUEUE_DASHBOARD), where the API is served (not on a worker, which answers
 * /health and /metrics only) and there are queues to show: with the in-process driver, or
 * QUEUE_DASHBOARD=off, nothing is mounted and /admin/queues is a 404 like any unknown path.
 */
@Module({})
export class QueueDashboardModule {
  static forRoot(config: AppConfig): DynamicModule {
    const { queueDashboard: mode } = config;
    return featureModule(QueueDashboardModule, config, () => ({
      imports: [QueueModule.forRoot(config), AdaptersModule.forRoot(config)],
      providers:
        mode === 'off' || config.role === 'worker'
          ? []
          : [
              {
                provide: QueueDashboard,
                useFactory: (
                  host: HttpAdapterHost,
                  backend: JobBackend,
                  registry: AdapterRegistry,
                  logger: Logger,
                ) => {
                  if (!(backend.hops instanceof BullMqHopQueue)) {
                    logger.info('no queue dashboard: the in-process driver has no queues to show');
                    return null;
                  }
                  const fastify = host.httpAdapter.getInstance<FastifyInstance>();
                  return new QueueDashboard(fastify, backend.hops, registry, mode, logger);
                },
                inject: [HttpAdapterHost, JOB_BACKEND, AdapterRegistry, LOGGER],
              },
            ],
    }));
  }
}
