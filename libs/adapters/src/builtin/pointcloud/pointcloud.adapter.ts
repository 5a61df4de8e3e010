import { z } from 'zod';
import type { AdapterDescriptor, Capability } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { baseMediaType } from '../../sdk/media-type';
import {
  decodePointCloud,
  encodePointCloud,
  pointCloudFormatOf,
  POINT_CLOUD_MEDIA_TYPES,
  type PointCloud,
  type PointCloudFormat,
} from '../../codecs/pointcloud';
import { encodeSignal } from '../../codecs/signal';
import { parseOptions, readInput, requireInput } from '../inputs';
import { Ffmpeg } from '../media/ffmpeg';
import {
  VIDEO_ENCODER_ARGS,
  VIDEO_FORMATS,
  VIDEO_MEDIA_TYPE_BY_FORMAT,
  videoOutputFormat,
} from '../media/video-encoding';
import { cropCloud, everyNthPoint, voxelCloud } from './cloud-ops';
import { describePointCloud, formatDescription } from './describe';
import { profilePointCloud } from './profile';
import { drawingStep, MAX_PIXEL_DRAWS, renderPointCloud, type RenderView } from './render';
import { renderTurntable, turntableBytes } from './turntable';

const ADAPTER_ID = 'builtin.pointcloud';
const MAX_BYTES = 256 * 1024 * 1024;
const MAX_DIMENSION = 4096;
const DEFAULT_SIZE = 512;
const DEFAULT_BINS = 256;
const TURNTABLE_MAX_DIMENSION = 1920;
const TURNTABLE_MIN_DIMENSION = 16;
/** Every raw RGBA frame is held in memory (and written to a temp file) before encoding. */
const TURNTABLE_MAX_RAW_BYTES = 256 * 1024 * 1024;
const TURNTABLE_DEFAULTS = { durationS: 4, fps: 15, elevation: 20, pointSize: 2 } as const;

const FORMATS = ['ply', 'pcd', 'xyz', 'json'] as const;
const ENCODINGS = [
  'ascii',
  'binary_little_endian',
  'binary_big_endian',
  'binary',
  'binary_compressed',
] as const;
const TASKS = ['convert', 'describe', 'render', 'profile', 'turntable'] as const;
type PointCloudTask = (typeof TASKS)[number];

const INPUT_MEDIA_TYPES = [...new Set(Object.values(POINT_CLOUD_MEDIA_TYPES))];
const FORMAT_BY_OUTPUT_MEDIA_TYPE = new Map<string, PointCloudFormat>(
  FORMATS.map((format) => [POINT_CLOUD_MEDIA_TYPES[format], format]),
);

const Vec3Schema = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);

export const PointCloudOptionsSchema = z.object({
  /** convert: output format; wins over the requested output media type. Default: the input's format. */
  format: z.enum(FORMATS).optional(),
  /** convert: PLY ascii/binary_little_endian/binary_big_endian, PCD ascii/binary/binary_compressed; XYZ and JSON are ascii. */
  encoding: z.enum(ENCODINGS).optional(),
  /** convert: voxel size; keeps one point per voxel (x y z the centroid, other fields from the first point). */
  voxel: z.number().positive().finite().optional(),
  /** convert: keep only the points inside this box (inclusive); applied before `voxel`. */
  crop: z
    .object({ min: Vec3Schema, max: Vec3Schema })
    .refine((box) => box.min.every((m, a) => m <= box.max[a]), {
      message: 'crop.min must not exceed crop.max',
    })
    .optional(),
  /** render, turntable: image size in pixels (default 512 × 512); turntable: even, 16 to 1920. */
  width: z.number().int().positive().max(MAX_DIMENSION).optional(),
  height: z.number().int().positive().max(MAX_DIMENSION).optional(),
  /** render: projection; default `pca` (the plane of the two largest principal axes). */
  view: z.enum(['top', 'front', 'side', 'pca']).optional(),
  /** render, turntable: side of each point's square in pixels (default 1; turntable 2, which survives video compression). */
  pointSize: z.number().int().min(1).max(5).optional(),
  /** turntable: seconds for one full turn (default 4). */
  duration: z.number().positive().max(20).optional(),
  /** turntable: frames per second (default 15). */
  fps: z.number().min(1).max(30).optional(),
  /** turntable: degrees the camera looks down from (default 20; negative: from below). */
  elevation: z.number().min(-90).max(90).optional(),
  /** turntable: the axis the cloud turns about, drawn pointing up (default z). */
  up: z.enum(['x', 'y', 'z']).optional(),
  /** profile: number of bins along the principal axis (default 256). */
  bins: z.number().int().min(1).max(65_536).optional(),
});
export type PointCloudOptions = z.infer<typeof PointCloudOptionsSchema>;

