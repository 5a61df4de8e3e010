import { randomUUID } from 'node:crypto';
import type { Adapter } from '@omnigate/adapters';
import { InferRequestSchema, type InferRequest } from '@omnigate/contracts';
import type { JobRecord } from '../jobs/job-record';
import type { RouteQuery } from '../routing/route-planner';
import type { AudioAnswerStore } from './audio-answer-store';
import { nowSeconds } from './chat-completion';
import { type ChatCompletionRequest, type ChatRequestMessage } from './chat-request';
import type { EndpointDeps } from './facade-endpoint';
import { outputBytes, outputText, singleOutput } from './facade-job';
import { invalidParam } from './openai-error';
import { wavSamples } from './speech-endpoint';

/**
 * Spoken answers from text models (`modalities: ["text", "audio"]`): no chat backend speaks, so
 * the chat job's answer is spoken by a second job, of task `tts`, once it is known. Two jobs
 * rather than one route chat → tts: a job keeps only its last hop's output and streams only a
 * last text hop, while the answer needs the chat's text (the transcript, streamed as it comes)
 * as well as the audio.
 */

/** The media type asked of the speech route for each format; pcm16 is a WAV's samples. */
const FORMAT_MEDIA_TYPES = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  opus: 'audio/opus',
  pcm16: 'audio/wav',
} as const;
export type SpokenFormat = keyof typeof FORMAT_MEDIA_TYPES;

/** OpenAI's raw `pcm16`: 24 kHz, 16-bit, mono; resampled by the ffmpeg adapter. */
const PCM16_RATE_HZ = 24_000;
const RESAMPLER = 'builtin.audio';

/** The voices OpenAI's chat completions list. */
export const OPENAI_VOICES = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'fable',
  'nova',
  'onyx',
  'sage',
  'shimmer',
  'verse',
  'marin',
  'cedar',
] as const;
type OpenAiVoice = (typeof OPENAI_VOICES)[number];

/**
 * The built-in Flite voice closest to each of OpenAI's, for a speaker that does not know OpenAI's
 * names but knows these (slt: female, US; kal16 and rms: male, US; awb: male, Scottish).
 */
const FLITE_STAND_INS: Record<OpenAiVoice, string> = {
  alloy: 'slt',
  ash: 'kal16',
  ballad: 'kal16',
  coral: 'slt',
  echo: 'rms',
  fable: 'awb',
  nova: 'slt',
  onyx: 'rms',
  sage: 'slt',
  shimmer: 'slt',
  verse: 'kal16',
  marin: 'slt',
  cedar: 'kal16',
};

const isOpenAiVoice = (voice: string): voice is OpenAiVoice =>
  (OPENAI_VOICES as readonly string[]).includes(voice);

/** What a request for a spoken answer asks of the speech job. */
export interface SpokenAnswer {
  format: SpokenFormat;
  /** The speech job that says `transcript`. */
  request(transcript: string, priority?: number): InferRequest;
}

/**
 * The spoken answer a request asks for, checked before any job runs: undefined for a text-only
 * request; 400 without `audio`, for `aac`, or for a voice that is neither OpenAI's nor one the
 * speaking adapter has; 422 `no_route` when nothing can speak in the format.
 */
export function spokenAnswer(
  body: Pick<ChatCompletionRequest, 'modalities' | 'audio'>,
  deps: Pick<EndpointDeps, 'planner' | 'models'>,
): SpokenAnswer | undefined {
  if (!body.modalities?.includes('audio')) return undefined;
  if (!body.audio) {
    throw invalidParam('audio', 'audio ({voice, format}) is required when modalities includes "audio"');
  }
  const { format: asked, voice } = body.audio;
  if (asked === 'aac') {
    throw invalidParam(
      'audio.format',
      'audio.format aac is not produced by this gateway; use wav, mp3, flac, opus or pcm16',
      'unsupported_value',
    );
  }
  const format = asked;
  const mediaType = FORMAT_MEDIA_TYPES[format];
  // pcm16 goes through the resampler, when there is one: the speaking adapters write 16 kHz.
  const resample = format === 'pcm16' && deps.models.list().some((m) => m.id === RESAMPLER);
  const query: RouteQuery = {
    inputs: ['text'],
    output: 'audio',
    outputMediaType: mediaType,
    task: 'tts',
    ...(resample ? { adapter: RESAMPLER } : {}),
  };
  const speaker = deps.planner.plan(query).find((hop) => hop.capability.output === 'audio')?.adapter;
  const options: Record<string, unknown> = {
    ...voiceOption(voice, speaker),
    ...(resample ? { sampleRateHz: PCM16_RATE_HZ, channels: 1 } : {}),
  };
  return {
    format,
    request: (transcript, priority) =>
      InferRequestSchema.parse({
        inputs: [{ text: transcript, modality: 'text' }],
        output: { modality: 'audio', mediaType },
        task: 'tts',
        ...(query.adapter ? { adapter: query.adapter } : {}),
        options,
        ...(priority !== undefined ? { priority } : {}),
      }),
  };
}

/**
 * The `voice` option for the speaker: the voice itself when the speaker has it (an OpenAI
 * backend has OpenAI's; Flite has slt, kal16, ...), else for one of OpenAI's voices the Flite
 * stand-in when the speaker has that, else its default voice. Any other voice is 400.
 */
