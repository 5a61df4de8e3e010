/** Image headers read here rather than by sharp: BMP (no decoder in sharp), and PNG's IHDR. */

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PNG allows dimensions up to 2^31 - 1 (PNG spec, 11.2.2 IHDR). */
const PNG_MAX_DIMENSION = 0x7fffffff;

/**
 * The size a PNG's IHDR declares, without decoding anything, so that an image claiming
 * 100000 × 100000 can be refused before a decoder allocates for it. Undefined when the sample
 * does not start with a well-formed IHDR.
 */
export function pngDeclaredSize(sample: Buffer): { width: number; height: number } | undefined {
  if (sample.length < 24 || !sample.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (sample.readUInt32BE(8) !== 13 || sample.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = sample.readUInt32BE(16);
  const height = sample.readUInt32BE(20);
  const valid = (n: number) => n >= 1 && n <= PNG_MAX_DIMENSION;
  return valid(width) && valid(height) ? { width, height } : undefined;
}

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
