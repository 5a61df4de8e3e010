import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { apiControllers, featureModule } from '../config/feature-module';
import { HopWorkers } from '../jobs/hop-workers';
import { JobsModule } from '../jobs/jobs.module';
import { LOGGER } from '../logging/logger';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { ModalityRegistry } from '../routing/modality-registry';
import { RoutingModule } from '../routing/routing.module';
import { AdapterHealth } from './adapter-health';
import { AdapterRegistrations } from './adapter-registrations';
import { AdapterRegistry } from './adapter-registry';
import { AdaptersController } from './adapters.controller';
import { AdaptersModule } from './adapters.module';
import { createRegistrationStore } from './registration-store';

/**
 * Adapters registered at runtime (/v1/adapters): apart from AdaptersModule, as the workers
 * (JobsModule, which runs on AdaptersModule's adapters) start serving them.
 */
@Module({})
export class AdapterRegistrationsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(AdapterRegistrationsModule, config, () => ({
      imports: [
        QueueModule.forRoot(config),
        AdaptersModule.forRoot(config),
        RoutingModule.forRoot(config),
        JobsModule.forRoot(config),
      ],
      controllers: apiControllers(config, [AdaptersController]),
      providers: [
        {
          provide: AdapterRegistrations,
          useFactory: (
            backend: JobBackend,
            registry: AdapterRegistry,
            modalities: ModalityRegistry,
            health: AdapterHealth,
            workers: HopWorkers,
            logger: Logger,
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
          inject: [JOB_BACKEND, AdapterRegistry, ModalityRegistry, AdapterHealth, HopWorkers, LOGGER],
        },
      ],
    }));
  }
}
