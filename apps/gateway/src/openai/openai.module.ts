import { type DynamicModule, Module } from '@nestjs/common';
import { AdaptersModule } from '../adapters/adapters.module';
import { BlobsModule } from '../blobs/blobs.module';
import type { AppConfig } from '../config/app-config';
import { apiControllers, featureModule } from '../config/feature-module';
import { DetectionModule } from '../detection/detection.module';
import { InferenceModule } from '../inference/inference.module';
import { QueueModule } from '../queue/queue.module';
import { RoutingModule } from '../routing/routing.module';
import { AudioController } from './audio.controller';
import { ChatCompletionsController } from './chat-completions.controller';
import { ConversationsController } from './conversations.controller';
import { EmbeddingsController } from './embeddings.controller';
import { ImagesController } from './images.controller';
import { ModelsController } from './models.controller';
import { ResponseStateModule } from './response-state.module';
import { ResponsesController } from './responses.controller';

/**
 * The OpenAI-compatible facade: its routes run the gateway's jobs (ModelCatalog is AdaptersModule's);
 * stored responses, conversations and spoken chat answers are ResponseStateModule's.
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
        ResponseStateModule.forRoot(config),
      ],
      controllers: apiControllers(config, [
        ChatCompletionsController,
        AudioController,
        ImagesController,
        EmbeddingsController,
        ModelsController,
        ResponsesController,
        ConversationsController,
      ]),
    }));
  }
}
