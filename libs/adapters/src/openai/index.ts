export { createOpenAiAdapters, type OpenAiAdapterDeps } from './create-openai-adapters';
export { createOpenAiClient, DEFAULT_OPENAI_TIMEOUT_MS, OpenAiBackendClient } from './openai-backend-client';
export { DEFAULT_REMOTE_COST_HINT, OPENAI_ADAPTER_VERSION } from './openai-descriptor';
export { redact, retryAfterMs, toAdapterError, type UpstreamErrorContext } from './openai-errors';
export type { OpenAiResultMeta } from './openai-meta';
export {
  ChatMessageSchema,
  InputRefPartSchema,
  OpenAiChatOptionsSchema,
  type ChatMessage,
  type InputRefPart,
  type OpenAiChatOptions,
} from './chat-messages';
export { OpenAiChatAdapter } from './openai-chat.adapter';
export {
  OpenAiTranscriptionAdapter,
  OpenAiTranscriptionOptionsSchema,
  type OpenAiTranscriptionOptions,
} from './openai-transcription.adapter';
export {
  OpenAiSpeechAdapter,
  OpenAiSpeechOptionsSchema,
  type OpenAiSpeechOptions,
} from './openai-speech.adapter';
export {
  OpenAiImageAdapter,
  OpenAiImageOptionsSchema,
  type OpenAiImageDeps,
  type OpenAiImageOptions,
} from './openai-image.adapter';
export {
  OpenAiEmbeddingAdapter,
  OpenAiEmbeddingOptionsSchema,
  type OpenAiEmbeddingOptions,
  type OpenAiEmbeddingOutput,
} from './openai-embedding.adapter';
export { backendVectors, INVALID_BACKEND_EMBEDDING } from './embedding-vectors';
