import type { AdapterDescriptor } from '@omnigate/contracts';
import { toFile } from 'openai';
import { z } from 'zod';
import { parseOptions, readInput, requireInput } from '../builtin/inputs';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../sdk/adapter';
import { AdapterError } from '../sdk/adapter-error';
import { baseMediaType, canonicalMediaType, withAliases } from '../sdk/media-type';
import type { OpenAiBackendClient } from './openai-backend-client';
import { openAiDescriptor } from './openai-descriptor';

/** OpenAI's upload limit for transcriptions. */
const MAX_AUDIO_BYTES = 25 * 1024 * 1024;
/** The file extension OpenAI reads the format from, per media type it accepts. */
const EXTENSIONS: Record<string, string> = {
  'audio/wav': 'wav',
  'audio/mpeg': 'mp3',
  'audio/flac': 'flac',
  'audio/ogg': 'ogg',
  'audio/opus': 'ogg',
  'audio/webm': 'webm',
  'audio/mp4': 'm4a',
  'audio/aac': 'm4a',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
};
const ACCEPTED_EXTENSIONS = new Set(['flac', 'mp3', 'mp4', 'mpeg', 'mpga', 'm4a', 'ogg', 'wav', 'webm']);

/** What each response_format returns, as an output media type. */
const OUTPUT_MEDIA_TYPES = {
  json: 'text/plain',
  text: 'text/plain',
  verbose_json: 'application/json',
  srt: 'application/x-subrip',
  vtt: 'text/vtt',
} as const;

export const OpenAiTranscriptionOptionsSchema = z.object({
  /** ISO-639-1 language of the audio (`en`); improves accuracy and latency. */
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/i)
    .optional(),
  /** Text that guides the style or continues a previous segment. */
  prompt: z.string().max(4096).optional(),
  /** json and text give the plain transcript; verbose_json the segments as JSON; srt and vtt subtitles. */
  response_format: z.enum(['json', 'text', 'verbose_json', 'srt', 'vtt']).default('json'),
  temperature: z.number().min(0).max(1).optional(),
  /** With verbose_json: word and/or segment timestamps. */
  timestamp_granularities: z
    .array(z.enum(['word', 'segment']))
    .min(1)
    .optional(),
});
export type OpenAiTranscriptionOptions = z.infer<typeof OpenAiTranscriptionOptionsSchema>;

/** Speech to text through `/audio/transcriptions` (whisper-1, gpt-4o-transcribe, or a local whisper server). */
export class OpenAiTranscriptionAdapter implements Adapter<OpenAiTranscriptionOptions> {
  readonly options = OpenAiTranscriptionOptionsSchema;
  readonly descriptor: AdapterDescriptor;

  constructor(
    private readonly upstream: OpenAiBackendClient,
    readonly model: string,
  ) {
    const backend = upstream.backend;
    this.descriptor = openAiDescriptor(backend, 'transcription', model, 'Speech to text', [
      {
        task: 'transcribe',
        inputs: ['audio'],
        output: 'text',
        inputMediaTypes: withAliases(Object.keys(EXTENSIONS).filter((type) => type.startsWith('audio/'))),
        outputMediaTypes: [...new Set(Object.values(OUTPUT_MEDIA_TYPES))],
        limits: { maxBytes: MAX_AUDIO_BYTES },
      },
    ]);
  }

  async invoke(
    request: AdapterRequest<OpenAiTranscriptionOptions>,
    context: AdapterContext,
  ): Promise<AdapterResult> {
    const adapterId = this.descriptor.id;
    const options = parseOptions(this.options, request.options, adapterId);
    const input = requireInput(request, 'audio', adapterId);
    const filename = uploadName(input.filename, input.mediaType, adapterId);
    const bytes = await readInput(context, input, { maxBytes: MAX_AUDIO_BYTES, what: 'the audio' });
    const warnings: string[] = [];
    if (options.timestamp_granularities && options.response_format !== 'verbose_json') {
      warnings.push('timestamp_granularities needs response_format verbose_json and was not sent');
    }
    await context.progress(0.1);

    const file = await toFile(bytes, filename, { type: baseMediaType(input.mediaType) });
    const answer: unknown = await this.upstream.call(adapterId, context, (request) =>
      this.upstream.client.audio.transcriptions.create(
        {
          file,
          model: this.model,
          response_format: options.response_format,
          ...(options.language !== undefined ? { language: options.language } : {}),
          ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
          ...(options.timestamp_granularities && options.response_format === 'verbose_json'
            ? { timestamp_granularities: options.timestamp_granularities }
            : {}),
        },
        request,
      ),
    );
    await context.progress(1);
    const mediaType = OUTPUT_MEDIA_TYPES[options.response_format];
    return { outputs: [{ modality: 'text', mediaType, text: this.text(answer, options) }], warnings };
  }

  private text(answer: unknown, options: OpenAiTranscriptionOptions): string {
    if (typeof answer === 'string') return options.response_format === 'text' ? answer.trim() : answer;
    const text = (answer as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') {
      throw new AdapterError('adapter_failed', `${this.descriptor.id}: the backend's answer has no text`, {
        retryable: true,
      });
    }
    return options.response_format === 'verbose_json' ? JSON.stringify(answer) : text;
  }
}

/** The upload's name: the input's own when its extension is one OpenAI reads, else `audio.<ext>` from the media type. */
function uploadName(filename: string | undefined, mediaType: string, adapterId: string): string {
  const own = filename?.match(/\.([a-z0-9]+)$/i)?.[1]?.toLowerCase();
  if (filename && own && ACCEPTED_EXTENSIONS.has(own)) return filename.replace(/^.*[\\/]/, '');
  const extension = EXTENSIONS[canonicalMediaType(mediaType)];
  if (!extension) {
    throw AdapterError.unprocessable(
      `${adapterId} takes flac, mp3, mp4, m4a, ogg, wav or webm audio, not ${mediaType}; convert it first`,
    );
  }
  return `audio.${extension}`;
}
