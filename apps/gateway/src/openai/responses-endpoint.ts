import { randomBytes } from 'node:crypto';
import { InferRequestSchema, type InferRequest } from '@omnigate/contracts';
import type { JobRecord } from '../jobs/job-record';
import { answerInfo } from './chat-completion';
import { conversationJobRequest } from './chat-endpoint';
import { conversationIdOf } from './conversation-id';
import type { EndpointDeps } from './facade-endpoint';
import { outputBytes, outputText, singleOutput } from './facade-job';
import { spokenAnswer, type SpokenAnswer } from './chat-audio';
import { wavSamples } from './speech-endpoint';
import { invalidParam } from './openai-error';
import type { StoredResponse } from './response-store';
import { conversationOf, keepHistoryMedia, sourceOf, storeInlineMedia } from './responses-media';
import { readMediaForModel, type MediaReader } from './responses-reading';
import {
  mapInput,
  newItemId,
  type ConversationItem,
  type OutputAudioPart,
  type ResponseCreateRequest,
  type ResponseInputMessage,
} from './responses-request';

/**
 * `resp_`, the creation time (12 hex digits of Unix ms) and 20 random hex digits: the time lets a
 * missing id be told apart as expired (older than the store's TTL) rather than unknown.
 */
export const RESPONSE_ID = /^resp_[0-9a-f]{32}$/;

export function newResponseId(now = Date.now()): string {
  return `resp_${now.toString(16).padStart(12, '0')}${randomBytes(10).toString('hex')}`;
}

/** When a well-formed response id was made (ms), from its first 12 hex digits. */
export function responseCreatedAt(id: string): number {
  return Number.parseInt(id.slice('resp_'.length, 'resp_'.length + 12), 16);
}

/** What this gateway's Responses endpoint does not do: refused (400) rather than ignored. */
function refuseUnsupported(body: ResponseCreateRequest): void {
  // With previous_response_id too, 400: the caller reads the conversation (conversation-turn.ts).
  conversationIdOf(body);
  if (body.stream && imageTool(body)) {
    throw invalidParam('stream', 'the image_generation tool does not stream here; leave stream out');
  }
  if (body.modalities?.includes('audio') && (body.stream || body.background)) {
    throw invalidParam(
      body.stream ? 'stream' : 'background',
      'a spoken answer (modalities with audio) is answered whole here: leave stream and background out',
    );
  }
  body.tools?.forEach((tool, i) => {
    if (tool.type !== 'image_generation') {
      throw invalidParam(
        `tools[${i}].type`,
        `tools of type '${tool.type}' are not supported by this gateway; image_generation is`,
        'unsupported_tool_type',
      );
    }
  });
}

/** Image formats the image tool can answer in, as media types. */
const IMAGE_FORMATS: Record<string, string> = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' };

/**
 * The `image_generation` tool when it is to be used: listed in `tools` and not turned off by
 * `tool_choice: "none"`. Nothing here decides per turn whether an image would help, so a listed
 * tool answers the turn with an image.
 */
function imageTool(body: ResponseParameters): { mediaType: string } | undefined {
  const tool = body.tools?.find((t) => t.type === 'image_generation');
  if (!tool || body.tool_choice === 'none') return undefined;
  const format = tool.output_format ?? 'png';
  const mediaType = typeof format === 'string' ? IMAGE_FORMATS[format] : undefined;
  if (!mediaType) throw invalidParam('tools.output_format', 'output_format must be png, webp or jpeg');
  return { mediaType };
}

/** What a Responses request needs: the models it resolves, the blobs it keeps, how media are read. */
export type ResponseDeps = Pick<EndpointDeps, 'models' | 'blobs' | 'planner'> & {
  /** Without one (a batch line), media go to the chat job as they are, for its route to read. */
  reader?: MediaReader;
};

/** A request's parameters without its input (which may hold megabytes of media sent inline). */
export type ResponseParameters = Omit<ResponseCreateRequest, 'input'>;

