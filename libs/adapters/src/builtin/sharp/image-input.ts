import sharp from 'sharp';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { checkInputLimit, type InputLimits } from '../../sdk/input-limits';

/** An image whose header has been read and checked, ready to decode. */
export interface CheckedImage {
  meta: sharp.Metadata;
  /** A new pipeline over the image: its first page only, with the pixel limit enforced again as it decodes. */
  open(): sharp.Sharp;
}

/**
 * Reads an image's header and checks its size before anything decodes it: over LIMIT_IMAGE_PIXELS
 * is 413 naming the variable, over the adapter's own `maxPixels` (what its work is sized for) 413
 * too; a header sharp cannot read is 422. Decoding then stops at the same limit (a header may lie),
 * reads one page of an animation, and refuses a corrupt image (sharp's `failOn: 'warning'`).
 */
export async function openImage(
  source: Buffer,
  limits: InputLimits,
  maxPixels = Infinity,
): Promise<CheckedImage> {
  const meta = await sharp(source)
    .metadata()
    .catch((error: unknown) => {
      throw AdapterError.unprocessable(`cannot read the image: ${errorMessage(error)}`, error);
    });
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  checkInputLimit(limits, 'imagePixels', `image of ${meta.width}×${meta.height} pixels:`, pixels);
  if (pixels > maxPixels) {
    throw new AdapterError(
      'payload_too_large',
      `image of ${meta.width}×${meta.height} pixels: ${pixels} is over the ${maxPixels} this task reads`,
      { details: { max: maxPixels, actual: pixels } },
    );
  }
  const limitInputPixels = Math.min(maxPixels, limits.imagePixels);
  return { meta, open: () => sharp(source, { limitInputPixels, failOn: 'warning' }) };
}
