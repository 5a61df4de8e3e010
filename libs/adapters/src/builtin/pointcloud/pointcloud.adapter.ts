import { z } from 'zod';
import type { AdapterDescriptor, Capability } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
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
import { cropCloud, voxelCloud } from './cloud-ops';
import { describePointCloud, formatDescription } from './describe';
import { profilePointCloud } from './profile';
import { renderPointCloud, type RenderView } from './render';

const ADAPTER_ID = 'builtin.pointcloud';
const MAX_BYTES = 256 * 1024 * 1024;
const MAX_DIMENSION = 4096;
const DEFAULT_SIZE = 512;
const DEFAULT_BINS = 256;

const FORMATS = ['ply', 'pcd', 'xyz', 'json'] as const;
const ENCODINGS = [
  'ascii',
  'binary_little_endian',
  'binary_big_endian',
  'binary',
  'binary_compressed',
] as const;
const TASKS = ['convert', 'describe', 'render', 'profile'] as const;
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
  /** render: image size in pixels (default 512 × 512). */
  width: z.number().int().positive().max(MAX_DIMENSION).optional(),
  height: z.number().int().positive().max(MAX_DIMENSION).optional(),
  /** render: projection; default `pca` (the plane of the two largest principal axes). */
  view: z.enum(['top', 'front', 'side', 'pca']).optional(),
  /** render: side of each point's square in pixels (default 1). */
  pointSize: z.number().int().min(1).max(5).optional(),
  /** profile: number of bins along the principal axis (default 256). */
  bins: z.number().int().min(1).max(65_536).optional(),
});
export type PointCloudOptions = z.infer<typeof PointCloudOptionsSchema>;

const OPTIONS_BY_TASK: Record<PointCloudTask, readonly (keyof PointCloudOptions)[]> = {
  convert: ['format', 'encoding', 'voxel', 'crop'],
  describe: [],
  render: ['width', 'height', 'view', 'pointSize'],
  profile: ['bins'],
};

const OUTPUT_MEDIA_TYPES: Record<PointCloudTask, readonly string[]> = {
  convert: INPUT_MEDIA_TYPES,
  describe: ['text/plain', 'application/json'],
  render: ['image/png'],
  profile: ['text/csv', 'application/json'],
};

const capability = (task: PointCloudTask, output: string): Capability => ({
  task,
  inputs: ['pointcloud'],
  output,
  inputMediaTypes: INPUT_MEDIA_TYPES,
  outputMediaTypes: [...OUTPUT_MEDIA_TYPES[task]],
  limits: { maxBytes: MAX_BYTES },
});

/** Point cloud conversion (PLY, PCD, XYZ, JSON) with crop and voxel downsampling, PCA description, rendering and profiles. */
export class PointCloudAdapter implements Adapter<PointCloudOptions> {
  readonly options = PointCloudOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Point clouds (PLY, PCD, XYZ, JSON): conversion with crop and voxel downsampling, description (bounds, PCA, plane fit), orthographic PNG rendering and profiles along the principal axis',
    capabilities: [
      capability('convert', 'pointcloud'),
      capability('describe', 'text'),
      capability('render', 'image'),
      capability('profile', 'signal'),
    ],
    concurrency: 2,
    costHint: 1,
    latencyHintMs: 200,
  };

  async invoke(request: AdapterRequest<PointCloudOptions>, context: AdapterContext): Promise<AdapterResult> {
    if (!(TASKS as readonly string[]).includes(request.task)) {
      throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
    const task = request.task as PointCloudTask;
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const input = requireInput(request, 'pointcloud', ADAPTER_ID);
    const warnings: string[] = [];
    for (const [other, names] of Object.entries(OPTIONS_BY_TASK)) {
      if (other === task) continue;
      for (const name of names) {
        if (options[name] !== undefined)
          warnings.push(`${name} is ignored by ${task} (it is a ${other} option)`);
      }
    }

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
    const cloud = decodePointCloud(bytes, inputFormat);
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
    }
  }
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

async function render(
  cloud: PointCloud,
  options: PointCloudOptions,
  warnings: string[],
): Promise<AdapterResult> {
  const data = await renderPointCloud(cloud, {
    width: options.width ?? DEFAULT_SIZE,
    height: options.height ?? DEFAULT_SIZE,
    view: options.view ?? ('pca' satisfies RenderView),
    pointSize: options.pointSize ?? 1,
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
