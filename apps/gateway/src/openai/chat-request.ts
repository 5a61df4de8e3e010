import { BlobIdSchema, FileIdSchema, isBase64, type InputPart } from '@omnigate/contracts';
import { z } from 'zod';
import { invalidParam } from './openai-error';

const DetailSchema = z.enum(['auto', 'low', 'high']);

const ChatContentPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({
    type: z.literal('image_url'),
    image_url: z.object({ url: z.string().min(1), detail: DetailSchema.optional() }),
  }),
  z.object({
    type: z.literal('input_audio'),
    input_audio: z.object({ data: z.string().min(1), format: z.enum(['wav', 'mp3']) }),
  }),
  z.object({
    type: z.literal('file'),
    file: z.object({
      file_data: z.string().min(1).optional(),
      /** An omnigate blob id (`POST /v1/blobs`). */
      file_id: z.string().min(1).optional(),
      filename: z.string().max(255).optional(),
    }),
  }),
]);
export type ChatContentPart = z.infer<typeof ChatContentPartSchema>;

/** The id of an earlier spoken answer (`message.audio.id`); bounded, so that a lookup key is too. */
export const AudioIdSchema = z.string().min(1).max(128);

/** One message; fields beyond role, content, name and audio (tool_calls, tool_call_id) pass through. */
const ChatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(ChatContentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
  /** An assistant turn that was a spoken answer, by its id: the model is sent its transcript. */
  audio: z
    .object({ id: AudioIdSchema })
    .meta({
      description:
        'An earlier spoken answer by its id (assistant turns): the model is sent its transcript; unknown or expired ids are 400',
    })
    .nullish(),
});
export type ChatRequestMessage = z.infer<typeof ChatMessageSchema>;

/** The chat completion parameters passed through to the chat adapter as options. */
export const PASSED_CHAT_PARAMETERS = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'response_format',
  'user',
  'presence_penalty',
  'frequency_penalty',
] as const;

/**
 * The audio formats OpenAI's chat completions take; `aac` is refused (400) here: the speech
 * hop's encoder (ffmpeg) writes the others.
 */
export const CHAT_AUDIO_FORMATS = ['wav', 'aac', 'mp3', 'flac', 'opus', 'pcm16'] as const;

/** `audio` of a request for a spoken answer. */
export const ChatAudioParamSchema = z.object({
  /** One of OpenAI's voices (alloy, ash, ...), or a voice the speaking adapter has (slt, kal16, ...). */
  voice: z.union([z.string().min(1).max(64), z.object({ id: z.string().min(1).max(128) })]).meta({
    description:
      "One of OpenAI's voices (alloy, ash, ballad, coral, echo, fable, nova, onyx, sage, shimmer, verse, marin, cedar: the built-in Flite voice closest to it when the speaker does not have it) or a voice the speaking adapter has (Flite: slt, kal16, kal, awb, rms); others, and custom voices ({id}), are 400",
  }),
  format: z.enum(CHAT_AUDIO_FORMATS).meta({
    description:
      'wav, mp3, flac, opus (Ogg), or pcm16 (raw 16-bit mono little-endian samples at 24 kHz); aac is 400',
  }),
});
export type ChatAudioParam = z.infer<typeof ChatAudioParamSchema>;

/** Body of `POST /v1/chat/completions` (the fields the gateway reads; others are ignored). */
export const ChatCompletionRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    messages: z.array(ChatMessageSchema).min(1).max(1024),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    n: z.number().int().min(1).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    stop: z.union([z.string(), z.array(z.string()).min(1).max(4)]).nullish(),
    seed: z.number().int().nullish(),
    response_format: z.record(z.string(), z.unknown()).nullish(),
    user: z.string().max(256).nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    /** `["text", "audio"]` asks for a spoken answer as well: a speech job after the chat job. */
    modalities: z
      .array(z.enum(['text', 'audio']))
      .min(1)
      .max(2)
      .meta({
        description:
          '["text", "audio"]: a spoken answer (message.audio: id, data, transcript, expires_at; content null) from any chat model, said by a speech job after the chat job',
      })
      .nullish(),
    /** The voice and format of a spoken answer; required when `modalities` has `audio`. */
    audio: ChatAudioParamSchema.meta({
      description: 'The voice and format of a spoken answer; required when modalities includes audio',
    }).nullish(),
    /** Not supported: read only to refuse them rather than answer as if they were not sent. */
    tools: z.array(z.unknown()).nullish(),
    functions: z.array(z.unknown()).nullish(),
  })
  .meta({
    id: 'OpenAiChatCompletionRequest',
    description:
      "OpenAI's chat completion request as the gateway reads it; modalities + audio ask for a spoken answer, and an assistant message's audio.id refers to an earlier one",
  });
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

/** The conversation as gateway inputs: each media part an input, replaced by an `input_ref` to it. */
export interface MappedConversation {
  inputs: InputPart[];
  messages: unknown[];
  /** Whether a media part is an image (to prefer a vision model for an upstream model name). */
  hasImage: boolean;
  /** Whether a part is `input_audio` (a spoken question, to be transcribed for a text chat model). */
  hasAudio: boolean;
}

const DATA_URL_MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/;
const DATA_URL_PARAMETER = /^[\w-]+=[^;,]*$/;
const BASE64_MARK = ';base64';
/** A media type (at most 255) and a few parameters; a longer header is not a data URL's. */
const MAX_DATA_URL_HEADER = 1024;

/**
 * `data:<type>[;name=value...];base64,<data>` as its parts; undefined for anything else. Read by
 * position, not by one pattern over the whole URL: a pattern re-read the data (megabytes) on
 * backtracking and overflowed the stack on 10 MB.
 */
