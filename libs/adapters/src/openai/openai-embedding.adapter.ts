import type { AdapterDescriptor } from '@omnigate/contracts';
import { z } from 'zod';
import { parseOptions, readInput } from '../builtin/inputs';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../sdk/adapter';
import { AdapterError } from '../sdk/adapter-error';
import { decodeUtf8 } from '../sdk/utf8';
import type { OpenAiBackendClient } from './openai-backend-client';
import { backendVectors } from './embedding-vectors';
import { openAiDescriptor } from './openai-descriptor';

/** text-embedding-3 reads up to 8192 tokens; a few bytes a token. */
const MAX_TEXT_BYTES = 64 * 1024;
/** OpenAI takes up to 2048 inputs in one call. */
const MAX_INPUTS = 2048;

export const OpenAiEmbeddingOptionsSchema = z.object({
  /** Shorter vectors (text-embedding-3 models). */
  dimensions: z.number().int().positive().max(16_384).optional(),
  user: z.string().max(256).optional(),
});
export type OpenAiEmbeddingOptions = z.infer<typeof OpenAiEmbeddingOptionsSchema>;

/**
 * The JSON text this adapter returns: `embedding` for one text input, `embeddings` (in input
 * order) for several.
 */
export interface OpenAiEmbeddingOutput {
  embedding?: number[];
  embeddings?: number[][];
  model: string;
  dimensions: number;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Text to an embedding vector through `/embeddings`; the vector is JSON text (application/json). */
export class OpenAiEmbeddingAdapter implements Adapter<OpenAiEmbeddingOptions> {
  readonly options = OpenAiEmbeddingOptionsSchema;
  readonly descriptor: AdapterDescriptor;

  constructor(
    private readonly upstream: OpenAiBackendClient,
    readonly model: string,
  ) {
    const backend = upstream.backend;
    this.descriptor = openAiDescriptor(
      backend,
      'embedding',
      model,
      'Text embeddings',
      [
        {
          task: 'embed',
          inputs: ['text'],
          output: 'text',
          outputMediaTypes: ['application/json'],
          limits: { maxBytes: MAX_TEXT_BYTES },
        },
      ],
      ': {"embedding": [...]} as JSON',
    );
  }

  async invoke(
    request: AdapterRequest<OpenAiEmbeddingOptions>,
    context: AdapterContext,
  ): Promise<AdapterResult> {
    const adapterId = this.descriptor.id;
    const options = parseOptions(this.options, request.options, adapterId);
    const inputs = request.inputs.filter((input) => input.modality === 'text');
    if (inputs.length === 0) throw AdapterError.unprocessable(`${adapterId} needs a text input`);
    if (inputs.length > MAX_INPUTS) {
      throw AdapterError.unprocessable(`${adapterId} embeds at most ${MAX_INPUTS} texts at once`);
    }
    const texts: string[] = [];
    for (const [index, input] of inputs.entries()) {
      const text = decodeUtf8(
        await readInput(context, input, { maxBytes: MAX_TEXT_BYTES, what: `text ${index}` }),
      );
      if (text.trim() === '')
        throw AdapterError.unprocessable(`text ${index} is empty; there is nothing to embed`);
      texts.push(text);
    }
    await context.progress(0.1);

    // Asked for explicitly: the client then leaves the answer as it came (it decodes base64 only
    // when it chose base64 itself, and would turn a float array into a wrong vector), and
    // backendVectors takes base64 or the floats of a backend that ignores encoding_format.
    const response = await this.upstream.call(adapterId, context, (request) =>
      this.upstream.client.embeddings.create(
        {
          ...options,
          model: this.model,
          input: texts.length === 1 ? texts[0] : texts,
          encoding_format: 'base64',
        },
        request,
      ),
    );
    const vectors = backendVectors(response.data, texts.length, adapterId);
    const output: OpenAiEmbeddingOutput = {
      ...(vectors.length === 1 ? { embedding: vectors[0] } : { embeddings: vectors }),
      model: response.model,
      dimensions: vectors[0].length,
      usage: response.usage,
    };
    await context.progress(1);
    return {
      outputs: [{ modality: 'text', mediaType: 'application/json', text: JSON.stringify(output) }],
      // As a chat's: the model that answered and the usage, for the route step and the metrics.
      meta: { model: response.model, usage: response.usage },
    };
  }
}
