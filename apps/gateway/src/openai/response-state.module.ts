import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { featureModule } from '../config/feature-module';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { QueueModule } from '../queue/queue.module';
import { AUDIO_ANSWER_STORE, audioAnswerStore } from './audio-answer-store';
import { CONVERSATION_STORE, createConversationStore } from './conversation-store';
import { createResponseStore, RESPONSE_STORE } from './response-store';

/**
 * Stored responses, conversations and spoken chat answers, where the queue driver keeps its
 * state: one store of each per process, shared by the OpenAI routes and by batch lines (with the
 * in-process driver, a response a batch line stored is the one `GET /v1/responses/:id` reads).
 */
@Module({})
export class ResponseStateModule {
  static forRoot(config: AppConfig): DynamicModule {
    return featureModule(ResponseStateModule, config, () => ({
      imports: [QueueModule.forRoot(config)],
      providers: [
        {
          provide: RESPONSE_STORE,
          useFactory: (backend: JobBackend) => createResponseStore(backend.state, config.responses.ttlS),
          inject: [JOB_BACKEND],
        },
        {
          provide: AUDIO_ANSWER_STORE,
          useFactory: (backend: JobBackend) => audioAnswerStore(backend.state, config.responses.ttlS),
          inject: [JOB_BACKEND],
        },
        {
          provide: CONVERSATION_STORE,
          useFactory: (backend: JobBackend) => createConversationStore(backend.state, config.responses.ttlS),
          inject: [JOB_BACKEND],
        },
      ],
      exports: [RESPONSE_STORE, CONVERSATION_STORE, AUDIO_ANSWER_STORE],
    }));
  }
}
