import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AdapterHealth } from '../adapters/adapter-health';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { AdaptersModule } from '../adapters/adapters.module';
import { type BlobStore, WORKER_BLOB_STORE } from '../blobs/blob-store';
import { BlobsModule } from '../blobs/blobs.module';
import type { AppConfig } from '../config/app-config';
import { featureModule } from '../config/feature-module';
import { LOGGER } from '../logging/logger';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { WebhookService } from '../webhooks/webhook.service';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { modelAdapters } from '../adapters/model-adapters';
import { DirectLane } from './direct-lane';
import { DirectLeases } from './direct-leases';
import { HopRunner } from './hop-runner';
import { HopWorkers } from './hop-workers';
import { JobEndings } from './job-endings';
import { JobEndingsModule } from './job-endings.module';

/** Running jobs' hops: the runner (direct lane and its leases included) and the queues' workers. */
@Module({})
export class JobsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(JobsModule, config, () => ({
      imports: [
        QueueModule.forRoot(config),
        BlobsModule.forRoot(config),
        AdaptersModule.forRoot(config),
        JobEndingsModule,
        WebhooksModule.forRoot(config),
        MetricsModule.forRoot(config),
      ],
      providers: [
        {
          provide: HopRunner,
          useFactory: (
            adapters: AdapterRegistry,
            blobs: BlobStore,
            backend: JobBackend,
            health: AdapterHealth,
            endings: JobEndings,
            _webhooks: WebhookService,
            logger: Logger,
            metrics: GatewayMetrics,
          ) => {
            const { store, hops, leases: leaseStore } = backend.forWorkers;
            // Kept like the queue's locks: as long, swept as often as stalled hops are looked for.
            const leases =
              leaseStore &&
              new DirectLeases(
                leaseStore,
                store,
                endings,
                { ttlMs: config.queue.lockMs, sweepEveryMs: config.queue.stalledIntervalMs },
                logger,
              );
            leases?.start();
            // Read at scrape time: every registered adapter, and its queue in each lane.
            metrics.watch({
              adapters: () => adapters.list().map((a) => a.descriptor.id),
              health,
              queues: backend.hops,
            });
            // A hop's outcome waits for Redis rather than being lost to an outage.
            return new HopRunner(
              adapters,
              blobs,
              store,
              hops,
              health,
              endings,
              logger,
              {
                // A rate-limited adapter's direct hops are counted where its queued ones are.
                slots: new DirectLane(config, adapters, backend.hops.admit?.bind(backend.hops)),
                retry: { attempts: config.queue.attempts, backoffMs: config.queue.backoffMs },
                leases,
              },
              metrics,
              modelAdapters(config.openAiBackends),
            );
          },
          // WebhookService listens to the ends of jobs (JobEndings) from its creation.
          inject: [
            AdapterRegistry,
            WORKER_BLOB_STORE,
            JOB_BACKEND,
            AdapterHealth,
            JobEndings,
            WebhookService,
            LOGGER,
            GatewayMetrics,
          ],
        },
        {
          provide: HopWorkers,
          useFactory: (adapters: AdapterRegistry, backend: JobBackend, runner: HopRunner, logger: Logger) =>
            new HopWorkers(config, adapters, backend, runner, logger),
          inject: [AdapterRegistry, JOB_BACKEND, HopRunner, LOGGER],
        },
      ],
      exports: [HopRunner, HopWorkers],
    }));
  }
}
