import { z } from 'zod';
import type { AdapterDescriptor } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { encodeSignal, type Signal } from '../../codecs/signal';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { baseMediaType } from '../../sdk/media-type';
import { parseOptions, readInput, requireInput } from '../inputs';
import { Ffmpeg, type FfmpegWork, type MediaProbe, type MediaStream } from './ffmpeg';
import { parseFrameMetadata } from './frame-metadata';
import { MAX_INPUT_BYTES, pixelsPerSecond, readMediaInput, type MediaInput } from './media-input';
import { stillFrame, type StillFrame } from './still-frame';
import {
  VIDEO_ENCODER_ARGS,
  VIDEO_FORMATS,
  VIDEO_MEDIA_TYPE_BY_FORMAT,
  scaleFilter,
  videoOutputFormat,
} from './video-encoding';
import {
  IMAGE_INPUT_MEDIA_TYPES,
  SIGNAL_MEDIA_TYPES,
  checkSignalValues,
  VIDEO_INPUT_MEDIA_TYPES,
  signalOutputType,
  spanOf,
  trimArgs,
  wantsJson,
  warnIgnoredOptions,
} from './media-types';
import { describeVideo, formatVideoDescription } from './video-description';

const ADAPTER_ID = 'builtin.video';
const MAX_DIMENSION = 8_192;
const STILL_FRAME_RATE = 25;
const DEFAULT_STILL_DURATION_S = 3;
/** Where a thumbnail is taken when `at` is not given, as a fraction of the duration. */
const THUMBNAIL_POSITION = 0.1;
/** thumbnail: seconds of video decoded from the key frame before the wanted one, at most (for the time budget). */
const THUMBNAIL_DECODE_S = 10;
/** describe: a scene score (0..1) over this starts a new scene, unless the options say otherwise. */
const DEFAULT_SCENE_THRESHOLD = 0.3;
/** measure: the sample rate when neither the options nor the file give a frame rate. */
const FALLBACK_MEASURE_RATE_HZ = 25;
/** measure: the highest sample rate, asked for or read from a file (some containers claim a time base as their rate). */
const MAX_MEASURE_RATE_HZ = 240;
/** still: how far `zoom: true` zooms in by the last frame. */
const DEFAULT_ZOOM = 1.25;
const LUMA_KEY = 'lavfi.signalstats.YAVG';
const MOTION_KEY = 'lavfi.signalstats.YDIF';
const SCENE_KEY = 'lavfi.scene_score';

export const FfmpegVideoOptionsSchema = z.object({
  /** convert, still: output container; wins over the requested output media type. */
  format: z.enum(VIDEO_FORMATS).optional(),
  /** convert, thumbnail, still: output width in pixels; the aspect ratio is kept. */
  width: z.number().int().min(16).max(MAX_DIMENSION).optional(),
  /** convert, extract: seconds to skip from the start of the input. */
  start: z.number().min(0).optional(),
  /** convert, extract: seconds of input to use; still: length of the clip (default 3). */
  duration: z.number().positive().max(3_600).optional(),
  /** thumbnail: the frame's time in seconds (default 10 % into the video). */
  at: z.number().min(0).optional(),
  /** describe: scene score (0..1) over which a frame starts a new scene (default 0.3; lower finds more). */
  sceneThreshold: z.number().min(0.01).max(1).optional(),
  /** measure: samples per second of the emitted signal (default the video's frame rate). */
  sampleRateHz: z.number().min(0.1).max(MAX_MEASURE_RATE_HZ).optional(),
  /** still: a slow zoom towards the centre; `true` ends at 1.25×, a number is the final factor. */
  zoom: z.union([z.boolean(), z.number().gt(1).max(4)]).optional(),
});
export type FfmpegVideoOptions = z.infer<typeof FfmpegVideoOptionsSchema>;

type VideoTask = 'convert' | 'thumbnail' | 'extract' | 'still' | 'describe' | 'measure';

