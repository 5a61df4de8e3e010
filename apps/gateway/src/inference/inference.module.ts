import { type DynamicModule, Module } from '@nestjs/common';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { AdaptersModule } from '../adapters/adapters.module';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { BlobsModule } from '../blobs/blobs.module';
import type { AppConfig } from '../config/app-config';
import { apiControllers, featureModule } from '../config/feature-module';
import { DetectionModule } from '../detection/detection.module';
import { InputInspector } from '../detection/input-inspector';
import { JobEventsController } from '../events/job-events.controller';
import { HopRunner } from '../jobs/hop-runner';
import { JobEndings } from '../jobs/job-endings';
import { JobEndingsModule } from '../jobs/job-endings.module';
import { JobsModule } from '../jobs/jobs.module';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { modalityPair } from '../metrics/modality-labels';
import { MetricsModule } from '../metrics/metrics.module';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { LlmPlanner } from '../planning/llm-planner';
import { PlannedJobs } from '../planning/planned-job';
import { ModalityRegistry } from '../routing/modality-registry';
import { RoutePlanner } from '../routing/route-planner';
import { RoutingModule } from '../routing/routing.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { DetectController } from './detect.controller';
import { InferenceController } from './inference.controller';
import { InferenceService, type LlmPlanning } from './inference.service';

/** Jobs as clients see them: /v1/infer, /v1/jobs (and their events), /v1/detect. */
@Module({})
export class InferenceModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(InferenceModule, config, () => ({
      imports: [
        QueueModule.forRoot(config),
        BlobsModule.forRoot(config),
        DetectionModule.forRoot(config),
        RoutingModule.forRoot(config),
        AdaptersModule.forRoot(config),
        JobEndingsModule,
        JobsModule.forRoot(config),
        WebhooksModule.forRoot(config),
        MetricsModule.forRoot(config),
      ],
      controllers: apiControllers(config, [InferenceController, JobEventsController, DetectController]),
      providers: [
        {
          provide: InferenceService,
          useFactory: (
            blobs: BlobStore,
            inspector: InputInspector,
            modalities: ModalityRegistry,
            planner: RoutePlanner,
            backend: JobBackend,
            endings: JobEndings,
            runner: HopRunner,
            metrics: GatewayMetrics,
            adapters: AdapterRegistry,
          ) => {
            const known = (modality: string) => modalities.isKnown(modality);
            const llm = llmPlanning(config, adapters, backend, endings, runner);
            return new InferenceService(
              config,
              blobs,
              inspector,
              modalities,
              planner,
              backend,
              endings,
              runner,
              {
                jobCreated: (lane, inputs, output, task) =>
                  metrics.jobCreated(lane, modalityPair(inputs, output, known), task),
              },
              llm,
            );
          },
          inject: [
            BLOB_STORE,
            InputInspector,
            ModalityRegistry,
            RoutePlanner,
            JOB_BACKEND,
            JobEndings,
            HopRunner,
            GatewayMetrics,
            AdapterRegistry,
          ],
        },
      ],
      exports: [InferenceService],
    }));
  }
}

/** The LLM planner when PLANNER_MODEL names a chat adapter; none otherwise (only the graph plans). */
function llmPlanning(
  config: AppConfig,
  adapters: AdapterRegistry,
  backend: JobBackend,
  endings: JobEndings,
  runner: HopRunner,
): LlmPlanning | undefined {
  const model = config.planner.adapter;
  if (!model) return undefined;
  const planner = new LlmPlanner(model, adapters, config.queue.syncTimeoutMs);
  return { planner, jobs: new PlannedJobs(planner, backend.store, endings, runner) };
}
