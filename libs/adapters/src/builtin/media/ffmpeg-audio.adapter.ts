import { z } from 'zod';
import type { AdapterDescriptor } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { baseMediaType } from '../../sdk/media-type';
import { parseOptions, requireInput } from '../inputs';
import {
  formatAudioDescription,
  parseLoudness,
  parseSilence,
  silentFraction,
  type AudioDescription,
} from './audio-description';
import { deinterleave, rmsEnvelope, signalToCsv, signalToJson } from './audio-samples';
import { Ffmpeg, type FfmpegWork, type MediaProbe, type MediaStream } from './ffmpeg';
import { MAX_INPUT_BYTES, readMediaInput, type MediaInput } from './media-input';
import {
  AUDIO_INPUT_MEDIA_TYPES,
  SIGNAL_MEDIA_TYPES,
  checkSignalValues,
  evenDown,
  signalOutputType,
  spanOf,
  trimArgs,
  wantsJson,
  warnIgnoredOptions,
} from './media-types';
import { estimatePitch } from './pitch';
import {
  VIDEO_ENCODER_ARGS,
  VIDEO_FORMATS,
  VIDEO_MEDIA_TYPE_BY_FORMAT,
  videoOutputFormat,
} from './video-encoding';

const ADAPTER_ID = 'builtin.audio';
/** Decode rate behind an envelope; an envelope is only meaningful well below it. */
const ENVELOPE_DECODE_RATE_HZ = 16_000;
const MAX_ENVELOPE_RATE_HZ = 1_000;
/** samples: cap on the float PCM decoded to compute them (a 16 kHz envelope: 70 minutes mono, 35 stereo). */
const MAX_DECODED_BYTES = 256 * 1024 * 1024;
const MAX_DIMENSION = 8_192;
/** describe: silence is quieter than this for at least this long, unless the options say otherwise. */
const DEFAULT_SILENCE_DB = -40;
const DEFAULT_MIN_SILENCE_S = 0.5;
/** describe: pitch is estimated on mono at this rate (voices and most instruments sit well under 1 kHz), over at most this much audio. */
const PITCH_RATE_HZ = 8_000;
const PITCH_MAX_S = 600;
const PITCH_RANGE_HZ = { minHz: 60, maxHz: 1_000 };
/** visualize: a picture larger than UHD costs much and shows nothing more. */
const MAX_VISUAL_WIDTH = 3_840;
const MAX_VISUAL_HEIGHT = 2_160;

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
  /** spectrogram: picture size in pixels (default 1024 × 512); visualize: video size (default 640 × 360, at most 3840 × 2160). */
  width: z.number().int().min(16).max(MAX_DIMENSION).optional(),
  height: z.number().int().min(16).max(MAX_DIMENSION).optional(),
  /** samples: `envelope` (RMS per sample period, default) or `raw` (resampled waveform). */
  mode: z.enum(['envelope', 'raw']).optional(),
  /** describe: silence is quieter than this many dB below full scale (default -40). */
  silenceThresholdDb: z.number().min(-120).max(0).optional(),
  /** describe: shortest silence reported, in seconds (default 0.5). */
  minSilenceS: z.number().min(0.01).max(60).optional(),
  /** visualize: the waveform of the moment (`waves`, default) or a scrolling spectrum (`spectrum`). */
  style: z.enum(['waves', 'spectrum']).optional(),
  /** visualize: frames per second (default 25). */
  fps: z.number().int().min(1).max(60).optional(),
});
export type FfmpegAudioOptions = z.infer<typeof FfmpegAudioOptionsSchema>;

/** One task's work: the decoded request, read and probed once in `invoke`. */
interface AudioJob extends MediaInput {
  requestedMediaType: string | undefined;
  options: FfmpegAudioOptions;
  warnings: string[];
  signal: AbortSignal;
}

/**
 * Audio with ffmpeg: transcode and trim, draw a spectrogram, decode to a numeric signal, describe
 * it (loudness, silences, pitch) or turn it into a video of its waveform or spectrum, with the sound.
 */

