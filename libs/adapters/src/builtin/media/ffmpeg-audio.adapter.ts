import { z } from 'zod';
import type { AdapterDescriptor } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterInput, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { baseMediaType } from '../../sdk/media-type';
import { parseOptions, readInput, requireInput } from '../inputs';
import { deinterleave, rmsEnvelope, signalToCsv, signalToJson } from './audio-samples';
import { Ffmpeg } from './ffmpeg';
import { AUDIO_INPUT_MEDIA_TYPES, extensionFor, trimArgs, warnIgnoredOptions } from './media-types';

const ADAPTER_ID = 'builtin.audio';
/** Inputs are read whole into memory for now; streaming can lift this. */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;
/** Decode rate behind an envelope; an envelope is only meaningful well below it. */
const ENVELOPE_DECODE_RATE_HZ = 16_000;
const MAX_ENVELOPE_RATE_HZ = 1_000;
/** Cap on samples × channels in a CSV/JSON answer (tens of MB of text). */
const MAX_SIGNAL_VALUES = 5_000_000;
const MAX_DIMENSION = 8_192;

const AUDIO_FORMATS = ['wav', 'mp3', 'flac', 'ogg', 'opus'] as const;
type AudioFormat = (typeof AUDIO_FORMATS)[number];

const ENCODINGS: Record<AudioFormat, { mediaType: string; codec: string }> = {
  wav: { mediaType: 'audio/wav', codec: 'pcm_s16le' },
  mp3: { mediaType: 'audio/mpeg', codec: 'libmp3lame' },
  flac: { mediaType: 'audio/flac', codec: 'flac' },
  ogg: { mediaType: 'audio/ogg', codec: 'libvorbis' },
  opus: { mediaType: 'audio/opus', codec: 'libopus' },
};

const FORMAT_BY_MEDIA_TYPE = new Map<string, AudioFormat>([
  ...AUDIO_FORMATS.map((format) => [ENCODINGS[format].mediaType, format] as const),
  ['audio/x-wav', 'wav'],
  ['audio/wave', 'wav'],
  ['audio/mp3', 'mp3'],
  ['audio/x-flac', 'flac'],
]);

const SIGNAL_MEDIA_TYPES = ['text/csv', 'application/json'] as const;

export const FfmpegAudioOptionsSchema = z.object({
  /** convert: output format; wins over the requested output media type. */
  format: z.enum(AUDIO_FORMATS).optional(),
  /** convert: output sample rate; samples: rate of the emitted signal (default 100). */
  sampleRateHz: z.number().int().min(1).max(384_000).optional(),
  /** convert: output channel count; samples: 1 (mono, default) or 2 (stereo). */
  channels: z.number().int().min(1).max(8).optional(),
  /** Seconds to skip from the start of the input. */
  start: z.number().min(0).optional(),
  /** Seconds of input to use from `start`. */
  duration: z.number().positive().optional(),
  /** convert: EBU R128 loudness normalisation (ffmpeg `loudnorm`). */
  normalize: z.boolean().optional(),
  /** spectrogram: picture size in pixels (default 1024 × 512). */
  width: z.number().int().min(16).max(MAX_DIMENSION).optional(),
  height: z.number().int().min(16).max(MAX_DIMENSION).optional(),
  /** samples: `envelope` (RMS per sample period, default) or `raw` (resampled waveform). */
  mode: z.enum(['envelope', 'raw']).optional(),
});
export type FfmpegAudioOptions = z.infer<typeof FfmpegAudioOptionsSchema>;