/**
 * A Responses request as prepared: its input items (media stored, by blob id) on top of the
 * history, each media part read into what a chat model takes. What the answer is built from,
 * at once or (a background response) once its job has ended, in whichever process reads it.
 */
export interface PreparedResponse {
  body: ResponseParameters;
  history: ConversationItem[];
  input: ResponseInputMessage[];
}

/** A Responses request ready to run: its job, and how the job's completed record becomes the response. */
export interface ResponseJob {
  request: InferRequest;
  prepared: PreparedResponse;
  /** `ids`: those a stream announced before the answer was known (else new ones). */
  build(record: JobRecord, ids?: ResponseIds, spoken?: OutputAudioPart): Promise<StoredResponse>;
  /** With `modalities: ["text", "audio"]`: the speech job that says the answer, run after the chat job. */
  speech?: SpokenAnswer;
}

/** The ids of a response and of its output item. */
export interface ResponseIds {
  response: string;
  item: string;
}

/**
 * A Responses request as one job on top of `history` (the items of the conversation so far):
 * its inline media stored as blobs first (kept by reference from then on), then a chat job with
 * `instructions` as a system message first, or, with the image tool, a job from the
 * conversation's latest media (else this turn's text) to an image.
 */
export async function responseJob(
  body: ResponseCreateRequest,
  history: readonly ConversationItem[],
  deps: ResponseDeps,
): Promise<ResponseJob> {
  refuseUnsupported(body);
  const image = imageTool(body);
  const speech = body.modalities?.includes('audio') ? spokenAnswer(body, deps) : undefined;
  const input = mapInput(body.input);
  await storeInlineMedia(input, deps.blobs);
  await keepHistoryMedia(history, deps.blobs);
  const { input: _sent, ...parameters } = body;
  const prepared: PreparedResponse = { body: parameters, history: [...history], input };
  const conversation = [...history, ...input];
  const build = (record: JobRecord, ids?: ResponseIds, spoken?: OutputAudioPart) =>
    buildResponse(prepared, record, deps.blobs, ids, spoken);
  if (image) {
    const request = InferRequestSchema.parse({
      inputs: [imageSource(conversation)],
      output: { modality: 'image', mediaType: image.mediaType },
    });
    return { request, prepared, build };
  }
  if (deps.reader) await readMediaForModel(conversation, deps.reader);
  const mapped = conversationOf(conversation);
  const instructions = body.instructions ? [{ role: 'system', content: body.instructions }] : [];
  const { request } = conversationJobRequest(
    { ...mapped, messages: [...instructions, ...mapped.messages] },
    {
      model: body.model,
      temperature: body.temperature,
      top_p: body.top_p,
      max_completion_tokens: body.max_output_tokens,
      user: body.user,
    },
    deps.models,
  );
  return { request, prepared, build, ...(speech ? { speech } : {}) };
}

/**
 * The stored response of a prepared request whose job completed: an assistant message with the
 * text answer, or an `image_generation_call` item with the image by blob id.
 */
export async function buildResponse(
  { body, history, input }: PreparedResponse,
  record: JobRecord,
  blobs: EndpointDeps['blobs'],
  ids: ResponseIds = { response: newResponseId(), item: newItemId(imageTool(body) ? 'ig' : 'msg') },
  spoken?: OutputAudioPart,
): Promise<StoredResponse> {
  let output: ConversationItem;
  if (imageTool(body)) {
    const image = singleOutput(record, 'image');
    const fileId = image.blobId ?? (await blobs.put(Buffer.from(image.data ?? '', 'base64'))).id;
    output = {
      id: ids.item,
      type: 'image_generation_call',
      status: 'completed',
      result: null,
      file_id: fileId,
    };
  } else {
    const text = await outputText(blobs, singleOutput(record, 'text'));
    output = {
      id: ids.item,
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text, annotations: [] }, ...(spoken ? [spoken] : [])],
    };
  }
  return {
    response: responseObject(body, record, output, ids.response),
    inputItems: input,
    conversation: [...history, ...input, output],
  };
}

/**
 * What the image tool draws from: the latest media of the conversation (a signal is plotted, an
 * image redrawn), else this turn's text as the prompt.
 */