export class FfmpegAudioAdapter implements Adapter<FfmpegAudioOptions> {
  readonly options = FfmpegAudioOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Audio with ffmpeg: convert (wav/mp3/flac/ogg/opus, resample, trim, loudnorm), spectrogram, samples, describe (loudness, silence, pitch), visualize (waveform or spectrum video with the sound)',
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
      {
        task: 'describe',
        inputs: ['audio'],
        output: 'text',
        inputMediaTypes: AUDIO_INPUT_MEDIA_TYPES,
        outputMediaTypes: ['text/plain', 'application/json'],
        limits: { maxBytes: MAX_INPUT_BYTES },
        // One hop that measures the audio itself: cheaper than samples → signal describe.
        costHint: 1,
        latencyHintMs: 500,
      },
      {
        task: 'visualize',
        inputs: ['audio'],
        output: 'video',
        inputMediaTypes: AUDIO_INPUT_MEDIA_TYPES,
        outputMediaTypes: VIDEO_FORMATS.map((format) => VIDEO_MEDIA_TYPE_BY_FORMAT[format]),
        limits: { maxBytes: MAX_INPUT_BYTES },
        // One encode with the sound kept: cheaper than spectrogram → still, which is silent. Not lower:
        // signal → video should stay plot → still rather than sonify → visualize.
        costHint: 2,
        latencyHintMs: 2_000,
      },
    ],
    concurrency: 2,
    costHint: 1,
    latencyHintMs: 500,
  };

  constructor(
    private readonly ffmpeg = new Ffmpeg(),
    private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS,
  ) {}

  async invoke(request: AdapterRequest<FfmpegAudioOptions>, context: AdapterContext): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const input = requireInput(request, 'audio', ADAPTER_ID);
    const warnings: string[] = [];
    const job: AudioJob = {
      ...(await readMediaInput(this.ffmpeg, context, input, this.limits)),
      requestedMediaType: request.output.mediaType,
      options,
      warnings,
      signal: context.signal,
    };
    switch (request.task) {
      case 'convert':
        return this.convert(job);
      case 'spectrogram':
        return this.spectrogram(job);
      case 'samples':
        return this.samples(job);
      case 'describe':
        return this.describe(job);
      case 'visualize':
        return this.visualize(job);
      default:
        throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
  }

  /** `-ss`/`-t` for the wanted span (from `start`, at most `seconds`), never more than LIMIT_MEDIA_DURATION_S. */
  private trim(start: number | undefined, seconds: number | undefined): string[] {
    return trimArgs(start, seconds, this.limits.mediaDurationS);
  }

  private async convert(job: AudioJob): Promise<AdapterResult> {
    const { options, warnings } = job;
    warnIgnoredOptions(
      options,
      ['format', 'sampleRateHz', 'channels', 'start', 'duration', 'normalize'],
      'convert',
      warnings,
    );
    const format = outputFormat(options.format, job.requestedMediaType, warnings);
    // loudnorm works at 192 kHz internally; without an explicit rate, keep the source's.
    const sampleRateHz =
      options.sampleRateHz ??
      (options.normalize
        ? job.probe.streams.find((stream) => stream.codecType === 'audio')?.sampleRateHz
        : undefined);
    const data = await this.ffmpeg.run({
      input: job.source,
      inputExtension: job.inputExtension,
      inputArgs: this.trim(options.start, options.duration),
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
      work: soundWork(job),
      signal: job.signal,
    });
    return { outputs: [{ modality: 'audio', mediaType: ENCODINGS[format].mediaType, data }], warnings };
  }

  private async spectrogram(job: AudioJob): Promise<AdapterResult> {
    const { options, warnings } = job;
    warnIgnoredOptions(options, ['width', 'height', 'start', 'duration'], 'spectrogram', warnings);
    const size = `${options.width ?? 1024}x${options.height ?? 512}`;
    const data = await this.ffmpeg.run({
      input: job.source,
      inputExtension: job.inputExtension,
      inputArgs: this.trim(options.start, options.duration),
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
      work: soundWork(job),
      signal: job.signal,
    });
    return { outputs: [{ modality: 'image', mediaType: 'image/png', data }], warnings };
  }

  private async samples(job: AudioJob): Promise<AdapterResult> {
    const { options, warnings } = job;
    warnIgnoredOptions(
      options,
      ['sampleRateHz', 'channels', 'start', 'duration', 'mode'],
      'samples',
      warnings,
    );
    const mediaType = signalOutputType(job.requestedMediaType, ADAPTER_ID, 'samples');
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
    // Both sizes are known from the header before anything is decoded.
    const span = spanOf(job.durationS, options.start, options.duration);
    if (span !== undefined) {
      checkSignalValues(Math.floor(span * targetRateHz) * channelCount);
      const decodedBytes = Math.ceil(span * decodeRateHz) * channelCount * 4;
      if (decodedBytes > MAX_DECODED_BYTES) {
        throw new AdapterError(
          'payload_too_large',
          `${span} s of ${channelCount === 1 ? 'mono' : 'stereo'} audio decodes to ${decodedBytes} bytes, over the ${MAX_DECODED_BYTES} samples reads; set duration`,
          { details: { max: MAX_DECODED_BYTES, actual: decodedBytes } },
        );
      }
    }
    const pcm = await this.ffmpeg.run({
      input: job.source,
      inputExtension: job.inputExtension,
      inputArgs: this.trim(options.start, options.duration),
      outputArgs: ['-map', '0:a:0', '-ac', String(channelCount), '-ar', String(decodeRateHz), '-f', 'f32le'],
      outputExtension: 'raw',
      work: soundWork(job),
      maxOutputBytes: MAX_DECODED_BYTES,
      signal: job.signal,
    });
    const decoded = deinterleave(pcm, channelCount, decodeRateHz);
    const result = mode === 'envelope' ? rmsEnvelope(decoded, targetRateHz) : decoded;
    checkSignalValues((result.channels[0]?.values.length ?? 0) * channelCount);
    const text = mediaType === 'application/json' ? signalToJson(result) : signalToCsv(result);
    return { outputs: [{ modality: 'signal', mediaType, text }], warnings };
  }

  private async describe(job: AudioJob): Promise<AdapterResult> {
    const { options, warnings, signal } = job;
    warnIgnoredOptions(
      options,
      ['start', 'duration', 'silenceThresholdDb', 'minSilenceS'],
      'describe',
      warnings,
    );
    const json = wantsJson(job.requestedMediaType, ADAPTER_ID);
    const stream = audioStream(job.probe, 'describe');
    const thresholdDb = options.silenceThresholdDb ?? DEFAULT_SILENCE_DB;
    const minDurationS = options.minSilenceS ?? DEFAULT_MIN_SILENCE_S;
    const log = await this.measureLevels(job, thresholdDb, minDurationS);
    const loudness = parseLoudness(log);
    if (!loudness) throw AdapterError.unprocessable('ffmpeg measured no loudness in this audio');
    const pitchSpan = Math.min(options.duration ?? PITCH_MAX_S, PITCH_MAX_S);
    const mono = await this.decodeMono(job, pitchSpan);
    const decodedS = mono.length / PITCH_RATE_HZ;
    // The decoded length is exact unless the pitch window cut it short.
    const durationS =
      decodedS < pitchSpan
        ? decodedS
        : (spanOf(job.probe.durationS ?? stream.durationS, options.start, options.duration) ?? decodedS);
    if (decodedS >= PITCH_MAX_S && durationS > PITCH_MAX_S) {
      warnings.push(`pitch is estimated over the first ${PITCH_MAX_S} s`);
    }
    const segments = parseSilence(log, durationS);
    // Pitch runs in this thread (about 1.5 s for the full 600 s): skip it for a job already cancelled.
    signal.throwIfAborted();
    const { estimate } = estimatePitch(mono, PITCH_RATE_HZ, {
      ...PITCH_RANGE_HZ,
      minRms: 10 ** (thresholdDb / 20),
    });
    const description: AudioDescription = {
      durationS,
      container: job.probe.formatName,
      codec: stream.codecName,
      sampleRateHz: stream.sampleRateHz,
      channels: stream.channels,
      loudness,
      silence: { thresholdDb, minDurationS, segments, silentFraction: silentFraction(segments, durationS) },
      ...(estimate ? { pitch: { ...estimate, analysedS: decodedS } } : {}),
    };
    const text = json ? `${JSON.stringify(description, null, 2)}\n` : formatAudioDescription(description);
    return {
      outputs: [{ modality: 'text', mediaType: json ? 'application/json' : 'text/plain', text }],
      warnings,
    };
  }

  /** One pass of `ebur128` (loudness, true peak) and `silencedetect`; returns ffmpeg's log of both. */
  private async measureLevels(job: AudioJob, thresholdDb: number, minDurationS: number): Promise<string> {
    const report = await this.ffmpeg.analyze({
      input: job.source,
      inputExtension: job.inputExtension,
      inputArgs: this.trim(job.options.start, job.options.duration),
      outputArgs: [
        '-map',
        '0:a:0',
        '-af',
        `ebur128=peak=true:framelog=verbose,silencedetect=noise=${thresholdDb}dB:duration=${minDurationS}`,
      ],
      work: soundWork(job),
      signal: job.signal,
    });
    return report.log;
  }

  /** Mono float samples at the pitch rate, for at most `seconds` from `start`. */
  private async decodeMono(job: AudioJob, seconds: number): Promise<Float32Array> {
    const pcm = await this.ffmpeg.run({
      input: job.source,
      inputExtension: job.inputExtension,
      inputArgs: this.trim(job.options.start, seconds),
      outputArgs: ['-map', '0:a:0', '-ac', '1', '-ar', String(PITCH_RATE_HZ), '-f', 'f32le'],
      outputExtension: 'raw',
      work: { seconds },
      signal: job.signal,
    });
    return deinterleave(pcm, 1, PITCH_RATE_HZ).channels[0].values;
  }

  private async visualize(job: AudioJob): Promise<AdapterResult> {
    const { options, warnings } = job;
    warnIgnoredOptions(
      options,
      ['style', 'width', 'height', 'fps', 'start', 'duration'],
      'visualize',
      warnings,
    );
    const format = videoOutputFormat(ADAPTER_ID, undefined, job.requestedMediaType, warnings);
    audioStream(job.probe, 'visualize');
    const width = visualDimension('width', options.width ?? 640, MAX_VISUAL_WIDTH, warnings);
    const height = visualDimension('height', options.height ?? 360, MAX_VISUAL_HEIGHT, warnings);
    const size = `${width}x${height}`;
    const fps = options.fps ?? 25;
    const picture =
      options.style === 'spectrum'
        ? `showspectrum=s=${size}:slide=scroll:fps=${fps}`
        : `showwaves=s=${size}:mode=cline:rate=${fps}:split_channels=1`;
    const span = spanOf(job.durationS, options.start, options.duration);
    const data = await this.ffmpeg.run({
      input: job.source,
      inputExtension: job.inputExtension,
      inputArgs: this.trim(options.start, options.duration),
      outputArgs: [
        '-filter_complex',
        `[0:a:0]${picture},format=yuv420p[picture]`,
        '-map',
        '[picture]',
        '-map',
        '0:a:0',
        ...VIDEO_ENCODER_ARGS[format],
        '-shortest',
        '-map_metadata',
        '-1',
      ],
      outputExtension: format,
      work: span === undefined ? undefined : { seconds: span, pixelsPerSecond: fps * width * height },
      signal: job.signal,
    });
    return {
      outputs: [{ modality: 'video', mediaType: VIDEO_MEDIA_TYPE_BY_FORMAT[format], data }],
      warnings,
    };
  }
}

/** The work of a run over the wanted span of sound; undefined when the length is unknown (the run then gets ffmpeg's default time). */
function soundWork(job: AudioJob): FfmpegWork | undefined {
  const seconds = spanOf(job.durationS, job.options.start, job.options.duration);
  return seconds === undefined ? undefined : { seconds };
}

/** The first audio stream; an input without one is bad input for `task`. */
function audioStream(probe: MediaProbe, task: string): MediaStream {
  const stream = probe.streams.find((candidate) => candidate.codecType === 'audio');
  if (!stream) throw AdapterError.unprocessable(`the input has no audio stream to ${task}`);
  return stream;
}

/** An even video dimension, capped with a warning. */
function visualDimension(name: string, pixels: number, max: number, warnings: string[]): number {
  if (pixels > max) warnings.push(`${name} ${pixels} is over ${max}; using ${max}`);
  return evenDown(Math.min(pixels, max));
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