const OPTIONS_BY_TASK: Record<PointCloudTask, readonly (keyof PointCloudOptions)[]> = {
  convert: ['format', 'encoding', 'voxel', 'crop'],
  describe: [],
  render: ['width', 'height', 'view', 'pointSize'],
  profile: ['bins'],
  turntable: ['width', 'height', 'pointSize', 'duration', 'fps', 'elevation', 'up'],
};

const OUTPUT_MEDIA_TYPES: Record<PointCloudTask, readonly string[]> = {
  convert: INPUT_MEDIA_TYPES,
  describe: ['text/plain', 'application/json'],
  render: ['image/png'],
  profile: ['text/csv', 'application/json'],
  turntable: VIDEO_FORMATS.map((format) => VIDEO_MEDIA_TYPE_BY_FORMAT[format]),
};

const capability = (
  task: PointCloudTask,
  output: string,
  hints: Pick<Capability, 'costHint' | 'latencyHintMs'> = {},
): Capability => ({
  task,
  inputs: ['pointcloud'],
  output,
  inputMediaTypes: INPUT_MEDIA_TYPES,
  outputMediaTypes: [...OUTPUT_MEDIA_TYPES[task]],
  limits: { maxBytes: MAX_BYTES },
  ...hints,
});

/** Point cloud conversion (PLY, PCD, XYZ, JSON) with crop and voxel downsampling, PCA description, rendering, turntable videos and profiles. */
export class PointCloudAdapter implements Adapter<PointCloudOptions> {
  readonly options = PointCloudOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Point clouds (PLY, PCD, XYZ, JSON): conversion with crop and voxel downsampling, description (bounds, PCA, plane fit), orthographic PNG rendering, turntable videos (MP4/WebM) and profiles along the principal axis',
    capabilities: [
      capability('convert', 'pointcloud'),
      capability('describe', 'text'),
      capability('render', 'image'),
      capability('profile', 'signal'),
      // One ffmpeg run: cheaper than render then builtin.video still (1.02 + 2.2), and it turns.
      capability('turntable', 'video', { costHint: 2, latencyHintMs: 3_000 }),
    ],
    concurrency: 2,
    costHint: 1,
    latencyHintMs: 200,
  };

  /** `limits`: the gateway's LIMIT_* (LIMIT_POINTS), checked by the decoders before they allocate. */
  constructor(
    private readonly ffmpeg = new Ffmpeg(),
    private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS,
  ) {}

  async invoke(request: AdapterRequest<PointCloudOptions>, context: AdapterContext): Promise<AdapterResult> {
    if (!(TASKS as readonly string[]).includes(request.task)) {
      throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
    const task = request.task as PointCloudTask;
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const input = requireInput(request, 'pointcloud', ADAPTER_ID);
    const warnings = ignoredOptionWarnings(task, options);

    const inputFormat = pointCloudFormatOf(input.mediaType, {
      filename: input.filename,
      knownPointCloud: true,
    });
    if (inputFormat === undefined) {
      throw new AdapterError(
        'unsupported_media',
        `cannot read a point cloud from ${baseMediaType(input.mediaType)}; send PLY, PCD, XYZ or JSON`,
        { details: { mediaType: input.mediaType } },
      );
    }
    // Checked before reading: the output type must be one this task writes.
    const outputMediaType =
      request.output.mediaType === undefined ? undefined : baseMediaType(request.output.mediaType);
    const accepted = OUTPUT_MEDIA_TYPES[task];
    if (outputMediaType !== undefined && !accepted.includes(outputMediaType)) {
      throw new AdapterError(
        'unprocessable_input',
        `${ADAPTER_ID} ${task} cannot write ${outputMediaType}; it writes ${accepted.join(', ')}`,
        { details: { mediaType: outputMediaType } },
      );
    }

    const bytes = await readInput(context, input, { maxBytes: MAX_BYTES, what: 'a point cloud' });
    const cloud = decodePointCloud(bytes, inputFormat, this.limits);
    await context.progress(0.3);
    context.signal.throwIfAborted();

    switch (task) {
      case 'convert':
        return convert(cloud, inputFormat, outputMediaType, options, warnings);
      case 'describe':
        return describe(cloud, outputMediaType, warnings);
      case 'render':
        return render(cloud, options, warnings);
      case 'profile':
        return profile(cloud, outputMediaType, options, warnings);
      case 'turntable':
        return turntable(cloud, outputMediaType, options, warnings, context, this.ffmpeg);
    }
  }
}

