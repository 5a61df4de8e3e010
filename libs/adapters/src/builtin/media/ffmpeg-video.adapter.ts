import { z } from 'zod';
import type { AdapterDescriptor } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { baseMediaType } from '../../sdk/media-type';
import { parseOptions, readInput, requireInput } from '../inputs';
import { Ffmpeg } from './ffmpeg';
import {
  VIDEO_ENCODER_ARGS,
  VIDEO_FORMATS,
  VIDEO_MEDIA_TYPE_BY_FORMAT,
  scaleFilter,
  videoOutputFormat,
} from './video-encoding';
import {
  IMAGE_INPUT_MEDIA_TYPES,
  VIDEO_INPUT_MEDIA_TYPES,
  extensionFor,
  trimArgs,
  warnIgnoredOptions,
} from './media-types';

const ADAPTER_ID = 'builtin.video';
/** Inputs are read whole into memory for now; streaming can lift this. */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;
const MAX_DIMENSION = 8_192;
const STILL_FRAME_RATE = 25;
const DEFAULT_STILL_DURATION_S = 3;
/** Where a thumbnail is taken when `at` is not given, as a fraction of the duration. */
const THUMBNAIL_POSITION = 0.1;

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
});
export type FfmpegVideoOptions = z.infer<typeof FfmpegVideoOptionsSchema>;

/** Video with ffmpeg: transcode, take a thumbnail, extract the sound track, or make a clip from a still. */
export class FfmpegVideoAdapter implements Adapter<FfmpegVideoOptions> {
  readonly options = FfmpegVideoOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Video with ffmpeg: convert (mp4/webm, resize, trim), thumbnail, extract audio, still image to clip',
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
      },
      {
        task: 'extract',
        inputs: ['video'],
        output: 'audio',
        inputMediaTypes: VIDEO_INPUT_MEDIA_TYPES,
        outputMediaTypes: ['audio/wav'],
        limits: { maxBytes: MAX_INPUT_BYTES },
      },
      {
        task: 'still',
        inputs: ['image'],
        output: 'video',
        inputMediaTypes: IMAGE_INPUT_MEDIA_TYPES,
        outputMediaTypes: VIDEO_FORMATS.map((format) => VIDEO_MEDIA_TYPE_BY_FORMAT[format]),
        limits: { maxBytes: MAX_INPUT_BYTES },
      },
    ],
    concurrency: 1,
    costHint: 2,
    latencyHintMs: 2_000,
  };

  constructor(private readonly ffmpeg = new Ffmpeg()) {}

  async invoke(request: AdapterRequest<FfmpegVideoOptions>, context: AdapterContext): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const warnings: string[] = [];
    switch (request.task) {
      case 'convert':
        warnIgnoredOptions(options, ['format', 'width', 'start', 'duration'], 'convert', warnings);
        return this.convert(request, options, warnings, context);
      case 'thumbnail':
        warnIgnoredOptions(options, ['width', 'at'], 'thumbnail', warnings);
        return this.thumbnail(request, options, warnings, context);
      case 'extract':
        warnIgnoredOptions(options, ['start', 'duration'], 'extract', warnings);
        return this.extract(request, options, warnings, context);
      case 'still':
        warnIgnoredOptions(options, ['format', 'width', 'duration'], 'still', warnings);
        return this.still(request, options, warnings, context);
      default:
        throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
  }

  private async convert(
    request: AdapterRequest<FfmpegVideoOptions>,
    options: FfmpegVideoOptions,
    warnings: string[],
    context: AdapterContext,
  ): Promise<AdapterResult> {
    const input = requireInput(request, 'video', ADAPTER_ID);
    const format = videoOutputFormat(ADAPTER_ID, options.format, request.output.mediaType, warnings);
    const source = await readInput(context, input);
    const data = await this.ffmpeg.run({
      input: source,
      inputExtension: extensionFor(input.mediaType),
      inputArgs: trimArgs(options.start, options.duration),
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
      signal: context.signal,
    });
    return {
      outputs: [{ modality: 'video', mediaType: VIDEO_MEDIA_TYPE_BY_FORMAT[format], data }],
      warnings,
    };
  }

  private async thumbnail(
    request: AdapterRequest<FfmpegVideoOptions>,
    options: FfmpegVideoOptions,
    warnings: string[],
    context: AdapterContext,
  ): Promise<AdapterResult> {
    const input = requireInput(request, 'video', ADAPTER_ID);
    const source = await readInput(context, input);
    const inputExtension = extensionFor(input.mediaType);
    const grab = (at: number | undefined) =>
      this.ffmpeg.run({
        input: source,
        inputExtension,
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
        signal: context.signal,
      });
    const isNoFrame = (error: unknown) =>
      error instanceof AdapterError && error.code === 'unprocessable_input';

    let data: Buffer;
    if (options.at !== undefined) {
      const at = options.at;
      data = await grab(at).catch((error: unknown) => {
        throw isNoFrame(error)
          ? AdapterError.unprocessable(`no frame at ${at} s (is it past the end?)`, error)
          : error;
      });
    } else {
      const probe = await this.ffmpeg.probe(source, context.signal, inputExtension);
      const at = (probe.durationS ?? 0) * THUMBNAIL_POSITION;
      // A clip of a frame or two has nothing 10 % in (ffmpeg drops frames before the seek point): take the first.
      data = await grab(at).catch((error: unknown) => {
        if (isNoFrame(error) && at > 0) return grab(undefined);
        throw error;
      });
    }
    return { outputs: [{ modality: 'image', mediaType: 'image/png', data }], warnings };
  }

  private async extract(
    request: AdapterRequest<FfmpegVideoOptions>,
    options: FfmpegVideoOptions,
    warnings: string[],
    context: AdapterContext,
  ): Promise<AdapterResult> {
    const input = requireInput(request, 'video', ADAPTER_ID);
    if (request.output.mediaType !== undefined && baseMediaType(request.output.mediaType) !== 'audio/wav') {
      warnings.push(`extract writes audio/wav, not ${baseMediaType(request.output.mediaType)}`);
    }
    const source = await readInput(context, input);
    const inputExtension = extensionFor(input.mediaType);
    const probe = await this.ffmpeg.probe(source, context.signal, inputExtension);
    if (!probe.streams.some((stream) => stream.codecType === 'audio')) {
      throw AdapterError.unprocessable('the video has no sound track');
    }
    const data = await this.ffmpeg.run({
      input: source,
      inputExtension,
      inputArgs: trimArgs(options.start, options.duration),
      outputArgs: ['-map', '0:a:0', '-vn', '-c:a', 'pcm_s16le', '-map_metadata', '-1'],
      outputExtension: 'wav',
      signal: context.signal,
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
    const source = await readInput(context, input);
    const data = await this.ffmpeg.run({
      input: source,
      inputExtension: extensionFor(input.mediaType),
      inputArgs: ['-loop', '1', '-framerate', String(STILL_FRAME_RATE)],
      outputArgs: [
        '-t',
        String(options.duration ?? DEFAULT_STILL_DURATION_S),
        '-map',
        '0:v:0',
        '-vf',
        scaleFilter(options.width),
        '-r',
        String(STILL_FRAME_RATE),
        ...VIDEO_ENCODER_ARGS[format],
      ],
      outputExtension: format,
      signal: context.signal,
    });
    return {
      outputs: [{ modality: 'video', mediaType: VIDEO_MEDIA_TYPE_BY_FORMAT[format], data }],
      warnings,
    };
  }
}
