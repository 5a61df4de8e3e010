import { api, ApiError, serverEvents } from '../api';

/** A file attached to a user message, kept as the data URL the request sends (and the page shows). */
export interface Attachment {
  kind: 'image' | 'audio';
  name: string;
  mediaType: string;
  /** `data:<type>;base64,<data>`: an `image_url` part sends it whole, an `input_audio` part its data. */
  dataUrl: string;
  /** The `input_audio` format (the gateway takes these two only). */
  format?: 'wav' | 'mp3';
  bytes: number;
}

/** Token counts of an answer, as OpenAI reports them. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One message of the conversation as the page keeps it. */
export interface ChatMessage {
  id: number;
  role: 'user' | 'assistant';
  text: string;
  attachments: Attachment[];
  /** The model that answered (the adapter the gateway chose), for an assistant message. */
  model?: string;
  usage?: Usage;
  /** Why the answer failed (shown with its code and message); a failed answer is not sent back. */
  error?: unknown;
  /** Still arriving. */
  pending?: boolean;
  /** Stopped by the person before its end. */
  stopped?: boolean;
}

/** What an answer says as it arrives: text pieces, then who answered and the tokens it took. */
export interface AnswerSink {
  text(piece: string): void;
  model(model: string): void;
  usage(usage: Usage): void;
}

/** OpenAI content parts: text, images as data URLs, audio as base64 with its format. */
type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: 'wav' | 'mp3' } };

/** The conversation as OpenAI messages: failed or empty answers left out, attachments as parts. */
export function toOpenAiMessages(
  messages: ChatMessage[],
): { role: 'user' | 'assistant'; content: string | ContentPart[] }[] {
  return messages
    .filter((m) => (m.role === 'user' ? m.text !== '' || m.attachments.length > 0 : m.text !== ''))
    .map((m) => {
      if (m.attachments.length === 0) return { role: m.role, content: m.text };
      const parts: ContentPart[] = m.text === '' ? [] : [{ type: 'text', text: m.text }];
      for (const a of m.attachments) {
        parts.push(
          a.kind === 'image'
            ? { type: 'image_url', image_url: { url: a.dataUrl } }
            : {
                type: 'input_audio',
                input_audio: { data: a.dataUrl.slice(a.dataUrl.indexOf(',') + 1), format: a.format ?? 'wav' },
              },
        );
      }
      return { role: m.role, content: parts };
    });
}

interface CompletionChunk {
  model?: string;
  choices?: { delta?: { content?: string | null } }[];
  usage?: Usage | null;
  error?: { message?: string; code?: string | null; type?: string };
}

interface Completion {
  model: string;
  choices: { message: { content: string | null } }[];
  usage?: Usage;
}

/**
 * Asks `POST /v1/chat/completions` for the answer to `messages`, streamed (`stream: true`, the
 * pieces handed to `sink` as the server-sent deltas arrive, until `[DONE]`) or whole. Throws an
 * {@link ApiError} for an error answer, also one that comes as an event after the stream started.
 */
export async function complete(
  model: string,
  messages: ChatMessage[],
  stream: boolean,
  sink: AnswerSink,
  signal: AbortSignal,
): Promise<void> {
  const body = { model, messages: toOpenAiMessages(messages) };
  if (!stream) {
    const answer = await api<Completion>('/v1/chat/completions', { method: 'POST', json: body, signal });
    sink.model(answer.model);
    sink.text(answer.choices[0]?.message.content ?? '');
    if (answer.usage) sink.usage(answer.usage);
    return;
  }
  const events = serverEvents('/v1/chat/completions', {
    method: 'POST',
    json: { ...body, stream: true, stream_options: { include_usage: true } },
    signal,
  });
  for await (const event of events) {
    if (event.data === '[DONE]') return;
    let chunk: CompletionChunk;
    try {
      chunk = JSON.parse(event.data) as CompletionChunk;
    } catch (err) {
      const bad = new ApiError(
        0,
        'bad_event',
        `the stream sent an event that is not JSON: ${event.data.slice(0, 80)}`,
      );
      bad.cause = err;
      throw bad;
    }
    if (chunk.error) {
      const { code, type, message } = chunk.error;
      throw new ApiError(0, code ?? type ?? 'error', message ?? 'the stream ended with an error');
    }
    if (chunk.model) sink.model(chunk.model);
    const piece = chunk.choices?.[0]?.delta?.content;
    if (piece) sink.text(piece);
    if (chunk.usage) sink.usage(chunk.usage);
  }
  throw new ApiError(0, 'stream_cut', 'the stream ended before [DONE]: the answer may be incomplete');
}

/** The `input_audio` formats the gateway takes, by media type or else by file name. */
function audioFormat(file: File): 'wav' | 'mp3' | undefined {
  const type = file.type.toLowerCase();
  if (['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'].includes(type)) return 'wav';
  if (['audio/mpeg', 'audio/mp3'].includes(type)) return 'mp3';
  const ext = file.name.toLowerCase().split('.').pop();
  return ext === 'wav' || ext === 'mp3' ? ext : undefined;
}

/** A picked, dropped or pasted file as an attachment; an {@link ApiError} for a kind chat cannot send. */
export async function attachmentOf(file: File): Promise<Attachment> {
  const isImage = file.type.startsWith('image/');
  const format = isImage ? undefined : audioFormat(file);
  if (!isImage && !format) {
    throw new ApiError(
      0,
      'unsupported_attachment',
      `${file.name || 'the file'} (${file.type || 'unknown type'}) cannot go into a chat: attach an image, or audio as WAV or MP3`,
    );
  }
  const dataUrl = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
  const mediaType = file.type || (format === 'mp3' ? 'audio/mpeg' : 'audio/wav');
  // A file of no declared type is read as application/octet-stream: the data URL says what it is.
  const fixed = file.type ? dataUrl : `data:${mediaType};base64,${dataUrl.slice(dataUrl.indexOf(',') + 1)}`;
  return {
    kind: isImage ? 'image' : 'audio',
    name: file.name || (isImage ? 'pasted image' : 'audio'),
    mediaType,
    dataUrl: fixed,
    ...(format ? { format } : {}),
    bytes: file.size,
  };
}
