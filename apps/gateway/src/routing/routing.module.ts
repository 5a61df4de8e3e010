import { type DynamicModule, Module } from '@nestjs/common';
import { AdapterHealth } from '../adapters/adapter-health';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { AdaptersModule } from '../adapters/adapters.module';
import type { AppConfig } from '../config/app-config';
import { apiControllers, featureModule } from '../config/feature-module';
import { ModalityRegistry } from './modality-registry';
import { RoutePlanner } from './route-planner';
import { RoutesController } from './routes.controller';

/** Modalities and the routes between them (adapter chains), /v1/routes. */
@Module({})
export class RoutingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(RoutingModule, config, () => ({
      imports: [AdaptersModule.forRoot(config)],
      controllers: apiControllers(config, [RoutesController]),
      providers: [
        ModalityRegistry,
        {
          provide: RoutePlanner,
          useFactory: (a: AdapterRegistry, health: AdapterHealth) =>
            new RoutePlanner(a, config.routing, health),
          inject: [AdapterRegistry, AdapterHealth],
        },
      ],
      exports: [ModalityRegistry, RoutePlanner],
    }));
  }
}
