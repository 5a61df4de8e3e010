import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AdapterRegistrationsModule } from './adapters/adapter-registrations.module';
import { AdaptersModule } from './adapters/adapters.module';
import { BatchesModule } from './batches/batches.module';
import { FilesModule } from './batches/files.module';
import { BlobsModule } from './blobs/blobs.module';
import type { AppConfig } from './config/app-config';
import { ConsoleModule } from './console/console.module';
import { CoreModule } from './config/core.module';
import { DetectionModule } from './detection/detection.module';
import { HealthModule } from './health/health.module';
import { InferenceModule } from './inference/inference.module';
import { JobEndingsModule } from './jobs/job-endings.module';
import { JobsModule } from './jobs/jobs.module';
import { MetricsModule } from './metrics/metrics.module';
import { OpenAiModule } from './openai/openai.module';
import { QueueModule } from './queue/queue.module';
import { QueueDashboardModule } from './queue-dashboard/queue-dashboard.module';
import { RoutingModule } from './routing/routing.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * The whole gateway, from one validated config: its feature modules. A worker registers no API
 * controllers and no queue dashboard (it answers /health and /metrics only).
 *
 * Nest starts modules deepest first (the longest import path from here) and stops them in the
 * reverse order, so the imports set the order of the lifecycle hooks: webhook deliveries start,
 * then the hop workers, then the batch runner, then runtime adapter registrations (listed after
 * BatchesModule, at the same depth); at shutdown registrations stop, then the workers (their
 * running hops finish), then webhook deliveries and blob expiry.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, logger),
        QueueModule.forRoot(config),
        BlobsModule.forRoot(config),
        AdaptersModule.forRoot(config),
        RoutingModule.forRoot(config),
        JobEndingsModule,
        MetricsModule.forRoot(config),
        WebhooksModule.forRoot(config),
        JobsModule.forRoot(config),
        FilesModule.forRoot(config),
        DetectionModule.forRoot(config),
        InferenceModule.forRoot(config),
        OpenAiModule.forRoot(config),
        BatchesModule.forRoot(config),
        AdapterRegistrationsModule.forRoot(config),
        HealthModule.forRoot(config),
        QueueDashboardModule.forRoot(config),
        ConsoleModule.forRoot(config),
      ],
    };
  }
}
