import sharp from 'sharp';
import { z } from 'zod';
import type { AdapterDescriptor, Capability } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { baseMediaType } from '../../sdk/media-type';
import { parseOptions, requireInput } from '../inputs';
import { encodeSignal, type Signal } from '../../codecs/signal';
import { createField, encodePointCloud, POINT_CLOUD_MEDIA_TYPES } from '../../codecs/pointcloud';
import { openImage, type CheckedImage } from '../sharp/image-input';

const ADAPTER_ID = 'builtin.image-analysis';
/** sharp's own default pixel limit, as `builtin.sharp` declares it. */
const MAX_INPUT_PIXELS = 268_402_689;
const MAX_SIDE = 4096;

const TASKS = ['histogram', 'heightmap'] as const;
type ImageTask = (typeof TASKS)[number];

const INPUT_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'];

export const ImageAnalysisOptionsSchema = z.object({
  /** heightmap: the image is first shrunk (never enlarged) so that its longer side is at most this; default 256. */
  maxSide: z.number().int().positive().max(MAX_SIDE).optional(),
  /** heightmap: z of a white pixel (z = luminance in [0, 1] × scale); default a quarter of the longer side after shrinking. */
  scale: z.number().positive().max(1e6).optional(),
});
export type ImageAnalysisOptions = z.infer<typeof ImageAnalysisOptionsSchema>;

const capability = (task: ImageTask, output: string, outputMediaTypes: string[]): Capability => ({
  task,
  inputs: ['image'],
  output,
  inputMediaTypes: INPUT_MEDIA_TYPES,
  outputMediaTypes,
  limits: { maxPixels: MAX_INPUT_PIXELS },
});

const OUTPUT_TYPES: Record<ImageTask, string[]> = {
  histogram: ['text/csv', 'application/json'],
  heightmap: [POINT_CLOUD_MEDIA_TYPES.ply, 'application/ply', 'model/x-ply'],
};

/** Image measurements: per-channel intensity histograms (a signal) and luminance height maps (a point cloud). */
export class ImageAnalysisAdapter implements Adapter<ImageAnalysisOptions> {
  readonly options = ImageAnalysisOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Image analysis with sharp: 256-bin intensity histograms per channel (CSV/JSON) and luminance height maps (PLY)',
    capabilities: [
      capability('histogram', 'signal', OUTPUT_TYPES.histogram),
      capability('heightmap', 'pointcloud', [POINT_CLOUD_MEDIA_TYPES.ply]),
    ],
    concurrency: 4,
    costHint: 1,
    latencyHintMs: 50,
  };

  constructor(private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS) {}

  async invoke(
    request: AdapterRequest<ImageAnalysisOptions>,
    context: AdapterContext,
  ): Promise<AdapterResult> {
    if (!(TASKS as readonly string[]).includes(request.task)) {
      throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
    const task = request.task as ImageTask;
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const input = requireInput(request, 'image', ADAPTER_ID);
    const outputType = checkOutputType(task, request.output.mediaType);
    const warnings: string[] = [];
    if (task === 'histogram') {
      for (const name of ['maxSide', 'scale'] as const) {
        if (options[name] !== undefined) warnings.push(`${name} is ignored by histogram`);
      }
    }

    context.signal.throwIfAborted();
    const source = await context.blobs.read(input.blobId);
    context.signal.throwIfAborted();
    const image = await openImage(source, this.limits, MAX_INPUT_PIXELS);

    try {
      if (task === 'histogram') {
        const signal = await histogram(image);
        const text = encodeSignal(signal, outputType === 'application/json' ? 'json' : 'csv').toString(
          'utf8',
        );
        return { outputs: [{ modality: 'signal', mediaType: outputType, text }], warnings };
      }
      const data = await heightmap(image, options.maxSide ?? 256, options.scale);
      return {
        outputs: [{ modality: 'pointcloud', mediaType: POINT_CLOUD_MEDIA_TYPES.ply, data }],
        warnings,
      };
    } catch (error) {
      if (error instanceof AdapterError) throw error;
      context.signal.throwIfAborted();
      throw AdapterError.unprocessable(`cannot read the image: ${errorMessage(error)}`, error);
    }
  }
}

function checkOutputType(task: ImageTask, requested: string | undefined): string {
  const allowed = OUTPUT_TYPES[task];
  if (requested === undefined) return allowed[0];
  const type = baseMediaType(requested);
  if (!allowed.includes(type)) {
    throw new AdapterError(
      'unprocessable_input',
      `${ADAPTER_ID} ${task} writes ${allowed.join(', ')}, not ${type}`,
      { details: { mediaType: type } },
    );
  }
  return type;
}

/** Greyscale images (one or two bands, or a b-w colour space) have one luminance channel. */
function isGrey(meta: sharp.Metadata): boolean {
  return meta.channels === 1 || meta.channels === 2 || meta.space === 'b-w' || meta.space === 'grey16';
}

/**
 * 256 bins per channel of the 8-bit pixel values (16-bit images are reduced to 8 bits; alpha is
 * ignored but every pixel counts, transparent or not): `red`, `green`, `blue`, or `luminance` for
 * greyscale. Row i of the output is the count of value i, so each column sums to the pixel count.
 * The signal has no sample rate: the CSV has no time column.
 */
async function histogram({ meta, open }: CheckedImage): Promise<Signal> {
  const grey = isGrey(meta);
  const { data, info } = await open()
    .removeAlpha()
    .toColourspace(grey ? 'b-w' : 'srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const names = grey ? ['luminance'] : ['red', 'green', 'blue'];
  const bins = names.map(() => new Float32Array(256));
  const bands = info.channels;
  for (let i = 0; i < data.length; i += bands) {
    for (let c = 0; c < names.length; c++) bins[c][data[i + c]]++;
  }
  return { channels: names.map((name, c) => ({ name, values: bins[c] })) };
}

/**
 * One point per pixel of the image shrunk to fit `maxSide`: x = column, y = rows from the bottom
 * (so the image is upright seen from +z), z = Rec. 709 luminance of the sRGB values in [0, 1] ×
 * `scale`, and the pixel's colour in uint8 `red`, `green`, `blue`. Written as binary PLY, organised
 * (width × height, row-major from the top).
 */
async function heightmap(
  { open }: CheckedImage,
  maxSide: number,
  scale: number | undefined,
): Promise<Buffer> {
  const { data, info } = await open()
    .autoOrient()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels: bands } = info;
  const count = width * height;
  const zScale = scale ?? Math.max(width, height) / 4;
  const x = createField('x', 'float32', count);
  const y = createField('y', 'float32', count);
  const z = createField('z', 'float32', count);
  const red = createField('red', 'uint8', count);
  const green = createField('green', 'uint8', count);
  const blue = createField('blue', 'uint8', count);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const p = row * width + column;
      const r = data[p * bands];
      const g = data[p * bands + (bands >= 3 ? 1 : 0)];
      const b = data[p * bands + (bands >= 3 ? 2 : 0)];
      x.values[p] = column;
      y.values[p] = height - 1 - row;
      z.values[p] = ((0.2126 * r + 0.7152 * g + 0.0722 * b) / 255) * zScale;
      red.values[p] = r;
      green.values[p] = g;
      blue.values[p] = b;
    }
  }
  return encodePointCloud(
    { count, fields: [x, y, z, red, green, blue], organized: { width, height } },
    'ply',
    { encoding: 'binary_little_endian' },
  );
}
