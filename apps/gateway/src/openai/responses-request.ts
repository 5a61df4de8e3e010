import { randomBytes } from 'node:crypto';
import { BlobIdSchema, FileIdSchema, isBase64 } from '@omnigate/contracts';
import { z } from 'zod';
import { ChatAudioParamSchema, parseDataUrl } from './chat-request';
import { ConversationParamSchema } from './conversation-id';
import { invalidParam } from './openai-error';

/** `input_image`'s detail, as chat's `image_url` takes it. */
const DetailSchema = z.enum(['auto', 'low', 'high']);
type Detail = z.infer<typeof DetailSchema>;

/**
 * One input item as sent: read loosely so that an item or part of a type this gateway does not
 * take is refused by name (400) rather than as a schema mismatch.
 */
export const InputItemSchema = z.looseObject({
  type: z.string().optional(),
  role: z.string().optional(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
});

/** One entry of `tools`: only its type is read here (the image tool's options by its mapping). */
const ToolSchema = z.looseObject({ type: z.string() });

/** Body of `POST /v1/responses` (the fields the gateway reads; others are ignored). */
export const ResponseCreateRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    input: z.union([z.string(), z.array(InputItemSchema).min(1).max(1024)]),
    instructions: z.string().nullish(),
    previous_response_id: z.string().max(256).nullish(),
    store: z.boolean().nullish(),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    max_output_tokens: z.number().int().positive().nullish(),
    user: z.string().max(256).nullish(),
    tools: z.array(ToolSchema).max(128).nullish(),
    tool_choice: z.union([z.string(), z.looseObject({ type: z.string() })]).nullish(),
    /** As on Chat Completions: `["text", "audio"]` with `audio` adds the answer spoken (an `output_audio` part). */
    modalities: z
      .array(z.enum(['text', 'audio']))
      .min(1)
      .max(2)
      .nullish(),
    audio: ChatAudioParamSchema.nullish(),
    stream: z.boolean().nullish(),
    background: z.boolean().nullish(),
    /** The conversation (conversation-turn.ts) whose items come before this input, and to which its items are added. */
    conversation: ConversationParamSchema.nullish(),
  })
  .meta({ id: 'OpenAiResponseCreateRequest' });
export type ResponseCreateRequest = z.infer<typeof ResponseCreateRequestSchema>;

/** Bytes sent inline with a part (a data URL's or base64 data), not yet a blob. */
export interface InlineMedia {
  data: string;
  mediaType?: string;
}

/**
 * A part of a message as the Responses API lists it back. Media are kept by reference: once
 * stored, `file_id` is an omnigate blob id (or an uploaded file's `file-…` id) and the bytes
 * sent inline are gone from the item; `inline` is there only between parsing and storing.
 */
export type ResponseInputPart =
  | { type: 'input_text'; text: string }
  | { type: 'output_text'; text: string; annotations: [] }
  | OutputAudioPart
  | ({ type: 'input_image'; detail: Detail; image_url: null } & MediaFields)
  | ({ type: 'input_audio'; format: 'wav' | 'mp3' } & MediaFields)
  | ({ type: 'input_file'; filename?: string } & MediaFields);

/**
 * A spoken answer (`modalities: ["text", "audio"]`), beside the answer's `output_text`: its
 * audio by blob id, `data` filled in (base64) when shown, never stored.
 */
export interface OutputAudioPart {
  type: 'output_audio';
  transcript: string;
  format: string;
  blob_id: string;
  data: string | null;
}

/** What every media part holds besides its type's own fields. */
interface MediaFields {
  file_id: string | null;
  inline?: InlineMedia;
  /** The detected modality, once known (responses-reading.ts). */
  modality?: string;
  /** For media a chat model cannot take (audio, signal, point cloud, video): the blob id of the text it was read into. */
  read_as?: string;
}

/** A media part of a message. */
export type MediaPart = Extract<ResponseInputPart, { file_id: string | null }>;

/** An input message with its id, as `GET /v1/responses/:id/input_items` answers it. */
export interface ResponseInputMessage {
  id: string;
  type: 'message';
  role: 'user' | 'assistant' | 'system' | 'developer';
  status: 'completed';
  content: ResponseInputPart[];
}

/** An `image_generation_call` output item as kept: its image by blob id, read back when shown. */
export interface ImageGenerationItem {
  id: string;
  type: 'image_generation_call';
  status: 'completed';
  /** The image as base64: filled in when the item is shown, never stored. */
  result: string | null;
  file_id: string;
}

/** An item of a conversation: a message (input or answer) or a generated image. */
export type ConversationItem = ResponseInputMessage | ImageGenerationItem;

/** Item ids as OpenAI's look: a prefix and 32 hex digits. */
export const newItemId = (prefix = 'msg'): string => `${prefix}_${randomBytes(16).toString('hex')}`;

const ROLES = new Set(['user', 'assistant', 'system', 'developer']);

/**
 * The input (a string, or message items of `input_text`, `input_image`, `input_audio`,
 * `input_file`, and `output_text` for earlier assistant turns) as message items; any other item
 * or part type is 400 naming it. Media sent inline are checked here and stored by the caller
 * (responses-media.ts), which turns them into blob references. `param`: where the items are,
 * `input` or a conversation's `items`.
 */
export function mapInput(input: ResponseCreateRequest['input'], param = 'input'): ResponseInputMessage[] {
  if (typeof input === 'string') {
    return [
      {
        id: newItemId(),
        type: 'message',
        role: 'user',
        status: 'completed',
        content: [{ type: 'input_text', text: input }],
      },
    ];
  }
  return input.map((item, i) => inputMessage(item, `${param}[${i}]`));
}