/** Audio with ffmpeg: transcode and trim, draw a spectrogram, or decode to a numeric signal. */
export class FfmpegAudioAdapter implements Adapter<FfmpegAudioOptions> {
  readonly options = FfmpegAudioOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Audio with ffmpeg: convert (wav/mp3/flac/ogg/opus, resample, trim, loudnorm), spectrogram, samples',
    capabilities: [
      {
        task: 'convert',
        inputs: ['audio'],
        output: 'audio',
        inputMediaTypes: AUDIO_INPUT_MEDIA_TYPES,
        outputMediaTypes: AUDIO_FORMATS.map((format) => ENCODINGS[format].mediaType),
        limits: { maxBytes: MAX_INPUT_BYTES },
      },
      {
        task: 'spectrogram',
        inputs: ['audio'],
        output: 'image',
        inputMediaTypes: AUDIO_INPUT_MEDIA_TYPES,
        outputMediaTypes: ['image/png'],
        limits: { maxBytes: MAX_INPUT_BYTES },
      },
      {
        task: 'samples',
        inputs: ['audio'],
        output: 'signal',
        inputMediaTypes: AUDIO_INPUT_MEDIA_TYPES,
        outputMediaTypes: [...SIGNAL_MEDIA_TYPES],
        limits: { maxBytes: MAX_INPUT_BYTES },
      },
    ],
    concurrency: 2,
    costHint: 1,
    latencyHintMs: 500,
  };

  constructor(private readonly ffmpeg = new Ffmpeg()) {}

  async invoke(request: AdapterRequest<FfmpegAudioOptions>, context: AdapterContext): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const input = requireInput(request, 'audio', ADAPTER_ID);
    const warnings: string[] = [];
    const source = await readInput(context, input);

    switch (request.task) {
      case 'convert':
        return this.convert(source, input, request.output.mediaType, options, warnings, context.signal);
      case 'spectrogram':
        return this.spectrogram(source, input, options, warnings, context.signal);
      case 'samples':
        return this.samples(source, input, request.output.mediaType, options, warnings, context.signal);
      default:
        throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
  }

  private async convert(
    source: Buffer,
    input: AdapterInput,
    requestedMediaType: string | undefined,
    options: FfmpegAudioOptions,
    warnings: string[],
    signal: AbortSignal,
  ): Promise<AdapterResult> {
    warnIgnoredOptions(
      options,
      ['format', 'sampleRateHz', 'channels', 'start', 'duration', 'normalize'],
      'convert',
      warnings,
    );
    const format = outputFormat(options.format, requestedMediaType, warnings);
    const inputExtension = extensionFor(input.mediaType);
    // loudnorm works at 192 kHz internally; without an explicit rate, keep the source's.
    let sampleRateHz = options.sampleRateHz;
    if (options.normalize && sampleRateHz === undefined) {
      const probe = await this.ffmpeg.probe(source, signal, inputExtension);
      sampleRateHz = probe.streams.find((stream) => stream.codecType === 'audio')?.sampleRateHz;
    }
    const data = await this.ffmpeg.run({
      input: source,
      inputExtension,
      inputArgs: trimArgs(options.start, options.duration),
      outputArgs: [
        '-map',
        '0:a:0',
        ...(options.normalize ? ['-af', 'loudnorm=I=-16:TP=-1.5:LRA=11'] : []),
        ...(sampleRateHz !== undefined ? ['-ar', String(sampleRateHz)] : []),
        ...(options.channels !== undefined ? ['-ac', String(options.channels)] : []),
        '-c:a',
        ENCODINGS[format].codec,
        '-map_metadata',
        '-1',
      ],
      outputExtension: format,
      signal,
    });
    return { outputs: [{ modality: 'audio', mediaType: ENCODINGS[format].mediaType, data }], warnings };
  }

  private async spectrogram(
    source: Buffer,
    input: AdapterInput,
    options: FfmpegAudioOptions,
    warnings: string[],
    signal: AbortSignal,
  ): Promise<AdapterResult> {
    warnIgnoredOptions(options, ['width', 'height', 'start', 'duration'], 'spectrogram', warnings);
    const size = `${options.width ?? 1024}x${options.height ?? 512}`;
    const data = await this.ffmpeg.run({
      input: source,
      inputExtension: extensionFor(input.mediaType),
      inputArgs: trimArgs(options.start, options.duration),
      outputArgs: [
        '-lavfi',
        `[0:a:0]showspectrumpic=s=${size}:legend=0`,
        '-frames:v',
        '1',
        '-update',
        '1',
        '-c:v',
        'png',
      ],
      outputExtension: 'png',
      signal,
    });
    return { outputs: [{ modality: 'image', mediaType: 'image/png', data }], warnings };
  }

  private async samples(
    source: Buffer,
    input: AdapterInput,
    requestedMediaType: string | undefined,
    options: FfmpegAudioOptions,
    warnings: string[],
    signal: AbortSignal,
  ): Promise<AdapterResult> {
    warnIgnoredOptions(
      options,
      ['sampleRateHz', 'channels', 'start', 'duration', 'mode'],
      'samples',
      warnings,
    );
    const mediaType = signalMediaType(requestedMediaType);
    const targetRateHz = options.sampleRateHz ?? 100;
    let channelCount = options.channels ?? 1;
    if (channelCount > 2) {
      warnings.push(`samples emits 1 or 2 channels; ${channelCount} became 2`);
      channelCount = 2;
    }
    let mode = options.mode ?? 'envelope';
    if (mode === 'envelope' && targetRateHz > MAX_ENVELOPE_RATE_HZ) {
      warnings.push(
        `an envelope needs sampleRateHz <= ${MAX_ENVELOPE_RATE_HZ}; emitting raw samples instead`,
      );
      mode = 'raw';
    }
    const decodeRateHz = mode === 'envelope' ? ENVELOPE_DECODE_RATE_HZ : targetRateHz;
    const pcm = await this.ffmpeg.run({
      input: source,
      inputExtension: extensionFor(input.mediaType),
      inputArgs: trimArgs(options.start, options.duration),
      outputArgs: ['-map', '0:a:0', '-ac', String(channelCount), '-ar', String(decodeRateHz), '-f', 'f32le'],
      outputExtension: 'raw',
      signal,
    });
    const decoded = deinterleave(pcm, channelCount, decodeRateHz);
    const result = mode === 'envelope' ? rmsEnvelope(decoded, targetRateHz) : decoded;
    const values = (result.channels[0]?.values.length ?? 0) * channelCount;
    if (values > MAX_SIGNAL_VALUES) {
      throw AdapterError.unprocessable(
        `the signal would have ${values} values (limit ${MAX_SIGNAL_VALUES}); lower sampleRateHz or set duration`,
      );
    }
    const text = mediaType === 'application/json' ? signalToJson(result) : signalToCsv(result);
    return { outputs: [{ modality: 'signal', mediaType, text }], warnings };
  }
}

