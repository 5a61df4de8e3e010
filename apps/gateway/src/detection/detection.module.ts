import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { FileCatalog } from '../batches/file-catalog';
import { FilesModule } from '../batches/files.module';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { BlobsModule } from '../blobs/blobs.module';
import type { AppConfig } from '../config/app-config';
import { featureModule } from '../config/feature-module';
import { LOGGER } from '../logging/logger';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { ModalityRegistry } from '../routing/modality-registry';
import { RoutingModule } from '../routing/routing.module';
import { ContentModalityDetector } from './content-modality-detector';
import { createMediaProber } from './create-media-prober';
import { InputInspector } from './input-inspector';
import { MEDIA_PROBER, type MediaProber } from './media-prober';
import { MODALITY_DETECTOR, type ModalityDetector } from './modality-detector';

/** What an input is: its modality (from its content) and its media's facts (probed), within limits. */
@Module({})
export class DetectionModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(DetectionModule, config, () => ({
      imports: [
        BlobsModule.forRoot(config),
        RoutingModule.forRoot(config),
        FilesModule.forRoot(config),
        MetricsModule.forRoot(config),
      ],
      providers: [
        {
          provide: MODALITY_DETECTOR,
          useFactory: (modalities: ModalityRegistry) => new ContentModalityDetector(modalities),
          inject: [ModalityRegistry],
        },
        {
          provide: MEDIA_PROBER,
          useFactory: (logger: Logger) => createMediaProber(config, logger),
          inject: [LOGGER],
        },
        {
          provide: InputInspector,
          useFactory: (
            blobs: BlobStore,
            detector: ModalityDetector,
            prober: MediaProber,
            modalities: ModalityRegistry,
            files: FileCatalog,
            metrics: GatewayMetrics,
          ) =>
            new InputInspector(
              config,
              blobs,
              detector,
              prober,
              modalities,
              (id) => files.blob(id),
              // METRICS=off: nothing counted.
              config.metrics ? metrics.detection.observer((m) => modalities.isKnown(m)) : undefined,
            ),
          inject: [
            BLOB_STORE,
            MODALITY_DETECTOR,
            MEDIA_PROBER,
            ModalityRegistry,
            FileCatalog,
            GatewayMetrics,
          ],
        },
      ],
      exports: [InputInspector],
    }));
  }
}