function inputMessage(item: z.infer<typeof InputItemSchema>, param: string): ResponseInputMessage {
  const type = item.type ?? 'message';
  if (type !== 'message') {
    throw invalidParam(
      `${param}.type`,
      `input items of type '${type}' are not supported by this gateway yet`,
      'unsupported_item_type',
    );
  }
  if (item.role === undefined || !ROLES.has(item.role)) {
    throw invalidParam(`${param}.role`, `a message needs a role: one of ${[...ROLES].join(', ')}`);
  }
  const role = item.role as ResponseInputMessage['role'];
  const { content } = item;
  if (content === undefined) throw invalidParam(`${param}.content`, 'a message needs content');
  const parts: ResponseInputPart[] =
    typeof content === 'string'
      ? [
          role === 'assistant'
            ? { type: 'output_text', text: content, annotations: [] }
            : { type: 'input_text', text: content },
        ]
      : content.map((part, p) => inputPart(part, `${param}.content[${p}]`));
  const id = typeof item.id === 'string' && item.id.length <= 256 ? item.id : newItemId();
  return { id, type: 'message', role, status: 'completed', content: parts };
}

function inputPart(part: { type: string } & Record<string, unknown>, param: string): ResponseInputPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text': {
      if (typeof part.text !== 'string')
        throw invalidParam(`${param}.text`, `an ${part.type} part needs text`);
      return part.type === 'input_text'
        ? { type: 'input_text', text: part.text }
        : { type: 'output_text', text: part.text, annotations: [] };
    }
    case 'input_image': {
      const detail = DetailSchema.safeParse(part.detail ?? 'auto');
      if (!detail.success) throw invalidParam(`${param}.detail`, 'detail must be auto, low or high');
      const source = mediaSource(
        part,
        'image_url',
        param,
        'an input_image part needs image_url (a base64 data URL) or file_id',
      );
      return { type: 'input_image', detail: detail.data, image_url: null, ...source };
    }
    case 'input_audio': {
      const audio = z
        .object({ data: z.string().min(1), format: z.enum(['wav', 'mp3']) })
        .safeParse(part.input_audio);
      if (!audio.success) {
        throw invalidParam(
          `${param}.input_audio`,
          'an input_audio part needs input_audio: {data: base64, format: wav or mp3}',
        );
      }
      const { data, format } = audio.data;
      checkBase64(data, `${param}.input_audio.data`);
      const mediaType = format === 'mp3' ? 'audio/mpeg' : 'audio/wav';
      return { type: 'input_audio', format, file_id: null, inline: { data, mediaType } };
    }
    case 'input_file': {
      if (part.file_url !== undefined && part.file_url !== null) {
        throw invalidParam(
          `${param}.file_url`,
          'file URLs are not fetched by this gateway; send file_data (base64 or a data URL) or file_id',
          'file_url_not_supported',
        );
      }
      const filename = optionalString(part.filename, `${param}.filename`, 255);
      const source = mediaSource(
        part,
        'file_data',
        param,
        'an input_file part needs file_data (base64 or a data URL) or file_id',
      );
      return { type: 'input_file', ...source, ...(filename ? { filename } : {}) };
    }
    default:
      throw invalidParam(
        `${param}.type`,
        `content parts of type '${part.type}' are not supported by this gateway yet`,
        'unsupported_content_type',
      );
  }
}

/**
 * Exactly one of `file_id` (an omnigate blob id or an uploaded file's id) and the inline field
 * (`image_url` as a data URL, `file_data` as a data URL or plain base64).
 */
function mediaSource(
  part: Record<string, unknown>,
  inlineField: 'image_url' | 'file_data',
  param: string,
  needs: string,
): { file_id: string | null; inline?: InlineMedia } {
  const fileId = part.file_id ?? undefined;
  const inline = part[inlineField] ?? undefined;
  if ((fileId === undefined) === (inline === undefined)) throw invalidParam(param, needs);
  if (fileId !== undefined) {
    if (
      typeof fileId !== 'string' ||
      !(BlobIdSchema.safeParse(fileId).success || FileIdSchema.safeParse(fileId).success)
    ) {
      throw invalidParam(
        `${param}.file_id`,
        'file_id must be an omnigate blob id (64 hex characters, from POST /v1/blobs or an earlier turn) or an uploaded file id (file-…, from POST /v1/files)',
      );
    }
    return { file_id: fileId };
  }
  if (typeof inline !== 'string' || inline === '') throw invalidParam(`${param}.${inlineField}`, needs);
  if (inlineField === 'image_url' && /^https?:\/\//i.test(inline)) {
    throw invalidParam(
      `${param}.image_url`,
      'image URLs are not fetched by this gateway; send the image inline as a data URL (data:image/png;base64,...) or by file_id',
      'image_url_not_supported',
    );
  }
  const parsed = parseDataUrl(inline) ?? (inlineField === 'file_data' ? { data: inline } : undefined);
  if (!parsed) {
    throw invalidParam(
      `${param}.${inlineField}`,
      `${inlineField} must be a base64 data URL (data:image/png;base64,...)`,
    );
  }
  checkBase64(parsed.data, `${param}.${inlineField}`);
  return { file_id: null, inline: parsed };
}

function checkBase64(data: string, param: string): void {
  if (!isBase64(data)) throw invalidParam(param, `${param} is not valid base64`);
}

function optionalString(value: unknown, param: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) {
    throw invalidParam(param, `${param} must be a string of at most ${max} characters`);
  }
  return value;
}
