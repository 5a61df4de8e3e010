import sharp, { type Metadata } from 'sharp';
import type { ProbeSource } from '../media-prober';
import { declaredImageSize, readBmpHeader } from './image-headers';
import { firstLine, type ImageMeta, type ProbeFailure, probeFailure } from './probe-meta';

/**
 * Formats whose page count a prefix may get wrong: a multi-page TIFF's IFD chain and the frames
 * of an animation run through the whole file (libvips counts them while reading the header).
 */
const PAGED_FORMATS = new Set(['tiff', 'gif', 'webp']);

type MetadataReading = { ok: true; metadata: Metadata } | { ok: false; reason: string };

/**
 * Image metadata from the header, never from decoded pixels: sharp on the sample first, then on
 * the whole content only when the sample is not enough (a TIFF whose IFD is past the prefix, a
 * GIF or WebP larger than it). BMP, which sharp cannot read, is parsed here.
 */
export async function probeImage(source: ProbeSource): Promise<ImageMeta | ProbeFailure> {
  const bmp = readBmpHeader(source.sample);
  if (bmp) return { probe: 'header', format: 'bmp', pages: 1, ...bmp };

  const truncated = source.totalBytes > source.sample.length;
  let reading = await readMetadata(source.sample);
  if (truncated && (!reading.ok || PAGED_FORMATS.has(reading.metadata.format))) {
    reading = await readMetadata(source.localPath ?? (await source.read()));
  }
  const meta = reading.ok ? imageMeta(reading.metadata) : undefined;
  if (meta) return meta;

  const reason = reading.ok ? 'the image header declares no size' : reading.reason;
  // An image sharp refuses still reports the size it claims, so that the pixel limit can answer first.
  return { ...declaredImageSize(source.sample), ...probeFailure(reason) };
}

async function readMetadata(input: Buffer | string): Promise<MetadataReading> {
  try {
    // The pixel limit is the caller's check on width × height; metadata() decodes no pixels.
    return { ok: true, metadata: await sharp(input, { limitInputPixels: false }).metadata() };
  } catch (error) {
    return { ok: false, reason: firstLine(error instanceof Error ? error.message : String(error)) };
  }
}

function imageMeta(metadata: Metadata): ImageMeta | undefined {
  const { width, height } = metadata;
  if (!width || !height) return undefined;
  return {
    probe: 'sharp',
    format: canonicalFormat(metadata),
    width,
    height,
    pages: metadata.pages ?? 1,
    alpha: metadata.hasAlpha,
    ...(metadata.orientation !== undefined ? { orientation: metadata.orientation } : {}),
  };
}

/** libvips names AVIF and HEIC both `heif`; the compression tells them apart. */
function canonicalFormat(metadata: Metadata): string {
  if (metadata.format === 'heif') return metadata.compression === 'av1' ? 'avif' : 'heic';
  return metadata.format;
}
