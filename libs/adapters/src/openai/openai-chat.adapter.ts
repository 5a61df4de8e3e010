import type { AdapterDescriptor, Capability } from '@omnigate/contracts';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';
import { parseOptions } from '../builtin/inputs';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../sdk/adapter';
import { AdapterError } from '../sdk/adapter-error';
import {
  buildChatMessages,
  MAX_CHAT_IMAGE_BYTES,
  OpenAiChatOptionsSchema,
  type OpenAiChatOptions,
} from './chat-messages';
import type { OpenAiBackendClient } from './openai-backend-client';
import type { OpenAiResultMeta } from './openai-meta';
import { openAiDescriptor } from './openai-descriptor';

const CHAT_CAPABILITIES: Capability[] = [
  { task: 'chat', inputs: ['text'], output: 'text', outputMediaTypes: ['text/plain', 'application/json'] },
];
const VISION_CAPABILITIES: Capability[] = [
  {
    task: 'chat',
    inputs: ['text', 'image'],
    output: 'text',
    outputMediaTypes: ['text/plain', 'application/json'],
    limits: { maxBytes: MAX_CHAT_IMAGE_BYTES },
  },
  {
    task: 'chat',
    inputs: ['image'],
    output: 'text',
    outputMediaTypes: ['text/plain', 'application/json'],
    limits: { maxBytes: MAX_CHAT_IMAGE_BYTES },
  },
];

/**
 * Chat completions on an OpenAI-compatible backend: text → text (`<backend>.chat`), or image and
 * text → text (`<backend>.vision`). The answer is the one output; the completion's id, model,
 * usage and finish reason are the result's `meta`. With `context.onTextDelta` it is streamed, and
 * `meta` also says how long the first text took (`ttftMs`) and the rest (`generationMs`).
 */
export class OpenAiChatAdapter implements Adapter<OpenAiChatOptions> {
  readonly options = OpenAiChatOptionsSchema;
  readonly descriptor: AdapterDescriptor;

  constructor(
    private readonly upstream: OpenAiBackendClient,
    readonly kind: 'chat' | 'vision',
    readonly model: string,
  ) {
    const backend = upstream.backend;
    this.descriptor = openAiDescriptor(
      backend,
      kind,
      model,
      `${kind === 'vision' ? 'Image and text' : 'Text'} chat`,
      kind === 'vision' ? VISION_CAPABILITIES : CHAT_CAPABILITIES,
    );
  }

  async invoke(request: AdapterRequest<OpenAiChatOptions>, context: AdapterContext): Promise<AdapterResult> {
    const adapterId = this.descriptor.id;
    const options = parseOptions(this.options, request.options, adapterId);
    const { messages, warnings } = await buildChatMessages({ ...request, options }, context, adapterId);
    const { messages: _messages, system: _system, ...parameters } = options;
    const body: ChatCompletionCreateParamsBase = { ...parameters, model: this.model, messages };
    const json =
      options.response_format?.type === 'json_object' || options.response_format?.type === 'json_schema';
    await context.progress(0.1);

    const answer = context.onTextDelta
      ? await this.stream(body, context, context.onTextDelta)
      : await this.complete(body, context);
    await context.progress(1);
    return {
      outputs: [{ modality: 'text', mediaType: json ? 'application/json' : 'text/plain', text: answer.text }],
      meta: { ...answer.meta },
      warnings,
    };
  }

  private async complete(
    body: ChatCompletionCreateParamsBase,
    context: AdapterContext,
  ): Promise<{ text: string; meta: OpenAiResultMeta }> {
    const completion = await this.upstream.call(this.descriptor.id, context, (request) =>
      this.upstream.client.chat.completions.create(body as ChatCompletionCreateParamsNonStreaming, request),
    );
    const choice = completion.choices?.[0];
    if (!choice) {
      throw new AdapterError(
        'adapter_failed',
        `${this.descriptor.id}: the backend answered without a choice`,
        {
          retryable: true,
        },
      );
    }
    const refusal = choice.message.refusal ?? null;
    return {
      text: choice.message.content ?? refusal ?? '',
      meta: {
        id: completion.id,
        model: completion.model,
        created: completion.created,
        finish_reason: choice.finish_reason,
        usage: completion.usage,
        system_fingerprint: completion.system_fingerprint ?? null,
        ...(refusal ? { refusal } : {}),
      },
    };
  }

  private async stream(
    body: ChatCompletionCreateParamsBase,
    context: AdapterContext,
    onTextDelta: (delta: string) => void,
  ): Promise<{ text: string; meta: OpenAiResultMeta }> {
    return this.upstream.call(this.descriptor.id, context, async (request) => {
      const startedAt = performance.now();
      let firstAt: number | undefined;
      const stream = await this.upstream.client.chat.completions.create(
        { ...body, stream: true, stream_options: { include_usage: true } },
        request,
      );
      const pieces: string[] = [];
      let refusal = '';
      let last: ChatCompletionChunk | undefined;
      const meta: OpenAiResultMeta = {};
      for await (const chunk of stream) {
        last = chunk;
        const choice = chunk.choices?.[0];
        const delta = choice?.delta?.content;
        if (delta) {
          firstAt ??= performance.now();
          pieces.push(delta);
          onTextDelta(delta);
        }
        if (choice?.delta?.refusal) refusal += choice.delta.refusal;
        if (choice?.finish_reason) meta.finish_reason = choice.finish_reason;
        if (chunk.usage) meta.usage = chunk.usage;
      }
      // The client ends the iteration quietly when the signal aborts; a cut answer is no answer.
      request.signal.throwIfAborted();
      if (!last) {
        throw new AdapterError(
          'adapter_failed',
          `${this.descriptor.id}: the backend's stream ended without a chunk`,
          {
            retryable: true,
          },
        );
      }
      return {
        text: pieces.length > 0 ? pieces.join('') : refusal,
        meta: {
          id: last.id,
          model: last.model,
          created: last.created,
          finish_reason: meta.finish_reason ?? null,
          usage: meta.usage,
          system_fingerprint: last.system_fingerprint ?? null,
          ...(refusal ? { refusal } : {}),
          // What the gateway's metrics read (time to first token, time per output token).
          ...(firstAt !== undefined
            ? { ttftMs: firstAt - startedAt, generationMs: performance.now() - firstAt }
            : {}),
        },
      };
    });
  }
}
