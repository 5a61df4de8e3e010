import sharp from 'sharp';
import { z } from 'zod';
import type { AdapterDescriptor } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { checkInputLimit, DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { parseOptions, requireInput } from '../inputs';
import { baseMediaType } from '../../sdk/media-type';
import { openImage } from './image-input';

const ADAPTER_ID = 'builtin.sharp';

/** sharp's own default pixel limit (0x3FFF * 0x3FFF), stated here so the descriptor can declare it. */
const MAX_INPUT_PIXELS = 268_402_689;
const MAX_DIMENSION = 16_384;

const FORMATS = ['png', 'jpeg', 'webp', 'avif'] as const;
type ImageFormat = (typeof FORMATS)[number];

const MEDIA_TYPE_BY_FORMAT: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
};

const FORMAT_BY_MEDIA_TYPE = new Map<string, ImageFormat>(
  FORMATS.map((format) => [MEDIA_TYPE_BY_FORMAT[format], format]),
);

export const SharpImageOptionsSchema = z.object({
  /** Target width in pixels; with only one of width and height the aspect ratio is kept. */
  width: z.number().int().positive().max(MAX_DIMENSION).optional(),
  height: z.number().int().positive().max(MAX_DIMENSION).optional(),
  /** How the image fits width x height (sharp's `fit`); default `cover`. */
  fit: z.enum(['cover', 'contain', 'fill', 'inside', 'outside']).optional(),
  /** Output format; wins over the requested output media type. */
  format: z.enum(FORMATS).optional(),
  /** Encoder quality for JPEG, WebP and AVIF. */
  quality: z.number().int().min(1).max(100).optional(),
});
export type SharpImageOptions = z.infer<typeof SharpImageOptionsSchema>;

/** Converts and resizes images with sharp (libvips); writes PNG, JPEG, WebP or AVIF. */
export class SharpImageAdapter implements Adapter<SharpImageOptions> {
  readonly options = SharpImageOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description: 'Image conversion and resizing with sharp (libvips)',
    capabilities: [
      {
        task: 'convert',
        inputs: ['image'],
        output: 'image',
        inputMediaTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'],
        outputMediaTypes: FORMATS.map((format) => MEDIA_TYPE_BY_FORMAT[format]),
        limits: { maxPixels: MAX_INPUT_PIXELS },
      },
    ],
    concurrency: 4,
    costHint: 1,
    latencyHintMs: 50,
  };

  constructor(private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS) {}

  async invoke(request: AdapterRequest<SharpImageOptions>, context: AdapterContext): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const input = requireInput(request, 'image', ADAPTER_ID);
    const warnings: string[] = [];
    const format = outputFormat(options.format, request.output.mediaType, warnings);

    context.signal.throwIfAborted();
    const source = await context.blobs.read(input.blobId);
    context.signal.throwIfAborted();

    const image = await openImage(source, this.limits, MAX_INPUT_PIXELS);
    let pipeline = image.open().autoOrient();
    if (options.width !== undefined || options.height !== undefined) {
      // An enlargement is bounded like an input: the next hop, or the caller, would have to decode it.
      const [width, height] = resizedSize(image.meta, options);
      checkInputLimit(
        this.limits,
        'imagePixels',
        `the resized image of ${width}×${height} pixels:`,
        width * height,
      );
      pipeline = pipeline.resize({ width: options.width, height: options.height, fit: options.fit });
    } else if (options.fit !== undefined) {
      warnings.push('fit is ignored without width or height');
    }
    if (options.quality !== undefined && format === 'png') {
      warnings.push('quality is ignored for PNG output (PNG is lossless)');
    }
    pipeline = encode(pipeline, format, options.quality);

    let data: Buffer;
    try {
      data = await pipeline.toBuffer();
    } catch (error) {
      context.signal.throwIfAborted();
      throw AdapterError.unprocessable(`cannot convert the image: ${errorMessage(error)}`, error);
    }
    return {
      outputs: [{ modality: 'image', mediaType: MEDIA_TYPE_BY_FORMAT[format], data }],
      warnings,
    };
  }
}

/** The size `resize` gives the (auto-oriented) image, at most: the box, or the picture scaled to cover it for `outside`. */
function resizedSize(meta: sharp.Metadata, options: SharpImageOptions): [number, number] {
  const turned = (meta.orientation ?? 1) >= 5;
  const [width, height] = turned ? [meta.height ?? 1, meta.width ?? 1] : [meta.width ?? 1, meta.height ?? 1];
  if (options.width !== undefined && options.height !== undefined && options.fit !== 'outside') {
    return [options.width, options.height];
  }
  const scale = Math.max((options.width ?? 0) / width, (options.height ?? 0) / height);
  return [Math.round(width * scale), Math.round(height * scale)];
}

/** `format` wins; else the requested media type; else PNG. A requested type sharp cannot write is refused. */
function outputFormat(
  optionFormat: ImageFormat | undefined,
  requestedMediaType: string | undefined,
  warnings: string[],
): ImageFormat {
  if (requestedMediaType === undefined) return optionFormat ?? 'png';
  const requested = baseMediaType(requestedMediaType);
  const requestedFormat = FORMAT_BY_MEDIA_TYPE.get(requested);
  if (requestedFormat === undefined) {
    throw new AdapterError(
      'unprocessable_input',
      `${ADAPTER_ID} cannot write ${requested}; it writes ${[...FORMAT_BY_MEDIA_TYPE.keys()].join(', ')}`,
      { details: { mediaType: requested } },
    );
  }
  if (optionFormat !== undefined && optionFormat !== requestedFormat) {
    warnings.push(`format ${optionFormat} overrides the requested media type ${requested}`);
    return optionFormat;
  }
  return requestedFormat;
}

function encode(pipeline: sharp.Sharp, format: ImageFormat, quality: number | undefined): sharp.Sharp {
  switch (format) {
    case 'png':
      return pipeline.png();
    case 'jpeg':
      return pipeline.jpeg({ quality });
    case 'webp':
      return pipeline.webp({ quality });
    case 'avif':
      return pipeline.avif({ quality });
  }
}
