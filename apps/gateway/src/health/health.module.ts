import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { featureModule } from '../config/feature-module';
import { QueueModule } from '../queue/queue.module';
import { HealthController } from './health.controller';

/** /health, which every process answers (a worker answers nothing else). */
@Module({})
export class HealthModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(HealthModule, config, () => ({
      imports: [QueueModule.forRoot(config)],
      controllers: [HealthController],
    }));
  }
}