function voiceOption(voice: string | { id: string }, speaker: Adapter | undefined): { voice?: string } {
  if (typeof voice !== 'string') {
    throw invalidParam('audio.voice', 'custom voices ({id}) are not supported by this gateway; name a voice');
  }
  const has = (name: string) => {
    const parsed = speaker?.options?.safeParse({ voice: name });
    return parsed?.success === true && (parsed.data as { voice?: unknown }).voice === name;
  };
  if (has(voice)) return { voice };
  if (isOpenAiVoice(voice)) return has(FLITE_STAND_INS[voice]) ? { voice: FLITE_STAND_INS[voice] } : {};
  throw invalidParam(
    'audio.voice',
    `voice ${JSON.stringify(voice)} is not one of OpenAI's (${OPENAI_VOICES.join(', ')})${
      speaker ? ` nor one ${speaker.descriptor.id} has` : ''
    }`,
    'invalid_value',
  );
}

/** `message.audio` of an answer, as OpenAI shapes it. */
export interface ChatAudio {
  id: string;
  /** The audio in the format asked for, base64. */
  data: string;
  expires_at: number;
  transcript: string;
}

/** A new id for a spoken answer (known before the audio is, for a stream). */
export function newAudioId(): string {
  return `audio_${randomUUID().replaceAll('-', '')}`;
}

/** The text a chat job answered: what its spoken answer says. */
export async function chatTranscript(deps: Pick<EndpointDeps, 'blobs'>, chat: JobRecord): Promise<string> {
  return outputText(deps.blobs, singleOutput(chat, 'text'));
}

/**
 * The speech job's audio in the format asked for, kept under `id` (with its transcript) for a
 * later turn to refer to: the bytes and `expires_at`.
 */
export async function keepSpokenAnswer(
  deps: Pick<EndpointDeps, 'blobs' | 'audioAnswers'>,
  speech: JobRecord,
  { id, transcript, format }: { id: string; transcript: string; format: SpokenFormat },
): Promise<{ audio: Buffer; expiresAt: number }> {
  const output = singleOutput(speech, 'audio');
  const bytes = await outputBytes(deps.blobs, output);
  const blobId = output.blobId ?? (await deps.blobs.put(bytes, { mediaType: output.mediaType })).id;
  const expiresAt = nowSeconds() + deps.audioAnswers.ttlS;
  await deps.audioAnswers.put({ id, transcript, blobId, expiresAt });
  return { audio: format === 'pcm16' ? wavSamples(bytes) : bytes, expiresAt };
}

/** The whole `message.audio` of a chat job and the speech job that said its answer. */
export async function spokenMessageAudio(
  deps: Pick<EndpointDeps, 'blobs' | 'audioAnswers'>,
  chat: JobRecord,
  speech: JobRecord,
  format: SpokenFormat,
): Promise<ChatAudio> {
  const id = newAudioId();
  const transcript = await chatTranscript(deps, chat);
  const { audio, expiresAt } = await keepSpokenAnswer(deps, speech, { id, transcript, format });
  return { id, data: audio.toString('base64'), expires_at: expiresAt, transcript };
}

/**
 * The conversation with each earlier spoken answer (`{role: 'assistant', audio: {id}}`) as the
 * text a model reads: its transcript as the content, unless the turn has text of its own. Only an
 * assistant turn refers to audio; an id unknown or expired is 400 naming it.
 */
export async function withTranscripts(
  messages: ChatRequestMessage[],
  store: AudioAnswerStore,
): Promise<ChatRequestMessage[]> {
  const refs = messages.flatMap((message, index) => (message.audio ? [{ index, id: message.audio.id }] : []));
  if (refs.length === 0) return messages;
  for (const { index } of refs) {
    if (messages[index]!.role !== 'assistant') {
      throw invalidParam(
        `messages[${index}].audio`,
        'only an assistant message refers to an earlier audio answer',
      );
    }
  }
  const known = await store.getMany(refs.map((ref) => ref.id));
  const transcripts = new Map<number, string>();
  refs.forEach(({ index, id }, i) => {
    const stored = known[i];
    if (!stored || stored.id !== id) {
      throw invalidParam(
        `messages[${index}].audio.id`,
        `audio ${JSON.stringify(id)} is unknown or has expired (spoken answers are kept for ${store.ttlS} s)`,
        'invalid_value',
      );
    }
    transcripts.set(index, stored.transcript);
  });
  return messages.map((message, index) => {
    const transcript = transcripts.get(index);
    if (transcript === undefined) return message;
    const { audio: _audio, ...rest } = message;
    return hasText(message.content) ? rest : { ...rest, content: transcript };
  });
}

function hasText(content: ChatRequestMessage['content']): boolean {
  if (typeof content === 'string') return content !== '';
  return Array.isArray(content) && content.length > 0;
}

/** Bytes per `delta.audio.data` chunk of a stream: a multiple of 3, so the chunks' base64 joins into the whole's. */
export const AUDIO_CHUNK_BYTES = 48 * 1024;

/** `audio` as base64 chunks of at most AUDIO_CHUNK_BYTES bytes each. */
export function* audioChunks(audio: Buffer): Generator<string> {
  for (let offset = 0; offset < audio.length; offset += AUDIO_CHUNK_BYTES) {
    yield audio.subarray(offset, offset + AUDIO_CHUNK_BYTES).toString('base64');
  }
}