/** A warning for each option the task does not use, naming the tasks that do. */
function ignoredOptionWarnings(task: PointCloudTask, options: PointCloudOptions): string[] {
  const used = new Set<string>(OPTIONS_BY_TASK[task]);
  const owners = new Map<string, string[]>();
  for (const [other, names] of Object.entries(OPTIONS_BY_TASK)) {
    for (const name of names) {
      if (used.has(name) || options[name] === undefined) continue;
      owners.set(name, [...(owners.get(name) ?? []), other]);
    }
  }
  return [...owners].map(
    ([name, tasks]) => `${name} is ignored by ${task} (it is a ${tasks.join(' or ')} option)`,
  );
}

function convert(
  source: PointCloud,
  inputFormat: PointCloudFormat,
  outputMediaType: string | undefined,
  options: PointCloudOptions,
  warnings: string[],
): AdapterResult {
  let format = options.format ?? inputFormat;
  if (outputMediaType !== undefined) {
    const requested = FORMAT_BY_OUTPUT_MEDIA_TYPE.get(outputMediaType);
    if (requested === undefined) throw new Error(`unchecked output media type ${outputMediaType}`);
    if (options.format !== undefined && options.format !== requested) {
      warnings.push(`format ${options.format} overrides the requested media type ${outputMediaType}`);
    } else {
      format = requested;
    }
  }
  let cloud = source;
  if (options.crop) cloud = cropCloud(cloud, options.crop);
  if (options.voxel !== undefined) cloud = voxelCloud(cloud, options.voxel);
  if (cloud.count === 0) warnings.push('no point is left');
  const data = encodePointCloud(cloud, format, { encoding: options.encoding });
  return {
    outputs: [{ modality: 'pointcloud', mediaType: POINT_CLOUD_MEDIA_TYPES[format], data }],
    warnings,
  };
}

function describe(cloud: PointCloud, outputMediaType: string | undefined, warnings: string[]): AdapterResult {
  const description = describePointCloud(cloud);
  const json = outputMediaType === 'application/json';
  return {
    outputs: [
      json
        ? { modality: 'text', mediaType: 'application/json', text: JSON.stringify(description) }
        : { modality: 'text', mediaType: 'text/plain', text: formatDescription(description) },
    ],
    warnings,
  };
}

/** The cloud, or one point in k of it when drawing all of them would pass MAX_PIXEL_DRAWS. */
function drawable(cloud: PointCloud, frames: number, pointSize: number, warnings: string[]): PointCloud {
  const step = drawingStep(cloud.count, frames, pointSize);
  if (step === 1) return cloud;
  warnings.push(
    `one point in ${step} of the ${cloud.count} is drawn: drawing all of them ${frames} times would pass the ${MAX_PIXEL_DRAWS} pixel draws a drawing may take`,
  );
  return everyNthPoint(cloud, step);
}

async function render(
  cloud: PointCloud,
  options: PointCloudOptions,
  warnings: string[],
): Promise<AdapterResult> {
  const pointSize = options.pointSize ?? 1;
  const data = await renderPointCloud(drawable(cloud, 1, pointSize, warnings), {
    width: options.width ?? DEFAULT_SIZE,
    height: options.height ?? DEFAULT_SIZE,
    view: options.view ?? ('pca' satisfies RenderView),
    pointSize,
  });
  return { outputs: [{ modality: 'image', mediaType: 'image/png', data }], warnings };
}