/** The options each task uses; the others become warnings. */
const USED_OPTIONS: Record<VideoTask, readonly (keyof FfmpegVideoOptions)[]> = {
  convert: ['format', 'width', 'start', 'duration'],
  thumbnail: ['width', 'at'],
  extract: ['start', 'duration'],
  still: ['format', 'width', 'duration', 'zoom'],
  describe: ['sceneThreshold'],
  measure: ['sampleRateHz', 'start', 'duration'],
};

/** One task on a video input: read and probed once in `invoke`. */
interface VideoJob extends MediaInput {
  requestedMediaType: string | undefined;
  options: FfmpegVideoOptions;
  warnings: string[];
  signal: AbortSignal;
}

/**
 * Video with ffmpeg: transcode, take a thumbnail, extract the sound track, make a clip from a still
 * (optionally zooming in), describe the streams and scene changes, or measure brightness and motion per frame.
 */
export class FfmpegVideoAdapter implements Adapter<FfmpegVideoOptions> {
  readonly options = FfmpegVideoOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Video with ffmpeg: convert (mp4/webm, resize, trim), thumbnail, extract audio, still image to clip (optionally zooming), describe (streams, scene changes), measure (brightness and motion per frame as a signal)',
    capabilities: [
      {
        task: 'convert',
        inputs: ['video'],
        output: 'video',
        inputMediaTypes: VIDEO_INPUT_MEDIA_TYPES,
        outputMediaTypes: VIDEO_FORMATS.map((format) => VIDEO_MEDIA_TYPE_BY_FORMAT[format]),
        limits: { maxBytes: MAX_INPUT_BYTES },
      },
      {
        task: 'thumbnail',
        inputs: ['video'],
        output: 'image',
        inputMediaTypes: VIDEO_INPUT_MEDIA_TYPES,
        outputMediaTypes: ['image/png'],
        limits: { maxBytes: MAX_INPUT_BYTES },
        // One frame decoded: it must stay cheaper than describe → render for video → image.
        costHint: 1,
        latencyHintMs: 500,
      },
      {
        task: 'extract',
        inputs: ['video'],
        output: 'audio',
        inputMediaTypes: VIDEO_INPUT_MEDIA_TYPES,
        outputMediaTypes: ['audio/wav'],
        limits: { maxBytes: MAX_INPUT_BYTES },
        // The sound track alone, no picture decoded: cheaper than measure → sonify for video → audio.
        costHint: 1,
        latencyHintMs: 500,
      },
      {
        task: 'still',
        inputs: ['image'],
        output: 'video',
        inputMediaTypes: IMAGE_INPUT_MEDIA_TYPES,
        outputMediaTypes: VIDEO_FORMATS.map((format) => VIDEO_MEDIA_TYPE_BY_FORMAT[format]),
        limits: { maxBytes: MAX_INPUT_BYTES },
      },
      {
        task: 'describe',
        inputs: ['video'],
        output: 'text',
        inputMediaTypes: VIDEO_INPUT_MEDIA_TYPES,
        outputMediaTypes: ['text/plain', 'application/json'],
        limits: { maxBytes: MAX_INPUT_BYTES },
        // One decoding pass and no encoding: cheaper than thumbnail → image describe.
        costHint: 1,
        latencyHintMs: 1_000,
      },
      {
        task: 'measure',
        inputs: ['video'],
        output: 'signal',
        inputMediaTypes: VIDEO_INPUT_MEDIA_TYPES,
        outputMediaTypes: [...SIGNAL_MEDIA_TYPES],
        limits: { maxBytes: MAX_INPUT_BYTES },
        // One decoding pass: cheaper than extract → audio samples, and about the picture.
        costHint: 1,
        latencyHintMs: 1_000,
      },
    ],
    concurrency: 1,
    costHint: 2,
    latencyHintMs: 2_000,
  };

  constructor(
    private readonly ffmpeg = new Ffmpeg(),
    private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS,
  ) {}

  async invoke(request: AdapterRequest<FfmpegVideoOptions>, context: AdapterContext): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const warnings: string[] = [];
    if (!Object.hasOwn(USED_OPTIONS, request.task)) {
      throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
    const task = request.task as VideoTask;
    warnIgnoredOptions(options, USED_OPTIONS[task], task, warnings);
    if (task === 'still') return this.still(request, options, warnings, context);
    const job: VideoJob = {
      ...(await readMediaInput(
        this.ffmpeg,
        context,
        requireInput(request, 'video', ADAPTER_ID),
        this.limits,
      )),
      requestedMediaType: request.output.mediaType,
      options,
      warnings,
      signal: context.signal,
    };
    switch (task) {
      case 'convert':
        return this.convert(job);
      case 'thumbnail':
        return this.thumbnail(job);
      case 'extract':
        return this.extract(job);
      case 'describe':
        return this.describe(job);
      case 'measure':
        return this.measure(job);
    }
  }

  /** `-ss`/`-t` for the wanted span, never more than LIMIT_MEDIA_DURATION_S. */
  private trim(options: FfmpegVideoOptions): string[] {
    return trimArgs(options.start, options.duration, this.limits.mediaDurationS);
  }

  private async convert(job: VideoJob): Promise<AdapterResult> {
    const { options, warnings } = job;
    const format = videoOutputFormat(ADAPTER_ID, options.format, job.requestedMediaType, warnings);
    const stream = videoStream(job.probe, 'convert');
    const scale = options.width !== undefined && stream.width ? options.width / stream.width : 1;
    const data = await this.ffmpeg.run({
      input: job.source,
      inputExtension: job.inputExtension,
      inputArgs: this.trim(options),
      outputArgs: [
        '-map',
        '0:v:0',
        '-map',
        '0:a:0?',
        '-vf',
        scaleFilter(options.width),
        ...VIDEO_ENCODER_ARGS[format],
        '-map_metadata',
        '-1',
      ],
      outputExtension: format,
      // Decoded at the source's size, encoded at the output's.
      work: workOf(
        spanOf(job.durationS, options.start, options.duration),
        pixelsPerSecond(stream) * (1 + scale * scale),
      ),
      signal: job.signal,
    });
    return {
      outputs: [{ modality: 'video', mediaType: VIDEO_MEDIA_TYPE_BY_FORMAT[format], data }],
      warnings,
    };
  }

  private async thumbnail(job: VideoJob): Promise<AdapterResult> {
    const { options, warnings } = job;
    const stream = videoStream(job.probe, 'take a thumbnail of');
    const grab = (at: number | undefined) =>
      this.ffmpeg.run({
        input: job.source,
        inputExtension: job.inputExtension,
        inputArgs: at !== undefined ? ['-ss', String(at)] : [],
        outputArgs: [
          '-map',
          '0:v:0',
          ...(options.width !== undefined ? ['-vf', `scale=${options.width}:-1`] : []),
          '-frames:v',
          '1',
          '-update',
          '1',
          '-c:v',
          'png',
        ],
        outputExtension: 'png',
        // Seeking decodes from the key frame before `at`; without an index, from the start.
        work: workOf((at ?? 0) + THUMBNAIL_DECODE_S, pixelsPerSecond(stream)),
        signal: job.signal,
      });
    // A run that outlived its time budget would outlive it again: only a run without a frame is tried again.
    const isNoFrame = (error: unknown) =>
      error instanceof AdapterError &&
      error.code === 'unprocessable_input' &&
      error.details?.budgetMs === undefined;

    let data: Buffer;
    if (options.at !== undefined) {
      const at = options.at;
      data = await grab(at).catch((error: unknown) => {
        throw isNoFrame(error)
          ? AdapterError.unprocessable(`no frame at ${at} s (is it past the end?)`, error)
          : error;
      });
    } else {
      const at = (job.durationS ?? 0) * THUMBNAIL_POSITION;
      // A clip of a frame or two has nothing 10 % in (ffmpeg drops frames before the seek point): take the first.
      data = await grab(at).catch((error: unknown) => {
        if (isNoFrame(error) && at > 0) return grab(undefined);
        throw error;
      });
    }
    return { outputs: [{ modality: 'image', mediaType: 'image/png', data }], warnings };
  }

  private async extract(job: VideoJob): Promise<AdapterResult> {
    const { options, warnings } = job;
    if (job.requestedMediaType !== undefined && baseMediaType(job.requestedMediaType) !== 'audio/wav') {
      warnings.push(`extract writes audio/wav, not ${baseMediaType(job.requestedMediaType)}`);
    }
    if (!job.probe.streams.some((stream) => stream.codecType === 'audio')) {
      throw AdapterError.unprocessable('the video has no sound track');
    }
    const data = await this.ffmpeg.run({
      input: job.source,
      inputExtension: job.inputExtension,
      inputArgs: this.trim(options),
      outputArgs: ['-map', '0:a:0', '-vn', '-c:a', 'pcm_s16le', '-map_metadata', '-1'],
      outputExtension: 'wav',
      work: workOf(spanOf(job.durationS, options.start, options.duration), 0),
      signal: job.signal,
    });
    return { outputs: [{ modality: 'audio', mediaType: 'audio/wav', data }], warnings };
  }

  private async still(
    request: AdapterRequest<FfmpegVideoOptions>,
    options: FfmpegVideoOptions,
    warnings: string[],
    context: AdapterContext,
  ): Promise<AdapterResult> {
    const input = requireInput(request, 'image', ADAPTER_ID);
    const format = videoOutputFormat(ADAPTER_ID, options.format, request.output.mediaType, warnings);
    const source = await readInput(context, input, { maxBytes: MAX_INPUT_BYTES, what: 'the image' });
    const frame = await stillFrame(source, options.width, this.limits, warnings);
    context.signal.throwIfAborted();
    const durationS = options.duration ?? DEFAULT_STILL_DURATION_S;
    const zoom = options.zoom === true ? DEFAULT_ZOOM : options.zoom || undefined;
    const data = await this.ffmpeg.run({
      input: frame.png,
      inputExtension: 'png',
      inputArgs: ['-loop', '1', '-framerate', String(STILL_FRAME_RATE)],
      outputArgs: [
        '-t',
        String(durationS),
        '-map',
        '0:v:0',
        ...(zoom === undefined
          ? []
          : ['-vf', zoomFilter(frame, zoom, Math.round(durationS * STILL_FRAME_RATE))]),
        '-r',
        String(STILL_FRAME_RATE),
        ...VIDEO_ENCODER_ARGS[format],
      ],
      outputExtension: format,
      work: { seconds: durationS, pixelsPerSecond: STILL_FRAME_RATE * frame.width * frame.height },
      signal: context.signal,
    });
    return {
      outputs: [{ modality: 'video', mediaType: VIDEO_MEDIA_TYPE_BY_FORMAT[format], data }],
      warnings,
    };
  }

  private async describe(job: VideoJob): Promise<AdapterResult> {
    const { options, warnings } = job;
    const json = wantsJson(job.requestedMediaType, ADAPTER_ID);
    const stream = videoStream(job.probe, 'describe');
    const threshold = options.sceneThreshold ?? DEFAULT_SCENE_THRESHOLD;
    const report = await this.ffmpeg.analyze({
      input: job.source,
      inputExtension: job.inputExtension,
      inputArgs: this.trim({}),
      outputArgs: [
        '-map',
        '0:v:0',
        '-vf',
        `select='gt(scene,${threshold})',metadata=print:key=${SCENE_KEY}:file=scenes.txt`,
      ],
      reportFiles: ['scenes.txt'],
      work: workOf(job.durationS, pixelsPerSecond(stream)),
      signal: job.signal,
    });
    const changes = parseFrameMetadata(report.files['scenes.txt'], SCENE_KEY);
    const description = describeVideo(job.probe, threshold, changes);
    const text = json ? `${JSON.stringify(description, null, 2)}\n` : formatVideoDescription(description);
    return {
      outputs: [{ modality: 'text', mediaType: json ? 'application/json' : 'text/plain', text }],
      warnings,
    };
  }

  /** Brightness (mean luma) and motion (mean luma change from the previous frame) per frame, as a 2-channel signal. */
  private async measure(job: VideoJob): Promise<AdapterResult> {
    const { options, warnings } = job;
    const mediaType = signalOutputType(job.requestedMediaType, ADAPTER_ID, 'measure');
    const stream = videoStream(job.probe, 'measure');
    const rateHz =
      options.sampleRateHz ?? Math.min(stream.frameRate ?? FALLBACK_MEASURE_RATE_HZ, MAX_MEASURE_RATE_HZ);
    const span = spanOf(job.durationS, options.start, options.duration);
    // Two values a frame, known before decoding when the length is.
    if (span !== undefined) checkSignalValues(Math.ceil(span * rateHz) * 2);
    const report = await this.ffmpeg.analyze({
      input: job.source,
      inputExtension: job.inputExtension,
      inputArgs: this.trim(options),
      outputArgs: [
        '-map',
        '0:v:0',
        '-vf',
        // A constant rate gives a regular signal; 8-bit luma keeps both channels in 0..255 whatever the source depth.
        `fps=${rateHz},format=yuv420p,signalstats,` +
          `metadata=print:key=${LUMA_KEY}:file=brightness.txt,metadata=print:key=${MOTION_KEY}:file=motion.txt`,
      ],
      reportFiles: ['brightness.txt', 'motion.txt'],
      work: workOf(span, pixelsPerSecond(stream)),
      signal: job.signal,
    });
    const signal = frameSignal(
      rateHz,
      parseFrameMetadata(report.files['brightness.txt'], LUMA_KEY).map((frame) => frame.value),
      parseFrameMetadata(report.files['motion.txt'], MOTION_KEY).map((frame) => frame.value),
    );
    const text = encodeSignal(signal, mediaType === 'application/json' ? 'json' : 'csv').toString('utf8');
    return { outputs: [{ modality: 'signal', mediaType, text }], warnings };
  }
}