function imageSource(conversation: readonly ConversationItem[]): InferRequest['inputs'][number] {
  for (const item of conversation.toReversed()) {
    if (item.type === 'image_generation_call') return { blobId: item.file_id };
    const media = item.content.findLast((p) => 'file_id' in p && p.file_id);
    if (media && 'file_id' in media && media.file_id) return sourceOf(media.file_id);
  }
  const prompt = conversation.at(-1);
  const text =
    prompt?.type === 'message' ? prompt.content.findLast((p) => p.type === 'input_text') : undefined;
  if (text && 'text' in text && text.text !== '') return { text: text.text };
  throw invalidParam('input', 'the image tool needs a prompt or media to draw from');
}

/** The `response` object of a completed job; an image item's `result` is filled in when shown (withMedia). */
function responseObject(
  body: ResponseParameters,
  record: JobRecord,
  output: ConversationItem,
  id: string,
): StoredResponse['response'] {
  const info = answerInfo(record);
  const conversation = conversationIdOf(body);
  const truncated = info.finishReason === 'length' && output.type === 'message';
  const details = (key: string) => {
    const value = info.usage[key];
    return value && typeof value === 'object' ? value : undefined;
  };
  return {
    id,
    object: 'response',
    created_at: info.created,
    status: truncated ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: truncated ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: info.model,
    output: [
      output.type === 'message' ? { ...output, status: truncated ? 'incomplete' : 'completed' } : output,
    ],
    parallel_tool_calls: false,
    previous_response_id: body.previous_response_id ?? null,
    ...(conversation ? { conversation: { id: conversation } } : {}),
    store: body.store ?? true,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    text: { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    truncation: 'disabled',
    metadata: body.metadata ?? {},
    ...(body.user ? { user: body.user } : {}),
    usage: {
      input_tokens: info.usage.prompt_tokens,
      input_tokens_details: details('prompt_tokens_details') ?? { cached_tokens: 0 },
      output_tokens: info.usage.completion_tokens,
      output_tokens_details: details('completion_tokens_details') ?? { reasoning_tokens: 0 },
      total_tokens: info.usage.total_tokens,
    },
  };
}

/**
 * What the speech job (`record`) said of `transcript`, as the message's `output_audio` part: the audio
 * (in the format asked; pcm16 as raw samples) kept as a blob, its bytes read back when shown.
 */
export async function spokenPartOf(
  speech: SpokenAnswer,
  transcript: string,
  record: JobRecord,
  blobs: EndpointDeps['blobs'],
): Promise<OutputAudioPart> {
  const output = singleOutput(record, 'audio');
  const bytes = await outputBytes(blobs, output);
  const audio = speech.format === 'pcm16' ? wavSamples(bytes) : bytes;
  const blob = await blobs.put(audio, { mediaType: output.mediaType ?? 'application/octet-stream' });
  return { type: 'output_audio', transcript, format: speech.format, blob_id: blob.id, data: null };
}

/**
 * The response as shown: each `image_generation_call` with its image (`result`) and each
 * `output_audio` part with its audio (`data`) read from their blobs as base64; the stored
 * response keeps only the blob ids.
 */
export async function withMedia(
  response: StoredResponse['response'],
  blobs: EndpointDeps['blobs'],
): Promise<StoredResponse['response']> {
  const output = response.output as ConversationItem[] | undefined;
  const base64 = async (blobId: string) => (await blobs.read(blobId)).toString('base64');
  const hasMedia = (item: ConversationItem) =>
    item.type === 'image_generation_call' || item.content.some((part) => part.type === 'output_audio');
  if (!output?.some(hasMedia)) return response;
  const shown = await Promise.all(
    output.map(async (item) => {
      if (item.type === 'image_generation_call') return { ...item, result: await base64(item.file_id) };
      const content = await Promise.all(
        item.content.map(async (part) =>
          part.type === 'output_audio' ? { ...part, data: await base64(part.blob_id) } : part,
        ),
      );
      return { ...item, content };
    }),
  );
  return { ...response, output: shown };
}
