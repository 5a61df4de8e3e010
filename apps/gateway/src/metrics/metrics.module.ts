import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { featureModule } from '../config/feature-module';
import { JobEndings } from '../jobs/job-endings';
import { JobEndingsModule } from '../jobs/job-endings.module';
import { GatewayMetrics } from './gateway-metrics';
import { MetricsController } from './metrics.controller';
import { modelLabels } from './model-metrics';

/**
 * The process's Prometheus metrics (one registry a process) and `/metrics`, which every process
 * answers, a worker on its health listener. Job ends are counted from JobEndings, in the process
 * that ended the job.
 */
@Module({})
export class MetricsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(MetricsModule, config, () => ({
      imports: [JobEndingsModule],
      providers: [
        {
          provide: GatewayMetrics,
          useFactory: (endings: JobEndings) => {
            const metrics = new GatewayMetrics(modelLabels(config.openAiBackends), config.metrics);
            endings.onEnded(async (record) => metrics.jobEnded(record));
            return metrics;
          },
          inject: [JobEndings],
        },
      ],
      // METRICS=off: no route, /metrics answers 404.
      controllers: config.metrics ? [MetricsController] : [],
      exports: [GatewayMetrics],
    }));
  }
}
