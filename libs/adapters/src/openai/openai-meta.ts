import type { CompletionUsage } from 'openai/resources/completions';
import type { AdapterOutput } from '../sdk/adapter';

/**
 * Media type of the extra text output in which a chat adapter reports what the OpenAI facade
 * needs besides the answer (ids, usage, finish reason). A stopgap until AdapterResult has a
 * field for such metadata: it travels as an output, so adapters of this family skip inputs of
 * this type when a route feeds one hop's outputs to the next.
 */
export const OPENAI_META_MEDIA_TYPE = 'application/vnd.omnigate.openai+json';

/** What a chat completion reports besides its text. */
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
}

export function metaOutput(meta: OpenAiResultMeta): AdapterOutput {
  return { modality: 'text', mediaType: OPENAI_META_MEDIA_TYPE, text: JSON.stringify(meta) };
}

/**
 * The metadata output among a result's outputs (adapter outputs or stored job outputs), parsed,
 * and the other outputs in their order.
 */
export function splitOpenAiMeta<Output extends { mediaType: string; text?: string }>(
  outputs: readonly Output[],
): { outputs: Output[]; meta?: OpenAiResultMeta } {
  const index = outputs.findIndex(isOpenAiMeta);
  if (index === -1) return { outputs: [...outputs] };
  const text = outputs[index].text;
  const meta = text === undefined ? undefined : (JSON.parse(text) as OpenAiResultMeta);
  return { outputs: outputs.filter((_, i) => i !== index), meta };
}

/** An input (or output) that is a chat's metadata rather than content. */
export function isOpenAiMeta(part: { mediaType: string }): boolean {
  return part.mediaType === OPENAI_META_MEDIA_TYPE;
}