/** `format` wins; else the requested media type; else WAV. A type ffmpeg is not set up to write is refused. */
function outputFormat(
  optionFormat: AudioFormat | undefined,
  requestedMediaType: string | undefined,
  warnings: string[],
): AudioFormat {
  if (requestedMediaType === undefined) return optionFormat ?? 'wav';
  const requested = baseMediaType(requestedMediaType);
  const requestedFormat = FORMAT_BY_MEDIA_TYPE.get(requested);
  if (requestedFormat === undefined) {
    throw new AdapterError(
      'unprocessable_input',
      `${ADAPTER_ID} cannot write ${requested}; it writes ${AUDIO_FORMATS.map((f) => ENCODINGS[f].mediaType).join(', ')}`,
      { details: { mediaType: requested } },
    );
  }
  if (optionFormat !== undefined && optionFormat !== requestedFormat) {
    warnings.push(`format ${optionFormat} overrides the requested media type ${requested}`);
    return optionFormat;
  }
  return requestedFormat;
}

function signalMediaType(requestedMediaType: string | undefined): (typeof SIGNAL_MEDIA_TYPES)[number] {
  if (requestedMediaType === undefined) return 'text/csv';
  const requested = baseMediaType(requestedMediaType);
  const match = SIGNAL_MEDIA_TYPES.find((type) => type === requested);
  if (!match) {
    throw new AdapterError(
      'unprocessable_input',
      `${ADAPTER_ID} samples writes ${SIGNAL_MEDIA_TYPES.join(' or ')}, not ${requested}`,
      { details: { mediaType: requested } },
    );
  }
  return match;
}
