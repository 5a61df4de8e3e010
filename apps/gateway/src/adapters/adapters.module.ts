import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { featureModule } from '../config/feature-module';
import { LOGGER } from '../logging/logger';
import { ModelCatalog } from '../openai/model-catalog';
import { STARTED_AT } from '../openai/started-at';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { AdapterHealth } from './adapter-health';
import { AdapterRegistry } from './adapter-registry';
import { createAdapterRegistry } from './create-adapter-registry';

/**
 * The adapters this gateway knows, their health (circuit breakers) and the models they offer.
 * Adapters registered at runtime are AdapterRegistrationsModule's: they are served by the workers.
 */
@Module({})
export class AdaptersModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(AdaptersModule, config, () => ({
      imports: [QueueModule.forRoot(config)],
      providers: [
        {
          provide: AdapterRegistry,
          useFactory: (logger: Logger) => createAdapterRegistry(config, logger),
          inject: [LOGGER],
        },
        {
          provide: ModelCatalog,
          useFactory: (registry: AdapterRegistry) => new ModelCatalog(registry, STARTED_AT),
          inject: [AdapterRegistry],
        },
        {
          provide: AdapterHealth,
          useFactory: (backend: JobBackend, logger: Logger) => {
            const health = new AdapterHealth(config.breaker, backend.bus, logger);
            health.start();
            return health;
          },
          inject: [JOB_BACKEND, LOGGER],
        },
      ],
      exports: [AdapterRegistry, ModelCatalog, AdapterHealth],
    }));
  }
}
