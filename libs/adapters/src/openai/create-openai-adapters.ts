import type OpenAI from 'openai';
import type { OpenAiBackend } from '@omnigate/contracts';
import type { Adapter } from '../sdk/adapter';
import { OpenAiBackendClient } from './openai-backend-client';
import { OpenAiChatAdapter } from './openai-chat.adapter';
import { OpenAiEmbeddingAdapter } from './openai-embedding.adapter';
import { OpenAiImageAdapter } from './openai-image.adapter';
import { OpenAiSpeechAdapter } from './openai-speech.adapter';
import { OpenAiTranscriptionAdapter } from './openai-transcription.adapter';

export interface OpenAiAdapterDeps {
  /** A ready client (custom fetch, proxy); by default one is made from the backend's config. */
  client?: OpenAI;
  /** fetch for generated images that come back as a URL; default the global fetch. */
  fetch?: typeof fetch;
  /** Bytes of one answer of the backend; default DEFAULT_OPENAI_MAX_RESPONSE_BYTES (the gateway gives BLOB_MAX_BYTES). */
  maxResponseBytes?: number;
}

/**
 * The adapters of one OpenAI-compatible backend, one per model it names (`<id>.chat`,
 * `.vision`, `.transcription`, `.speech`, `.image`, `.embedding`), sharing one client.
 * A kind without a model gets no adapter.
 */
export function createOpenAiAdapters(backend: OpenAiBackend, deps: OpenAiAdapterDeps = {}): Adapter[] {
  const upstream = new OpenAiBackendClient(backend, deps.client, deps.maxResponseBytes);
  const { models } = backend;
  const adapters: Adapter[] = [];
  if (models.chat) adapters.push(new OpenAiChatAdapter(upstream, 'chat', models.chat));
  if (models.vision) adapters.push(new OpenAiChatAdapter(upstream, 'vision', models.vision));
  if (models.transcription) adapters.push(new OpenAiTranscriptionAdapter(upstream, models.transcription));
  if (models.speech) adapters.push(new OpenAiSpeechAdapter(upstream, models.speech));
  if (models.image) adapters.push(new OpenAiImageAdapter(upstream, models.image, { fetch: deps.fetch }));
  if (models.embedding) adapters.push(new OpenAiEmbeddingAdapter(upstream, models.embedding));
  return adapters;
}
