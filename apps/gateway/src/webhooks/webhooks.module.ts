import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { type BlobStore, WORKER_BLOB_STORE } from '../blobs/blob-store';
import { BlobsModule } from '../blobs/blobs.module';
import type { AppConfig } from '../config/app-config';
import { featureModule } from '../config/feature-module';
import { JobEndings } from '../jobs/job-endings';
import { JobEndingsModule } from '../jobs/job-endings.module';
import { LOGGER } from '../logging/logger';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { createWebhookQueue } from './webhook-queue.factory';
import { WebhookService } from './webhook.service';

/** Webhook deliveries: of jobs' ends (it listens to JobEndings from its creation) and of batches'. */
@Module({})
export class WebhooksModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(WebhooksModule, config, () => ({
      imports: [
        QueueModule.forRoot(config),
        BlobsModule.forRoot(config),
        JobEndingsModule,
        MetricsModule.forRoot(config),
      ],
      providers: [
        {
          provide: WebhookService,
          useFactory: (
            backend: JobBackend,
            blobs: BlobStore,
            endings: JobEndings,
            logger: Logger,
            metrics: GatewayMetrics,
          ) => {
            const webhooks = new WebhookService(
              config,
              createWebhookQueue(config, backend, logger),
              // Deliveries read what they announce on the workers' side (waiting for Redis).
              backend.forWorkers.store,
              blobs,
              logger,
              // METRICS=off: nothing counted.
              config.metrics ? metrics.webhooks : undefined,
            );
            endings.onEnded((record) => webhooks.jobEnded(record));
            return webhooks;
          },
          inject: [JOB_BACKEND, WORKER_BLOB_STORE, JobEndings, LOGGER, GatewayMetrics],
        },
      ],
      exports: [WebhookService],
    }));
  }
}