function profile(
  cloud: PointCloud,
  outputMediaType: string | undefined,
  options: PointCloudOptions,
  warnings: string[],
): AdapterResult {
  const signal = profilePointCloud(cloud, options.bins ?? DEFAULT_BINS);
  const json = outputMediaType === 'application/json';
  const text = encodeSignal(signal, json ? 'json' : 'csv').toString('utf8');
  return {
    outputs: [{ modality: 'signal', mediaType: json ? 'application/json' : 'text/csv', text }],
    warnings,
  };
}

async function turntable(
  cloud: PointCloud,
  outputMediaType: string | undefined,
  options: PointCloudOptions,
  warnings: string[],
  context: AdapterContext,
  ffmpeg: Ffmpeg,
): Promise<AdapterResult> {
  const format = videoOutputFormat(ADAPTER_ID, undefined, outputMediaType, warnings);
  const width = evenDimension('width', options.width ?? DEFAULT_SIZE, warnings);
  const height = evenDimension('height', options.height ?? DEFAULT_SIZE, warnings);
  const durationS = options.duration ?? TURNTABLE_DEFAULTS.durationS;
  const fps = options.fps ?? TURNTABLE_DEFAULTS.fps;
  const frames = Math.max(2, Math.round(durationS * fps));
  const actualS = frames / fps;
  if (Math.abs(actualS - durationS) > 0.01 * durationS) {
    warnings.push(`the turntable lasts ${actualS.toFixed(3)} s: ${frames} whole frames at ${fps} fps`);
  }
  const rawBytes = turntableBytes({ width, height, frames });
  if (rawBytes > TURNTABLE_MAX_RAW_BYTES) {
    const mib = (bytes: number) => Math.ceil(bytes / 2 ** 20);
    throw new AdapterError(
      'invalid_request',
      `a turntable of ${frames} frames of ${width} × ${height} takes ${mib(rawBytes)} MiB uncompressed, over the ${mib(TURNTABLE_MAX_RAW_BYTES)} MiB limit; lower duration, fps, width or height`,
      { details: { frames, width, height, bytes: rawBytes, maxBytes: TURNTABLE_MAX_RAW_BYTES } },
    );
  }
  const progressEvery = Math.max(1, Math.floor(frames / 10));
  const pointSize = options.pointSize ?? TURNTABLE_DEFAULTS.pointSize;
  const { data: raw } = await renderTurntable(
    drawable(cloud, frames, pointSize, warnings),
    {
      width,
      height,
      frames,
      pointSize,
      elevation: options.elevation ?? TURNTABLE_DEFAULTS.elevation,
      up: options.up ?? 'z',
    },
    context.signal,
    async (done) => {
      if (done % progressEvery === 0) await context.progress(0.3 + (0.4 * done) / frames);
    },
  );
  const data = await ffmpeg.run({
    input: raw,
    inputExtension: 'rgba',
    inputArgs: ['-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${width}x${height}`, '-r', String(fps)],
    // builtin.video's encoder settings; the raw frames carry no audio, so its audio half goes unused.
    outputArgs: VIDEO_ENCODER_ARGS[format],
    outputExtension: format,
    work: { seconds: actualS, pixelsPerSecond: width * height * fps },
    signal: context.signal,
  });
  return { outputs: [{ modality: 'video', mediaType: VIDEO_MEDIA_TYPE_BY_FORMAT[format], data }], warnings };
}

/** A frame side yuv420p can take: within bounds (else invalid_request), odd rounded down with a warning. */
function evenDimension(name: 'width' | 'height', value: number, warnings: string[]): number {
  if (value < TURNTABLE_MIN_DIMENSION || value > TURNTABLE_MAX_DIMENSION) {
    throw new AdapterError(
      'invalid_request',
      `turntable ${name} must be ${TURNTABLE_MIN_DIMENSION} to ${TURNTABLE_MAX_DIMENSION} pixels, not ${value}`,
      { details: { [name]: value } },
    );
  }
  if (value % 2 === 0) return value;
  warnings.push(`turntable ${name} ${value} is rounded down to ${value - 1}: yuv420p video needs even sizes`);
  return value - 1;
}
