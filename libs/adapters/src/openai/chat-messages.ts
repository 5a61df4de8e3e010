import type {
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import sharp from 'sharp';
import { z } from 'zod';
import { readInput } from '../builtin/inputs';
import type { AdapterContext, AdapterInput, AdapterRequest } from '../sdk/adapter';
import { AdapterError } from '../sdk/adapter-error';
import { errorMessage } from '../sdk/error-message';
import { baseMediaType, canonicalMediaType } from '../sdk/media-type';
import { decodeUtf8 } from '../sdk/utf8';

/** A text input read into a message is capped here; a longer one belongs in a file search, not a prompt. */
const MAX_TEXT_BYTES = 4 * 1024 * 1024;
/** OpenAI's limit for one image in a chat request. */
export const MAX_CHAT_IMAGE_BYTES = 20 * 1024 * 1024;
const MAX_AUDIO_BYTES = 25 * 1024 * 1024;
/** Image types chat models take as they are; others are converted to PNG first. */
const CHAT_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
/** Audio formats chat models take (`input_audio`), by canonical media type. */
const AUDIO_FORMATS: Record<string, 'wav' | 'mp3'> = { 'audio/wav': 'wav', 'audio/mpeg': 'mp3' };

const DetailSchema = z.enum(['auto', 'low', 'high']);

/** A content part that stands for `request.inputs[index]`, resolved by that input's modality when the call is made. */
export const InputRefPartSchema = z.strictObject({
  type: z.literal('input_ref'),
  index: z.number().int().min(0).max(63),
  /** For an image: the detail level OpenAI should look at it with. */
  detail: DetailSchema.optional(),
});
export type InputRefPart = z.infer<typeof InputRefPartSchema>;

const ContentPartSchema = z.discriminatedUnion('type', [
  InputRefPartSchema,
  z.strictObject({ type: z.literal('text'), text: z.string() }),
  z.strictObject({
    type: z.literal('image_url'),
    image_url: z.strictObject({ url: z.string().min(1), detail: DetailSchema.optional() }),
  }),
  z.strictObject({
    type: z.literal('input_audio'),
    input_audio: z.strictObject({ data: z.string().min(1), format: z.enum(['wav', 'mp3']) }),
  }),
  z.strictObject({
    type: z.literal('file'),
    file: z.strictObject({
      file_data: z.string().optional(),
      file_id: z.string().optional(),
      filename: z.string().optional(),
    }),
  }),
]);

/**
 * One OpenAI chat message; fields beyond role and content (name, tool_calls, tool_call_id)
 * pass through to the backend as they are.
 */
export const ChatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

const ResponseFormatSchema = z.union([
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.strictObject({
      name: z.string().min(1).max(64),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

/** Options of the chat and vision adapters, named as in OpenAI's chat completions API. */
export const OpenAiChatOptionsSchema = z.object({
  /**
   * The conversation. Media parts are `{type: 'input_ref', index}` pointing at the request's
   * inputs; without `messages`, the inputs in order make one user message.
   */
  messages: z.array(ChatMessageSchema).min(1).max(1024).optional(),
  /** A system message put first. */
  system: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  stop: z.union([z.string(), z.array(z.string()).min(1).max(4)]).optional(),
  seed: z.number().int().optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  response_format: ResponseFormatSchema.optional(),
  user: z.string().max(256).optional(),
  /** One choice only: the gateway returns one answer per job. */
  n: z.literal(1).optional(),
});
export type OpenAiChatOptions = z.infer<typeof OpenAiChatOptionsSchema>;

/**
 * The messages sent upstream: `options.messages` with each input_ref resolved, or one user
 * message made of the inputs in order; `options.system` first in both cases.
 */
export async function buildChatMessages(
  request: AdapterRequest<OpenAiChatOptions>,
  context: AdapterContext,
  adapterId: string,
): Promise<{ messages: ChatCompletionMessageParam[]; warnings: string[] }> {
  const options = request.options;
  const warnings: string[] = [];
  const system: ChatCompletionMessageParam[] =
    options.system === undefined ? [] : [{ role: 'system', content: options.system }];
  const resolver = new InputResolver(request.inputs, context, adapterId);

  if (!options.messages) {
    if (request.inputs.length === 0)
      throw AdapterError.unprocessable(`${adapterId} needs at least one input`);
    const parts: ChatCompletionContentPart[] = [];
    for (const index of request.inputs.keys()) parts.push(await resolver.part({ type: 'input_ref', index }));
    if (parts.length === 0) throw AdapterError.unprocessable(`${adapterId} needs at least one input`);
    const content = parts.every((part) => part.type === 'text')
      ? parts.map((part) => (part as { text: string }).text).join('\n\n')
      : parts;
    return { messages: [...system, { role: 'user', content }], warnings };
  }

  const messages: ChatCompletionMessageParam[] = [...system];
  for (const message of options.messages) {
    if (!Array.isArray(message.content)) {
      messages.push(message as ChatCompletionMessageParam);
      continue;
    }
    const content: ChatCompletionContentPart[] = [];
    for (const part of message.content) {
      content.push(
        part.type === 'input_ref' ? await resolver.part(part) : (part as ChatCompletionContentPart),
      );
    }
    messages.push({ ...message, content } as ChatCompletionMessageParam);
  }
  const unused = request.inputs
    .map((input, index) => ({ input, index }))
    .filter(({ index }) => !resolver.used.has(index))
    .map(({ index }) => index);
  if (unused.length > 0) {
    warnings.push(`inputs ${unused.join(', ')} are not referenced by any message and were not sent`);
  }
  return { messages, warnings };
}

/** Turns input references into content parts by the input's modality now (a hop may have turned audio into text). */
class InputResolver {
  readonly used = new Set<number>();
  private readonly parts = new Map<number, Promise<ChatCompletionContentPart>>();

  constructor(
    private readonly inputs: AdapterInput[],
    private readonly context: AdapterContext,
    private readonly adapterId: string,
  ) {}

  async part(ref: InputRefPart): Promise<ChatCompletionContentPart> {
    const input = this.inputs[ref.index];
    if (!input) {
      throw new AdapterError(
        'invalid_request',
        `${this.adapterId}: a message refers to input ${ref.index}, but there are ${this.inputs.length} inputs`,
      );
    }
    this.used.add(ref.index);
    let part = this.parts.get(ref.index);
    if (!part) {
      part = this.resolve(input, ref.index);
      this.parts.set(ref.index, part);
    }
    const resolved = await part;
    return resolved.type === 'image_url' && ref.detail
      ? { ...resolved, image_url: { ...resolved.image_url, detail: ref.detail } }
      : resolved;
  }

  private async resolve(input: AdapterInput, index: number): Promise<ChatCompletionContentPart> {
    const mediaType = baseMediaType(input.mediaType);
    switch (input.modality) {
      case 'text': {
        const bytes = await readInput(this.context, input, {
          maxBytes: MAX_TEXT_BYTES,
          what: `text input ${index}`,
        });
        return { type: 'text', text: decodeUtf8(bytes, `text input ${index}`) };
      }
      case 'image': {
        const bytes = await readInput(this.context, input, {
          maxBytes: MAX_CHAT_IMAGE_BYTES,
          what: `image input ${index}`,
        });
        const image = CHAT_IMAGE_TYPES.includes(mediaType)
          ? { mediaType, bytes }
          : { mediaType: 'image/png', bytes: await toPng(bytes, index) };
        return { type: 'image_url', image_url: { url: dataUrl(image.mediaType, image.bytes) } };
      }
      case 'audio': {
        const format = AUDIO_FORMATS[canonicalMediaType(mediaType)];
        if (!format) {
          throw AdapterError.unprocessable(
            `${this.adapterId}: chat models take audio as wav or mp3, and input ${index} is ${mediaType}`,
          );
        }
        const bytes = await readInput(this.context, input, {
          maxBytes: MAX_AUDIO_BYTES,
          what: `audio input ${index}`,
        });
        return { type: 'input_audio', input_audio: { data: bytes.toString('base64'), format } };
      }
      default:
        throw AdapterError.unprocessable(
          `${this.adapterId}: input ${index} is ${input.modality}, which a chat message cannot carry (text, image or audio)`,
        );
    }
  }
}

function dataUrl(mediaType: string, bytes: Buffer): string {
  return `data:${mediaType};base64,${bytes.toString('base64')}`;
}

async function toPng(bytes: Buffer, index: number): Promise<Buffer> {
  try {
    return await sharp(bytes, { animated: false }).png().toBuffer();
  } catch (error) {
    throw AdapterError.unprocessable(
      `image input ${index} could not be decoded: ${errorMessage(error)}`,
      error,
    );
  }
}