/** The first video stream; a file without one is bad input for `task`. */
function videoStream(probe: MediaProbe, task: string): MediaStream {
  const stream = probe.streams.find((candidate) => candidate.codecType === 'video');
  if (!stream) throw AdapterError.unprocessable(`the input has no video stream to ${task}`);
  return stream;
}

/** The brightness and motion channels, cut to the frames both have. */
function frameSignal(rateHz: number, brightness: number[], motion: number[]): Signal {
  const length = Math.min(brightness.length, motion.length);
  if (length === 0) throw AdapterError.unprocessable('ffmpeg decoded no frames to measure');
  checkSignalValues(length * 2);
  return {
    sampleRateHz: rateHz,
    channels: [
      { name: 'brightness', values: Float32Array.from(brightness.slice(0, length)) },
      { name: 'motion', values: Float32Array.from(motion.slice(0, length)) },
    ],
  };
}

/** The work of decoding `seconds` of video at `pixelsPerSecond`; undefined when the length is unknown (the run then gets ffmpeg's default time). */
function workOf(seconds: number | undefined, pixels: number): FfmpegWork | undefined {
  return seconds === undefined ? undefined : { seconds, pixelsPerSecond: pixels };
}

/**
 * A slow zoom towards the centre of the frame, from 1× on the first frame to `zoom`× on the last,
 * at the frame's own size.
 */
function zoomFilter(frame: StillFrame, zoom: number, frames: number): string {
  const step = (zoom - 1) / Math.max(1, frames - 1);
  return `zoompan=z='1+${step}*on':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:s=${frame.width}x${frame.height}:fps=${STILL_FRAME_RATE}`;
}
