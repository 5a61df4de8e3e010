import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AdapterRegistry } from './adapters/adapter-registry';
import { AdapterHealth } from './adapters/adapter-health';
import { AdapterRegistrations } from './adapters/adapter-registrations';
import { createRegistrationStore } from './adapters/registration-store';
import { createAdapterRegistry } from './adapters/create-adapter-registry';
import { AdaptersController } from './adapters/adapters.controller';
import { BatchLineRunner } from './batches/batch-line';
import { BatchRunner } from './batches/batch-runner';
import { BatchService } from './batches/batch-service';
import { createBatchStore } from './batches/batch-store';
import { BatchesController } from './batches/batches.controller';
import { FileCatalog } from './batches/file-catalog';
import { createFileStore } from './batches/file-store';
import { FilesController } from './batches/files.controller';
import { BlobExpiry } from './blobs/blob-expiry';
import { BLOB_STORE, type BlobStore, WORKER_BLOB_STORE } from './blobs/blob-store';
import { BlobsController } from './blobs/blobs.controller';
import { FsBlobStore } from './blobs/fs-blob-store';
import { TieredBlobStore } from './blobs/tiered-blob-store';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { ContentModalityDetector } from './detection/content-modality-detector';
import { MODALITY_DETECTOR, type ModalityDetector } from './detection/modality-detector';
import { HealthController } from './health/health.controller';
import { InputInspector } from './detection/input-inspector';
import { MEDIA_PROBER, type MediaProber } from './detection/media-prober';
import { createMediaProber } from './detection/create-media-prober';
import { JobEventsController } from './events/job-events.controller';
import { DetectController } from './inference/detect.controller';
import { InferenceController } from './inference/inference.controller';
import { InferenceService } from './inference/inference.service';
import { LOGGER } from './logging/logger';
import { JOB_BACKEND, type JobBackend } from './queue/job-backend';
import { createJobBackend } from './queue/job-backend.factory';
import { HopRunner } from './jobs/hop-runner';
import { DirectLane } from './jobs/direct-lane';
import { DirectLeases } from './jobs/direct-leases';
import { JobEndings } from './jobs/job-endings';
import { HopWorkers } from './jobs/hop-workers';
import { AudioController } from './openai/audio.controller';
import { ChatCompletionsController } from './openai/chat-completions.controller';
import { EmbeddingsController } from './openai/embeddings.controller';
import { ImagesController } from './openai/images.controller';
import { ModelCatalog } from './openai/model-catalog';
import { ModelsController } from './openai/models.controller';
import { STARTED_AT } from './openai/started-at';
import { ModalityRegistry } from './routing/modality-registry';
import { RoutePlanner } from './routing/route-planner';
import { RoutesController } from './routing/routes.controller';
import { createWebhookQueue } from './webhooks/webhook-queue.factory';
import { WebhookService } from './webhooks/webhook.service';

