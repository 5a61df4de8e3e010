import { imageSize } from 'image-size';

/**
 * The size an image's header declares (JPEG SOF, PNG IHDR, GIF screen, WebP canvas, TIFF, AVIF
 * ...), read by image-size without decoding anything, so that an image claiming 65535 × 65535
 * is refused for its size (413, the pixel limit) even where libvips refuses the header itself.
 * Undefined when the sample holds no readable header.
 */
export function declaredImageSize(
  sample: Buffer,
): { format: string; width: number; height: number } | undefined {
  try {
    // A copy: image-size reads through the view's ArrayBuffer past its end (a slice of a larger
    // buffer would let it read bytes that are not this sample's).
    const { type, width, height } = imageSize(new Uint8Array(sample));
    const valid = (n: number) => Number.isSafeInteger(n) && n >= 1;
    if (!type || !valid(width) || !valid(height)) return undefined;
    return { format: type === 'jpg' ? 'jpeg' : type, width, height };
  } catch {
    return undefined;
  }
}

/** BMP is read here rather than by sharp, which has no BMP decoder. */
export type BmpHeader = { width: number; height: number; bitDepth: number; alpha: boolean };

const BMP_FILE_HEADER_BYTES = 14;
const BMP_CORE_HEADER_BYTES = 12;
const BMP_INFO_HEADER_BYTES = 40;
/** BI_BITFIELDS and BI_ALPHABITFIELDS: channel masks, the alpha one at file offset 66. */
const BMP_MASKED_COMPRESSIONS = new Set([3, 6]);
const BMP_ALPHA_MASK_OFFSET = BMP_FILE_HEADER_BYTES + 52;
const BMP_BIT_DEPTHS = new Set([1, 2, 4, 8, 16, 24, 32, 64]);

/**
 * Width, height and bit depth from a BMP's headers (OS/2 core header or Windows info header and
 * its V4/V5 successors). A negative height means rows stored top-down; the size is its magnitude.
 */
export function readBmpHeader(sample: Buffer): BmpHeader | undefined {
  if (sample.length < BMP_FILE_HEADER_BYTES + BMP_CORE_HEADER_BYTES) return undefined;
  if (sample.toString('latin1', 0, 2) !== 'BM') return undefined;
  const dibBytes = sample.readUInt32LE(BMP_FILE_HEADER_BYTES);
  let header: BmpHeader;
  if (dibBytes === BMP_CORE_HEADER_BYTES) {
    header = {
      width: sample.readUInt16LE(18),
      height: sample.readUInt16LE(20),
      bitDepth: sample.readUInt16LE(24),
      alpha: false,
    };
  } else if (
    dibBytes >= BMP_INFO_HEADER_BYTES &&
    sample.length >= BMP_FILE_HEADER_BYTES + BMP_INFO_HEADER_BYTES
  ) {
    const bitDepth = sample.readUInt16LE(28);
    const compression = sample.readUInt32LE(30);
    const alpha =
      bitDepth === 32 &&
      BMP_MASKED_COMPRESSIONS.has(compression) &&
      sample.length >= BMP_ALPHA_MASK_OFFSET + 4 &&
      sample.readUInt32LE(BMP_ALPHA_MASK_OFFSET) !== 0;
    header = {
      width: sample.readInt32LE(18),
      height: Math.abs(sample.readInt32LE(22)),
      bitDepth,
      alpha,
    };
  } else {
    return undefined;
  }
  if (header.width < 1 || header.height < 1 || !BMP_BIT_DEPTHS.has(header.bitDepth)) return undefined;
  return header;
}
