import type { AdapterDescriptor } from '@omnigate/contracts';
import { z } from 'zod';
import { parseOptions, readInput, requireInput } from '../builtin/inputs';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../sdk/adapter';
import { AdapterError } from '../sdk/adapter-error';
import { baseMediaType } from '../sdk/media-type';
import { decodeUtf8 } from '../sdk/utf8';
import type { OpenAiBackendClient } from './openai-backend-client';
import { openAiDescriptor } from './openai-descriptor';

/** OpenAI's limit on the text of one speech request. */
const MAX_CHARACTERS = 4096;
const SPEECH_FORMATS = ['mp3', 'wav', 'opus', 'aac', 'flac'] as const;
type SpeechFormat = (typeof SPEECH_FORMATS)[number];
/** The media type each format is returned as (opus comes in an Ogg container). */
const FORMAT_MEDIA_TYPES: Record<SpeechFormat, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
};
const MEDIA_TYPE_FORMATS: Record<string, SpeechFormat> = {
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/ogg': 'opus',
  'audio/opus': 'opus',
  'audio/aac': 'aac',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
};

export const OpenAiSpeechOptionsSchema = z.object({
  /** A voice of the backend: alloy, ash, coral, echo, fable, nova, onyx, sage, shimmer ... on OpenAI. */
  voice: z.string().min(1).max(64).default('alloy'),
  /** Audio format; default from the requested output media type, else mp3. */
  format: z.enum(SPEECH_FORMATS).optional(),
  /** 0.25 to 4; 1 is the voice's own pace. */
  speed: z.number().min(0.25).max(4).optional(),
  /** How to speak (tone, accent, pace), for models that take instructions (gpt-4o-mini-tts). */
  instructions: z.string().max(4096).optional(),
});
export type OpenAiSpeechOptions = z.infer<typeof OpenAiSpeechOptionsSchema>;

/** Text to speech through `/audio/speech`. */
export class OpenAiSpeechAdapter implements Adapter<OpenAiSpeechOptions> {
  readonly options = OpenAiSpeechOptionsSchema;
  readonly descriptor: AdapterDescriptor;

  constructor(
    private readonly upstream: OpenAiBackendClient,
    readonly model: string,
  ) {
    const backend = upstream.backend;
    this.descriptor = openAiDescriptor(backend, 'speech', model, 'Text to speech', [
      {
        task: 'tts',
        inputs: ['text'],
        output: 'audio',
        outputMediaTypes: Object.values(FORMAT_MEDIA_TYPES),
        limits: { maxBytes: MAX_CHARACTERS * 4 },
      },
    ]);
  }

  async invoke(
    request: AdapterRequest<OpenAiSpeechOptions>,
    context: AdapterContext,
  ): Promise<AdapterResult> {
    const adapterId = this.descriptor.id;
    const options = parseOptions(this.options, request.options, adapterId);
    const warnings: string[] = [];
    const format = this.format(options, request.output.mediaType, warnings);
    const input = requireInput(request, 'text', adapterId);
    const text = decodeUtf8(
      await readInput(context, input, { maxBytes: MAX_CHARACTERS * 4, what: 'the text to speak' }),
    ).trim();
    if (text === '') throw AdapterError.unprocessable('the text to speak is empty');
    if ([...text].length > MAX_CHARACTERS) {
      throw new AdapterError(
        'payload_too_large',
        `${adapterId} speaks at most ${MAX_CHARACTERS} characters at once; split the text`,
      );
    }
    await context.progress(0.1);

    const audio = await this.upstream.call(adapterId, context, async (request) => {
      const response = await this.upstream.client.audio.speech.create(
        {
          model: this.model,
          input: text,
          voice: options.voice,
          response_format: format,
          ...(options.speed !== undefined ? { speed: options.speed } : {}),
          ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
        },
        request,
      );
      return Buffer.from(await response.arrayBuffer());
    });
    if (audio.length === 0) {
      throw new AdapterError('adapter_failed', `${adapterId}: the backend returned no audio`, {
        retryable: true,
      });
    }
    await context.progress(1);
    return { outputs: [{ modality: 'audio', mediaType: FORMAT_MEDIA_TYPES[format], data: audio }], warnings };
  }

  /** The `format` option, else the one the requested media type names, else mp3. */
  private format(
    options: OpenAiSpeechOptions,
    requested: string | undefined,
    warnings: string[],
  ): SpeechFormat {
    const fromMediaType = requested === undefined ? undefined : MEDIA_TYPE_FORMATS[baseMediaType(requested)];
    if (requested !== undefined && fromMediaType === undefined && options.format === undefined) {
      throw AdapterError.unprocessable(
        `${this.descriptor.id} writes ${Object.values(FORMAT_MEDIA_TYPES).join(', ')}, not ${requested}`,
      );
    }
    if (options.format && fromMediaType && options.format !== fromMediaType) {
      warnings.push(`format ${options.format} was used; the requested ${requested} was not`);
    }
    return options.format ?? fromMediaType ?? 'mp3';
  }
}