export function parseDataUrl(url: string): { mediaType?: string; data: string } | undefined {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0 || comma > MAX_DATA_URL_HEADER) return undefined;
  const header = url.slice('data:'.length, comma);
  if (!header.endsWith(BASE64_MARK)) return undefined;
  const [mediaType, ...parameters] = header.slice(0, -BASE64_MARK.length).split(';');
  if (mediaType !== '' && !DATA_URL_MEDIA_TYPE.test(mediaType)) return undefined;
  if (!parameters.every((parameter) => DATA_URL_PARAMETER.test(parameter))) return undefined;
  const data = withoutWhitespace(url.slice(comma + 1));
  if (!isBase64(data)) return undefined;
  return { ...(mediaType ? { mediaType: mediaType.toLowerCase() } : {}), data };
}

/** `text` without ASCII whitespace, in one pass (a `/\s/g` replace costs a match per space). */
function withoutWhitespace(text: string): string {
  if (!/\s/.test(text)) return text;
  const kept: string[] = [];
  let from = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 0x20;
    if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) {
      if (i > from) kept.push(text.slice(from, i));
      from = i + 1;
    }
  }
  return kept.join('');
}

/**
 * Media parts become inputs (base64 data or a blob id, with media type and filename hints) and
 * `{type: 'input_ref', index}` in the messages; text stays where it is. A text-only conversation
 * gets the last user text as its one input, for routing (a chat adapter reads the messages).
 */
export function mapConversation(messages: ChatRequestMessage[]): MappedConversation {
  const inputs: InputPart[] = [];
  let hasImage = false;
  let hasAudio = false;
  const mapped = messages.map((message, m) => {
    if (!Array.isArray(message.content)) return message;
    const content = message.content.map((part, p) => {
      const param = `messages[${m}].content[${p}]`;
      if (part.type === 'text') return part;
      const input = mediaInput(part, param);
      if (part.type === 'image_url') hasImage = true;
      if (part.type === 'input_audio') hasAudio = true;
      inputs.push(input);
      const detail = part.type === 'image_url' ? part.image_url.detail : undefined;
      return { type: 'input_ref', index: inputs.length - 1, ...(detail ? { detail } : {}) };
    });
    return { ...message, content };
  });
  if (inputs.length === 0) inputs.push({ text: lastUserText(messages) });
  return { inputs, messages: mapped, hasImage, hasAudio };
}

function mediaInput(part: Exclude<ChatContentPart, { type: 'text' }>, param: string): InputPart {
  switch (part.type) {
    case 'image_url': {
      const url = part.image_url.url;
      if (/^https?:\/\//i.test(url)) {
        throw invalidParam(
          `${param}.image_url.url`,
          'image URLs are not fetched by this gateway; send the image inline as a data URL (data:image/png;base64,...)',
          'image_url_not_supported',
        );
      }
      const parsed = parseDataUrl(url);
      if (!parsed) {
        throw invalidParam(
          `${param}.image_url.url`,
          'image_url.url must be a base64 data URL (data:image/png;base64,...)',
        );
      }
      return { data: parsed.data, ...(parsed.mediaType ? { mediaType: parsed.mediaType } : {}) };
    }
    case 'input_audio':
      checkBase64(part.input_audio.data, `${param}.input_audio.data`);
      return {
        data: part.input_audio.data,
        mediaType: part.input_audio.format === 'mp3' ? 'audio/mpeg' : 'audio/wav',
        filename: `audio.${part.input_audio.format}`,
      };
    case 'file': {
      const { file_data, file_id, filename } = part.file;
      const named = filename ? { filename } : {};
      if (file_id !== undefined && file_data === undefined) {
        if (FileIdSchema.safeParse(file_id).success) return { fileId: file_id, ...named };
        if (!BlobIdSchema.safeParse(file_id).success) {
          throw invalidParam(
            `${param}.file.file_id`,
            'file_id must be the id of an uploaded file (file-…, from POST /v1/files) or an omnigate blob id (64 hex characters, from POST /v1/blobs)',
          );
        }
        return { blobId: file_id, ...named };
      }
      if (file_data === undefined || file_id !== undefined) {
        throw invalidParam(
          `${param}.file`,
          'a file part needs exactly one of file_data (a base64 data URL) and file_id (a file or blob id)',
        );
      }
      const parsed = parseDataUrl(file_data) ?? { data: file_data };
      checkBase64(parsed.data, `${param}.file.file_data`);
      return { data: parsed.data, ...(parsed.mediaType ? { mediaType: parsed.mediaType } : {}), ...named };
    }
  }
}

function checkBase64(data: string, param: string): void {
  if (!isBase64(data)) throw invalidParam(param, `${param} is not valid base64`);
}

function lastUserText(messages: ChatRequestMessage[]): string {
  const texts = messages.map((message) =>
    typeof message.content === 'string'
      ? message.content
      : Array.isArray(message.content)
        ? message.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n')
        : '',
  );
  const lastUser = messages
    .map((m, i) => ({ m, i }))
    .findLast(({ m, i }) => m.role === 'user' && texts[i] !== '');
  const text = lastUser ? texts[lastUser.i] : texts.findLast((t) => t !== '');
  if (text === undefined) throw invalidParam('messages', 'the messages hold no text and no media to answer');
  return text;
}

/** The model and the parameters a chat job passes through: what the Responses API maps to as well. */
export type ChatParameters = Pick<ChatCompletionRequest, 'model' | (typeof PASSED_CHAT_PARAMETERS)[number]>;

/** The parameters to pass through as chat options, without the null ones. */
export function chatOptions(body: ChatParameters): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const key of PASSED_CHAT_PARAMETERS) {
    const value = body[key];
    if (value !== null && value !== undefined) options[key] = value;
  }
  return options;
}
