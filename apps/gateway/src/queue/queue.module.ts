import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { featureModule } from '../config/feature-module';
import { LOGGER } from '../logging/logger';
import { JOB_BACKEND } from './job-backend';
import { createJobBackend } from './job-backend.factory';

/** The job backend (Redis and BullMQ, or in-process): jobs' records, hop queues, the cluster bus. */
@Module({})
export class QueueModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(QueueModule, config, () => ({
      providers: [
        {
          provide: JOB_BACKEND,
          useFactory: (logger: Logger) => createJobBackend(config, logger),
          inject: [LOGGER],
        },
      ],
      exports: [JOB_BACKEND],
    }));
  }
}
