import { type DynamicModule, Module } from '@nestjs/common';
import { AdaptersModule } from '../adapters/adapters.module';
import { BlobsModule } from '../blobs/blobs.module';
import type { AppConfig } from '../config/app-config';
import { apiControllers, featureModule } from '../config/feature-module';
import { DetectionModule } from '../detection/detection.module';
import { InferenceModule } from '../inference/inference.module';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { RoutingModule } from '../routing/routing.module';
import { AUDIO_ANSWER_STORE, audioAnswerStore } from './audio-answer-store';
import { AudioController } from './audio.controller';
import { ChatCompletionsController } from './chat-completions.controller';
import { EmbeddingsController } from './embeddings.controller';
import { ImagesController } from './images.controller';
import { ModelsController } from './models.controller';
import { createResponseStore, RESPONSE_STORE } from './response-store';
import { ResponsesController } from './responses.controller';

/**
 * The OpenAI-compatible facade: its routes run the gateway's jobs (ModelCatalog is AdaptersModule's);
 * stored responses and spoken chat answers are kept where the queue driver keeps its state.
 */
@Module({})
export class OpenAiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(OpenAiModule, config, () => ({
      imports: [
        InferenceModule.forRoot(config),
        BlobsModule.forRoot(config),
        DetectionModule.forRoot(config),
        RoutingModule.forRoot(config),
        AdaptersModule.forRoot(config),
        QueueModule.forRoot(config),
      ],
      controllers: apiControllers(config, [
        ChatCompletionsController,
        AudioController,
        ImagesController,
        EmbeddingsController,
        ModelsController,
        ResponsesController,
      ]),
      providers: [
        {
          provide: AUDIO_ANSWER_STORE,
          useFactory: (backend: JobBackend) => audioAnswerStore(backend.state, config.responses.ttlS),
          inject: [JOB_BACKEND],
        },
        {
          provide: RESPONSE_STORE,
          useFactory: (backend: JobBackend) => createResponseStore(backend.state, config.responses.ttlS),
          inject: [JOB_BACKEND],
        },
      ],
    }));
  }
}
