import type { CompletionUsage } from 'openai/resources/completions';

/** What a chat completion reports besides its text: the chat adapters' `AdapterResult.meta`. */
export interface OpenAiResultMeta {
  /** The upstream completion id (`chatcmpl-...`). */
  id?: string;
  /** The model that answered, as the backend names it. */
  model?: string;
  /** Unix seconds. */
  created?: number;
  finish_reason?: string | null;
  usage?: CompletionUsage;
  system_fingerprint?: string | null;
  /** The model's refusal, when it refused instead of answering. */
  refusal?: string | null;
  /** Streamed: milliseconds from the request going out to the first text delta. */
  ttftMs?: number;
  /** Streamed: milliseconds from the first text delta to the end of the stream. */
  generationMs?: number;
}
