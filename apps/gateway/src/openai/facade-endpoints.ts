import { chatEndpoint } from './chat-endpoint';
import { embeddingsEndpoint } from './embeddings-endpoint';
import type { FacadeEndpoint } from './facade-endpoint';
import { imagesEndpoint } from './images-endpoint';
import { responsesEndpoint } from './responses-line';
import { speechEndpoint } from './speech-endpoint';
import { transcriptionsEndpoint } from './transcriptions-endpoint';

/**
 * The OpenAI endpoints a batch line may call, by path, each defined once in its own module (with
 * its schema, its jobs and its answer) that its controller uses too.
 */
export const FACADE_ENDPOINTS = {
  '/v1/chat/completions': chatEndpoint,
  '/v1/embeddings': embeddingsEndpoint,
  '/v1/images/generations': imagesEndpoint,
  '/v1/audio/speech': speechEndpoint,
  '/v1/audio/transcriptions': transcriptionsEndpoint,
  '/v1/responses': responsesEndpoint,
} as const satisfies Record<string, FacadeEndpoint>;

export type FacadePath = keyof typeof FACADE_ENDPOINTS;
