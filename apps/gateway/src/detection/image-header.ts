import sharp from 'sharp';

/** Image size and alpha from the header; sharp reads only the header for `metadata()`. */
export interface ImageHeader {
  width: number;
  height: number;
  alpha: boolean;
}

/**
 * Reads the header from a prefix of the image. Undefined when sharp cannot: no decoder (BMP),
 * the header lies beyond the prefix (TIFF whose first IFD is at the end), or it is corrupt.
 */
export async function readImageHeader(sample: Buffer): Promise<ImageHeader | undefined> {
  try {
    const { width, height, hasAlpha } = await sharp(sample).metadata();
    return width && height ? { width, height, alpha: hasAlpha } : undefined;
  } catch {
    return undefined;
  }
}
