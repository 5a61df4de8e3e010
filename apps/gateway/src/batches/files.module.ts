import { type DynamicModule, Module } from '@nestjs/common';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { BlobsModule } from '../blobs/blobs.module';
import type { AppConfig } from '../config/app-config';
import { featureModule } from '../config/feature-module';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { FileCatalog } from './file-catalog';
import { createFileStore } from './file-store';

/**
 * Uploaded files (/v1/files is BatchesModule's, beside the batches that read them): apart, as
 * inputs name files too (the input inspector reads them) and batches run inference.
 */
@Module({})
export class FilesModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(FilesModule, config, () => ({
      imports: [QueueModule.forRoot(config), BlobsModule.forRoot(config)],
      providers: [
        {
          provide: FileCatalog,
          useFactory: (blobs: BlobStore, backend: JobBackend) =>
            new FileCatalog(blobs, createFileStore(backend.state), config.blobs.ttlS),
          inject: [BLOB_STORE, JOB_BACKEND],
        },
      ],
      exports: [FileCatalog],
    }));
  }
}
