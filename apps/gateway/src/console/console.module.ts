import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { apiControllers, featureModule } from '../config/feature-module';
import { WhoamiController } from './whoami.controller';

/** The API the web console needs beyond the public one: who the presented key is. */
@Module({})
export class ConsoleModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(ConsoleModule, config, () => ({
      controllers: apiControllers(config, [WhoamiController]),
    }));
  }
}
