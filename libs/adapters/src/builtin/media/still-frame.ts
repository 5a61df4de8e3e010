import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import type { InputLimits } from '../../sdk/input-limits';
import { openImage } from '../sharp/image-input';
import { evenDown } from './media-types';

/** The largest picture a still clip is made at: the area of 4K UHD, whatever the aspect ratio. */
export const MAX_STILL_PIXELS = 3840 * 2160;

/** A decoded picture, re-encoded as a PNG that ffmpeg reads without surprises. */
export interface StillFrame {
  png: Buffer;
  width: number;
  height: number;
}

/**
 * The picture of a still clip, decoded by sharp before ffmpeg sees it: sharp refuses a corrupt
 * image that ffmpeg's own PNG reader would spin on for ever (issue 12, M1: 26 bytes inserted into
 * the image data), checks LIMIT_IMAGE_PIXELS from the header before decoding, decodes only the first
 * frame of an animation and applies the EXIF orientation. The picture is scaled to `width` (the
 * aspect ratio kept), to at most MAX_STILL_PIXELS, with both sides even (yuv420p needs them so).
 */
export async function stillFrame(
  source: Buffer,
  width: number | undefined,
  limits: InputLimits,
  warnings: string[],
): Promise<StillFrame> {
  const { meta, open } = await openImage(source, limits);
  if (!meta.width || !meta.height) throw AdapterError.unprocessable('cannot read the picture size');
  const turned = (meta.orientation ?? 1) >= 5;
  const [shownWidth, shownHeight] = turned ? [meta.height, meta.width] : [meta.width, meta.height];
  let outWidth = width ?? shownWidth;
  let outHeight = Math.max(1, Math.round((shownHeight * outWidth) / shownWidth));
  if (outWidth * outHeight > MAX_STILL_PIXELS) {
    const scale = Math.sqrt(MAX_STILL_PIXELS / (outWidth * outHeight));
    outWidth = Math.floor(outWidth * scale);
    outHeight = Math.floor(outHeight * scale);
    warnings.push(
      `the clip is ${evenDown(outWidth)}×${evenDown(outHeight)}: at most ${MAX_STILL_PIXELS} pixels a frame`,
    );
  }
  outWidth = evenDown(outWidth);
  outHeight = evenDown(outHeight);
  try {
    const png = await open()
      .autoOrient()
      .resize(outWidth, outHeight, { fit: 'fill' })
      .png({ compressionLevel: 1 })
      .toBuffer();
    return { png, width: outWidth, height: outHeight };
  } catch (error) {
    throw AdapterError.unprocessable(`cannot read the image: ${errorMessage(error)}`, error);
  }
}