/** The whole gateway, wired explicitly from one validated config. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      // A worker serves queues, not the API: it answers /health only.
      controllers:
        config.role === 'worker'
          ? [HealthController]
          : [
              InferenceController,
              JobEventsController,
              DetectController,
              RoutesController,
              BlobsController,
              AdaptersController,
              HealthController,
              ChatCompletionsController,
              AudioController,
              ImagesController,
              EmbeddingsController,
              ModelsController,
              FilesController,
              BatchesController,
            ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: FsBlobStore, useFactory: () => new FsBlobStore(config.blobs.dir) },
        {
          provide: BLOB_STORE,
          useFactory: (backend: JobBackend, durable: FsBlobStore) =>
            new TieredBlobStore(backend.blobTier, durable, config.blobs.jobTierMaxBytes),
          inject: [JOB_BACKEND, FsBlobStore],
        },
        {
          provide: WORKER_BLOB_STORE,
          useFactory: (backend: JobBackend, durable: FsBlobStore) =>
            new TieredBlobStore(backend.forWorkers.blobTier, durable, config.blobs.jobTierMaxBytes),
          inject: [JOB_BACKEND, FsBlobStore],
        },
        {
          provide: BlobExpiry,
          useFactory: (blobs: BlobStore) => {
            const expiry = new BlobExpiry();
            const ttlMs = config.blobs.ttlS * 1000;
            expiry.start(blobs, ttlMs, Math.min(ttlMs / 10, 3600_000), (err) =>
              logger.warn({ err }, 'blob expiry sweep failed'),
            );
            return expiry;
          },
          inject: [BLOB_STORE],
        },
        {
          provide: MODALITY_DETECTOR,
          useFactory: (modalities: ModalityRegistry) => new ContentModalityDetector(modalities),
          inject: [ModalityRegistry],
        },
        {
          provide: AdapterRegistry,
          useFactory: () => createAdapterRegistry(config, logger),
        },
        ModalityRegistry,
        {
          provide: ModelCatalog,
          useFactory: (registry: AdapterRegistry) => new ModelCatalog(registry, STARTED_AT),
          inject: [AdapterRegistry],
        },
        {
          provide: AdapterHealth,
          useFactory: (backend: JobBackend) => {
            const health = new AdapterHealth(config.breaker, backend.bus, logger);
            health.start();
            return health;
          },
          inject: [JOB_BACKEND],
        },
        {
          provide: RoutePlanner,
          useFactory: (a: AdapterRegistry, health: AdapterHealth) =>
            new RoutePlanner(a, config.routing, health),
          inject: [AdapterRegistry, AdapterHealth],
        },
        { provide: JOB_BACKEND, useFactory: () => createJobBackend(config, logger) },
        { provide: MEDIA_PROBER, useFactory: () => createMediaProber(config, logger) },
        {
          provide: InputInspector,
          useFactory: (
            blobs: BlobStore,
            detector: ModalityDetector,
            prober: MediaProber,
            modalities: ModalityRegistry,
            files: FileCatalog,
          ) => new InputInspector(config, blobs, detector, prober, modalities, (id) => files.blob(id)),
          inject: [BLOB_STORE, MODALITY_DETECTOR, MEDIA_PROBER, ModalityRegistry, FileCatalog],
        },
        {
          provide: InferenceService,
          useFactory: (
            blobs: BlobStore,
            inspector: InputInspector,
            modalities: ModalityRegistry,
            planner: RoutePlanner,
            backend: JobBackend,
            endings: JobEndings,
            runner: HopRunner,
          ) => new InferenceService(config, blobs, inspector, modalities, planner, backend, endings, runner),
          inject: [
            BLOB_STORE,
            InputInspector,
            ModalityRegistry,
            RoutePlanner,
            JOB_BACKEND,
            JobEndings,
            HopRunner,
          ],
        },
        { provide: JobEndings, useFactory: () => new JobEndings(logger) },
        {
          provide: WebhookService,
          useFactory: (backend: JobBackend, blobs: BlobStore, endings: JobEndings) => {
            const webhooks = new WebhookService(
              config,
              createWebhookQueue(config, backend, logger),
              // Deliveries read what they announce on the workers' side (waiting for Redis).
              backend.forWorkers.store,
              blobs,
              logger,
            );
            endings.onEnded((record) => webhooks.jobEnded(record));
            return webhooks;
          },
          inject: [JOB_BACKEND, WORKER_BLOB_STORE, JobEndings],
        },
        {
          provide: HopRunner,
          useFactory: (
            adapters: AdapterRegistry,
            blobs: BlobStore,
            backend: JobBackend,
            health: AdapterHealth,
            endings: JobEndings,
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
            // A hop's outcome waits for Redis rather than being lost to an outage.
            return new HopRunner(adapters, blobs, store, hops, health, endings, logger, {
              // A rate-limited adapter's direct hops are counted where its queued ones are.
              slots: new DirectLane(config, adapters, backend.hops.admit?.bind(backend.hops)),
              retry: { attempts: config.queue.attempts, backoffMs: config.queue.backoffMs },
              leases,
            });
          },
          // WebhookService listens to the ends of jobs (JobEndings) from its creation.
          inject: [
            AdapterRegistry,
            WORKER_BLOB_STORE,
            JOB_BACKEND,
            AdapterHealth,
            JobEndings,
            WebhookService,
          ],
        },
        {
          provide: HopWorkers,
          useFactory: (adapters: AdapterRegistry, backend: JobBackend, runner: HopRunner) =>
            new HopWorkers(config, adapters, backend, runner, logger),
          inject: [AdapterRegistry, JOB_BACKEND, HopRunner],
        },
        {
          provide: FileCatalog,
          useFactory: (blobs: BlobStore, backend: JobBackend) =>
            new FileCatalog(blobs, createFileStore(backend.state), config.blobs.ttlS),
          inject: [BLOB_STORE, JOB_BACKEND],
        },
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
              ),
              backend.bus,
              webhooks,
              logger,
            ),
          inject: [
            InferenceService,
            BLOB_STORE,
            JOB_BACKEND,
            ModelCatalog,
            FileCatalog,
            WebhookService,
            RoutePlanner,
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
        {
          provide: AdapterRegistrations,
          useFactory: (
            backend: JobBackend,
            registry: AdapterRegistry,
            modalities: ModalityRegistry,
            health: AdapterHealth,
            workers: HopWorkers,
          ) =>
            new AdapterRegistrations(
              createRegistrationStore(backend.state, logger),
              backend.bus,
              registry,
              modalities,
              health,
              workers,
              config.adapterProbeMs,
              { maxResultBytes: config.blobs.maxBytes },
              logger,
            ),
          inject: [JOB_BACKEND, AdapterRegistry, ModalityRegistry, AdapterHealth, HopWorkers],
        },
      ],
    };
  }
}
