import sharp from 'sharp';
import { z } from 'zod';
import type { AdapterDescriptor, Capability } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { checkInputLimit, DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { baseMediaType } from '../../sdk/media-type';
import { parseOptions, requireInput } from '../inputs';
import {
  channelSampleRate,
  encodeSignal,
  selectChannels,
  type Signal,
  type SignalChannel,
} from '../../codecs/signal';
import { createField, encodePointCloud, POINT_CLOUD_MEDIA_TYPES } from '../../codecs/pointcloud';
import { readSignalInput } from '../signal/read-signal';
import { delayEmbedding, filterZeroPhase, normalize, resampledLength, resampleLinear } from './signal-dsp';
import { plotLanes, signalPlotSvg } from './signal-plot';
import { directSamples, pcm16Wav, SONIFY_RATE_HZ, toneSamples } from './sonify';

const ADAPTER_ID = 'builtin.signal-tools';
/** Most bytes read, and most bytes of CSV or JSON `transform` writes. */
const MAX_BYTES = 64 * 1024 * 1024;
/** Longest audio `sonify` writes (8 kHz × 600 s of 16-bit samples is about 9.6 MB). */
const MAX_TONE_S = 600;
const MAX_PLOT_SIDE = 4096;

const TASKS = ['transform', 'plot', 'sonify', 'embed'] as const;
type SignalTask = (typeof TASKS)[number];

const INPUT_MEDIA_TYPES = [
  'text/csv',
  'text/tab-separated-values',
  'application/json',
  'text/plain',
  'application/edf',
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
];

const SIGNAL_OUTPUT_TYPES = ['text/csv', 'application/json'];
const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave'];

export const SignalToolsOptionsSchema = z.object({
  /** Sample rate of data that carries none (headerless CSV, JSON without `sampleRateHz`). */
  inputSampleRateHz: z.number().positive().max(1e9).optional(),
  /** transform: resample every channel to this rate (linear interpolation). */
  sampleRateHz: z.number().positive().max(1e9).optional(),
  /** transform, plot: the channels to keep, in this order; default all. */
  channels: z.array(z.string().min(1)).min(1).optional(),
  /** transform: `zscore` ((x − mean) / std) or `minmax` (into [0, 1]), per channel, last. */
  normalize: z.enum(['zscore', 'minmax']).optional(),
  /** transform: zero-phase Butterworth low-pass cutoff (biquad run forward and backward). */
  lowpassHz: z.number().positive().optional(),
  /** transform: zero-phase Butterworth high-pass cutoff. */
  highpassHz: z.number().positive().optional(),
  /** plot: image size in pixels; default 800 × 400. */
  width: z.number().int().min(64).max(MAX_PLOT_SIDE).optional(),
  height: z.number().int().min(64).max(MAX_PLOT_SIDE).optional(),
  /** sonify, embed: the channel to use, by name; default the first. */
  channel: z.string().min(1).optional(),
  /** sonify: `tone` (pitch follows the value, default) or `samples` (the values are the audio, at 8 kHz). */
  mode: z.enum(['tone', 'samples']).optional(),
  /** sonify tone: length in seconds; default the signal's duration (5 s when its rate is unknown), at most 600. */
  durationS: z.number().positive().max(MAX_TONE_S).optional(),
  /** sonify tone: pitch at the channel's minimum and maximum; default 220 and 880 Hz. */
  lowHz: z
    .number()
    .positive()
    .max(SONIFY_RATE_HZ / 2)
    .optional(),
  highHz: z
    .number()
    .positive()
    .max(SONIFY_RATE_HZ / 2)
    .optional(),
  /** embed: the delay τ in samples; default 1. */
  delay: z.number().int().positive().optional(),
});
export type SignalToolsOptions = z.infer<typeof SignalToolsOptionsSchema>;
type OptionName = keyof SignalToolsOptions;

/** The options each task reads; any other option set is ignored with a warning. */
const TASK_OPTIONS: Record<SignalTask, readonly OptionName[]> = {
  transform: ['inputSampleRateHz', 'sampleRateHz', 'channels', 'normalize', 'lowpassHz', 'highpassHz'],
  plot: ['inputSampleRateHz', 'channels', 'width', 'height'],
  sonify: ['inputSampleRateHz', 'channel', 'mode', 'durationS', 'lowHz', 'highHz'],
  embed: ['inputSampleRateHz', 'channel', 'delay'],
};

const capability = (task: SignalTask, output: string, outputMediaTypes: string[]): Capability => ({
  task,
  inputs: ['signal'],
  output,
  inputMediaTypes: INPUT_MEDIA_TYPES,
  outputMediaTypes,
  limits: { maxBytes: MAX_BYTES },
});

/**
 * Signal tools: filter, resample, select and normalise channels (CSV/JSON out), plot to PNG,
 * sonify to WAV and delay-embed one channel into a 3-D point cloud (PLY).
 */
export class SignalToolsAdapter implements Adapter<SignalToolsOptions> {
  readonly options = SignalToolsOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Signal tools: resample, filter, select and normalise channels; plot to PNG; sonify to WAV; delay embedding to PLY',
    capabilities: [
      capability('transform', 'signal', SIGNAL_OUTPUT_TYPES),
      capability('plot', 'image', ['image/png']),
      capability('sonify', 'audio', ['audio/wav']),
      capability('embed', 'pointcloud', [POINT_CLOUD_MEDIA_TYPES.ply]),
    ],
    concurrency: 4,
    costHint: 1,
    latencyHintMs: 100,
  };

  /**
   * `limits`: the gateway's LIMIT_* values. LIMIT_SIGNAL_VALUES bounds the input and what
   * `transform` makes of it; LIMIT_POINTS the cloud `embed` makes.
   */
  constructor(private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS) {}

  async invoke(request: AdapterRequest<SignalToolsOptions>, context: AdapterContext): Promise<AdapterResult> {
    if (!(TASKS as readonly string[]).includes(request.task)) {
      throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
    const task = request.task as SignalTask;
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const input = requireInput(request, 'signal', ADAPTER_ID);
    const warnings: string[] = [];
    for (const [name, value] of Object.entries(options)) {
      if (value !== undefined && !TASK_OPTIONS[task].includes(name as OptionName)) {
        warnings.push(`${name} is ignored by ${task}`);
      }
    }
    const outputType = checkOutputType(task, request.output.mediaType);

    const signal = await readSignalInput(context, input, {
      maxBytes: MAX_BYTES,
      limits: this.limits,
      fallbackRateHz: options.inputSampleRateHz,
    });
    if (signal.channels.length === 0) throw AdapterError.unprocessable('the signal has no channels');
    context.signal.throwIfAborted();
    await context.progress(0.3);

    let result: AdapterResult;
    switch (task) {
      case 'transform': {
        const transformed = transform(signal, options, this.limits, warnings);
        const json = outputType === 'application/json';
        const text = encodeSignal(transformed, json ? 'json' : 'csv', { maxBytes: MAX_BYTES }).toString(
          'utf8',
        );
        result = { outputs: [{ modality: 'signal', mediaType: outputType, text }], warnings };
        break;
      }
      case 'plot': {
        const height = options.height ?? 400;
        const selected = firstChannels(
          selectChannels(signal, options.channels, warnings),
          plotLanes(height),
          warnings,
        );
        const svg = signalPlotSvg(selected, options.width ?? 800, height);
        let data: Buffer;
        try {
          data = await sharp(Buffer.from(svg, 'utf8')).png().toBuffer();
        } catch (error) {
          context.signal.throwIfAborted();
          throw AdapterError.unprocessable(`cannot render the plot: ${errorMessage(error)}`, error);
        }
        result = { outputs: [{ modality: 'image', mediaType: 'image/png', data }], warnings };
        break;
      }
      case 'sonify': {
        const data = sonify(signal, options, warnings);
        result = { outputs: [{ modality: 'audio', mediaType: 'audio/wav', data }], warnings };
        break;
      }
      case 'embed': {
        const data = embed(signal, options, this.limits);
        result = { outputs: [{ modality: 'pointcloud', mediaType: outputType, data }], warnings };
        break;
      }
    }
    await context.progress(1);
    return result;
  }
}

/** The output media type: the one asked for when the task writes it, else the task's default. */
function checkOutputType(task: SignalTask, requested: string | undefined): string {
  const allowed: Record<SignalTask, string[]> = {
    transform: SIGNAL_OUTPUT_TYPES,
    plot: ['image/png'],
    sonify: WAV_TYPES,
    embed: [POINT_CLOUD_MEDIA_TYPES.ply, 'application/ply', 'model/x-ply'],
  };
  if (requested === undefined) return allowed[task][0];
  const type = baseMediaType(requested);
  if (!allowed[task].includes(type)) {
    throw new AdapterError(
      'unprocessable_input',
      `${ADAPTER_ID} ${task} writes ${allowed[task].join(', ')}, not ${type}`,
      { details: { mediaType: type } },
    );
  }
  return task === 'embed' ? POINT_CLOUD_MEDIA_TYPES.ply : type;
}

/** The one channel `sonify` and `embed` use: the named one, else the first. */
function pickChannel(signal: Signal, name: string | undefined): SignalChannel {
  if (name === undefined) return signal.channels[0];
  const channel = signal.channels.find((candidate) => candidate.name === name);
  if (!channel) {
    const available = signal.channels.map((c) => c.name).join(', ');
    throw AdapterError.unprocessable(`no channel named ${name}; the signal has ${available}`);
  }
  return channel;
}

/**
 * Select channels, then filter (at each channel's own rate, so a low-pass before a lower rate
 * also works against aliasing), then resample, then normalise.
 */
function transform(
  signal: Signal,
  options: SignalToolsOptions,
  limits: InputLimits,
  warnings: string[],
): Signal {
  const selected = selectChannels(signal, options.channels, warnings);
  const { lowpassHz, highpassHz, sampleRateHz: target } = options;
  if (lowpassHz !== undefined && highpassHz !== undefined && highpassHz >= lowpassHz) {
    throw new AdapterError(
      'invalid_request',
      `highpassHz ${highpassHz} must be below lowpassHz ${lowpassHz} (together they pass the band between)`,
    );
  }
  if (target !== undefined) checkResampledSize(selected, target, limits);
  const channels = selected.channels.map((channel): SignalChannel => {
    const rate = channelSampleRate(selected, channel);
    let values = channel.values;
    for (const [kind, cutoff] of [
      ['highpass', highpassHz],
      ['lowpass', lowpassHz],
    ] as const) {
      if (cutoff === undefined) continue;
      if (rate === undefined) {
        throw AdapterError.unprocessable(
          `${kind}Hz needs the sample rate, which ${channel.name} does not state; set inputSampleRateHz`,
        );
      }
      if (cutoff >= rate / 2) {
        throw new AdapterError(
          'invalid_request',
          `${kind}Hz ${cutoff} must be below the Nyquist frequency of ${channel.name} (${rate / 2} Hz)`,
        );
      }
      values = filterZeroPhase(values, kind, cutoff, rate);
    }
    // checkResampledSize found every rate.
    if (target !== undefined && rate !== undefined) values = resampleLinear(values, rate, target);
    let unit = channel.unit;
    if (options.normalize !== undefined) {
      const normalized = normalize(values, options.normalize);
      if (normalized.constant) warnings.push(`${channel.name} is constant: normalized to zeros`);
      values = normalized.values;
      unit = undefined;
    }
    const out: SignalChannel = { name: channel.name, values };
    if (unit !== undefined) out.unit = unit;
    if (target === undefined && channel.sampleRateHz !== undefined) out.sampleRateHz = channel.sampleRateHz;
    return out;
  });
  const result: Signal = { channels };
  const rate = target ?? selected.sampleRateHz;
  if (rate !== undefined) result.sampleRateHz = rate;
  if (selected.startTime !== undefined) result.startTime = selected.startTime;
  return result;
}

/**
 * Refuses a resampling before any work when a channel's rate is unknown, or when the channels at
 * the new rate would hold more values than LIMIT_SIGNAL_VALUES (413).
 */
function checkResampledSize(signal: Signal, target: number, limits: InputLimits): void {
  let values = 0;
  for (const channel of signal.channels) {
    const rate = channelSampleRate(signal, channel);
    if (rate === undefined) {
      throw AdapterError.unprocessable(
        `cannot resample ${channel.name}: its sample rate is unknown; set inputSampleRateHz`,
      );
    }
    values += resampledLength(channel.values.length, rate, target);
  }
  checkInputLimit(limits, 'signalValues', 'resampled signal samples × channels', values);
}

/** The first `count` channels, with a warning when that leaves some out. */
function firstChannels(signal: Signal, count: number, warnings: string[]): Signal {
  if (signal.channels.length <= count) return signal;
  warnings.push(
    `only the first ${count} of ${signal.channels.length} channels are plotted at this height; ` +
      'choose them with channels, or set a larger height',
  );
  return { ...signal, channels: signal.channels.slice(0, count) };
}

function sonify(signal: Signal, options: SignalToolsOptions, warnings: string[]): Buffer {
  const channel = pickChannel(signal, options.channel);
  if (channel.values.length === 0) throw AdapterError.unprocessable(`${channel.name} has no samples`);
  if (options.mode === 'samples') {
    for (const name of ['durationS', 'lowHz', 'highHz'] as const) {
      if (options[name] !== undefined) warnings.push(`${name} is ignored in samples mode`);
    }
    let { values } = channel;
    if (values.length > MAX_TONE_S * SONIFY_RATE_HZ) {
      warnings.push(
        `the audio is cut to ${MAX_TONE_S} s: the first ${MAX_TONE_S * SONIFY_RATE_HZ} of ${values.length} samples`,
      );
      values = values.subarray(0, MAX_TONE_S * SONIFY_RATE_HZ);
    }
    return pcm16Wav(directSamples(values), SONIFY_RATE_HZ);
  }
  const rate = channelSampleRate(signal, channel);
  let durationS = options.durationS;
  if (durationS === undefined) {
    durationS = rate === undefined ? 5 : channel.values.length / rate;
    if (durationS > MAX_TONE_S) {
      warnings.push(`the tone is cut to ${MAX_TONE_S} s (the signal lasts ${durationS} s); set durationS`);
      durationS = MAX_TONE_S;
    }
  }
  const lowHz = options.lowHz ?? 220;
  const highHz = options.highHz ?? 880;
  return pcm16Wav(toneSamples(channel.values, durationS, lowHz, highHz), SONIFY_RATE_HZ);
}

function embed(signal: Signal, options: SignalToolsOptions, limits: InputLimits): Buffer {
  const channel = pickChannel(signal, options.channel);
  const delay = options.delay ?? 1;
  if (channel.values.length <= 2 * delay) {
    throw AdapterError.unprocessable(
      `${channel.name} has ${channel.values.length} samples: a delay of ${delay} needs more than ${2 * delay}`,
    );
  }
  checkInputLimit(limits, 'points', 'delay-embedded point count', channel.values.length - 2 * delay);
  const { x, y, z } = delayEmbedding(channel.values, delay);
  const fields = (['x', 'y', 'z'] as const).map((name, i) => {
    const field = createField(name, 'float32', x.length);
    field.values.set([x, y, z][i]);
    return field;
  });
  return encodePointCloud({ count: x.length, fields }, 'ply', { encoding: 'binary_little_endian' });
}
