import { type DynamicModule, Module } from '@nestjs/common';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { apiControllers, featureModule } from '../config/feature-module';
import { LOGGER } from '../logging/logger';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { BlobExpiry } from './blob-expiry';
import { BLOB_STORE, type BlobStore, WORKER_BLOB_STORE } from './blob-store';
import { BlobsController } from './blobs.controller';
import { FsBlobStore } from './fs-blob-store';
import { createS3Client } from './s3-client';
import { S3BlobStore } from './s3-blob-store';
import { TieredBlobStore } from './tiered-blob-store';

/** The durable store (BLOB_STORE): files under BLOB_DIR, or the S3 bucket. */
export const DURABLE_BLOB_STORE = Symbol('DurableBlobStore');

/** Blobs: the durable store, its job tier (the API's and the workers'), their expiry, /v1/blobs. */
@Module({})
export class BlobsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(BlobsModule, config, () => ({
      imports: [QueueModule.forRoot(config), MetricsModule.forRoot(config)],
      controllers: apiControllers(config, [BlobsController]),
      providers: [
        {
          provide: DURABLE_BLOB_STORE,
          useFactory: (logger: Logger) => durableStore(config, logger),
          inject: [LOGGER],
        },
        {
          provide: BLOB_STORE,
          useFactory: (backend: JobBackend, durable: BlobStore, metrics: GatewayMetrics) =>
            new TieredBlobStore(
              backend.blobTier,
              durable,
              config.blobs.jobTierMaxBytes,
              blobTraffic(config, backend, metrics),
            ),
          inject: [JOB_BACKEND, DURABLE_BLOB_STORE, GatewayMetrics],
        },
        {
          provide: WORKER_BLOB_STORE,
          useFactory: (backend: JobBackend, durable: BlobStore, metrics: GatewayMetrics) =>
            new TieredBlobStore(
              backend.forWorkers.blobTier,
              durable,
              config.blobs.jobTierMaxBytes,
              blobTraffic(config, backend, metrics),
            ),
          inject: [JOB_BACKEND, DURABLE_BLOB_STORE, GatewayMetrics],
        },
        {
          provide: BlobExpiry,
          useFactory: (blobs: BlobStore, logger: Logger) => {
            const expiry = new BlobExpiry();
            const ttlMs = config.blobs.ttlS * 1000;
            expiry.start(blobs, ttlMs, Math.min(ttlMs / 10, 3600_000), (err) =>
              logger.warn({ err }, 'blob expiry sweep failed'),
            );
            return expiry;
          },
          inject: [BLOB_STORE, LOGGER],
        },
      ],
      exports: [BLOB_STORE, WORKER_BLOB_STORE, DURABLE_BLOB_STORE],
    }));
  }
}

/**
 * One per process, shared by the API's and the workers' tiered stores. With S3, `localPath`
 * copies go under BLOB_DIR (the only local files an S3-backed process keeps).
 */
function durableStore(config: AppConfig, logger: Logger): BlobStore {
  const store = config.blobs.store;
  if (store.kind === 'fs') return new FsBlobStore(config.blobs.dir);
  const s3 = new S3BlobStore({
    client: createS3Client(store),
    bucket: store.bucket,
    prefix: store.prefix,
    ttlS: config.blobs.ttlS,
    localCopiesDir: join(config.blobs.dir, 's3-copies'),
    localCopiesMaxBytes: store.localCopiesMaxBytes,
  });
  // Not fatal: the server may come later (requests answer 503 meanwhile), but a missing bucket
  // or refused credentials should be said at once rather than as 500s.
  s3.checkBucket().then(
    () =>
      logger.info(
        { bucket: store.bucket, endpoint: store.endpoint ?? 'aws' },
        'blob store: S3 bucket reachable',
      ),
    (err: unknown) =>
      logger.error({ err, bucket: store.bucket }, 'blob store: the S3 bucket (S3_BUCKET) cannot be reached'),
  );
  return s3;
}

/**
 * The byte counters of the two tiers: the durable store is the filesystem or S3, the job tier
 * lives where the jobs do (Redis, or memory in-process). METRICS=off: none.
 */
function blobTraffic(config: AppConfig, backend: JobBackend, metrics: GatewayMetrics) {
  if (!config.metrics) return undefined;
  return {
    jobTier: metrics.blobs.traffic(backend.state.kind),
    durable: metrics.blobs.traffic(config.blobs.store.kind),
  };
}
