import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AdaptersModule } from '../adapters/adapters.module';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { BlobsModule } from '../blobs/blobs.module';
import type { AppConfig } from '../config/app-config';
import { apiControllers, featureModule } from '../config/feature-module';
import { InferenceModule } from '../inference/inference.module';
import { InferenceService } from '../inference/inference.service';
import { LOGGER } from '../logging/logger';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { AUDIO_ANSWER_STORE, type AudioAnswerStore } from '../openai/audio-answer-store';
import { ModelCatalog } from '../openai/model-catalog';
import { RESPONSE_STORE, type ResponseStore } from '../openai/response-store';
import { ResponseStateModule } from '../openai/response-state.module';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { RoutePlanner } from '../routing/route-planner';
import { RoutingModule } from '../routing/routing.module';
import { WebhookService } from '../webhooks/webhook.service';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { BatchLineRunner } from './batch-line';
import { BatchRunner } from './batch-runner';
import { BatchService } from './batch-service';
import { createBatchStore } from './batch-store';
import { BatchesController } from './batches.controller';
import { FileCatalog } from './file-catalog';
import { FilesController } from './files.controller';
import { FilesModule } from './files.module';

/**
 * Batches (/v1/batches) and the files they read (/v1/files). The runner runs them where the batch
 * lane is worked (WORKER_LANES); elsewhere it tells those processes.
 */
@Module({})
export class BatchesModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(BatchesModule, config, () => ({
      imports: [
        QueueModule.forRoot(config),
        BlobsModule.forRoot(config),
        AdaptersModule.forRoot(config),
        RoutingModule.forRoot(config),
        WebhooksModule.forRoot(config),
        FilesModule.forRoot(config),
        InferenceModule.forRoot(config),
        MetricsModule.forRoot(config),
        ResponseStateModule.forRoot(config),
      ],
      controllers: apiControllers(config, [FilesController, BatchesController]),
      providers: [
        {
          provide: BatchRunner,
          useFactory: (
            inference: InferenceService,
            blobs: BlobStore,
            backend: JobBackend,
            models: ModelCatalog,
            files: FileCatalog,
            webhooks: WebhookService,
            planner: RoutePlanner,
            logger: Logger,
            metrics: GatewayMetrics,
            responses: ResponseStore,
            audioAnswers: AudioAnswerStore,
          ) =>
            new BatchRunner(
              config,
              createBatchStore(backend.state),
              files,
              new BatchLineRunner(
                inference,
                backend.store,
                blobs,
                models,
                planner,
                config.batches.priority,
                webhooks,
                audioAnswers,
                responses,
              ),
              backend.bus,
              webhooks,
              logger,
              // METRICS=off: nothing counted.
              config.metrics ? metrics.batches : undefined,
            ),
          inject: [
            InferenceService,
            BLOB_STORE,
            JOB_BACKEND,
            ModelCatalog,
            FileCatalog,
            WebhookService,
            RoutePlanner,
            LOGGER,
            GatewayMetrics,
            RESPONSE_STORE,
            AUDIO_ANSWER_STORE,
          ],
        },
        {
          provide: BatchService,
          useFactory: (
            runner: BatchRunner,
            files: FileCatalog,
            backend: JobBackend,
            webhooks: WebhookService,
          ) => new BatchService(runner.store, files, runner, backend.bus, webhooks),
          inject: [BatchRunner, FileCatalog, JOB_BACKEND, WebhookService],
        },
      ],
    }));
  }
}
