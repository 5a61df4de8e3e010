import { fileTypeFromBuffer } from 'file-type';

/** A binary signature found at the start of the content. */
export interface MagicMatch {
  /** file-type's extension (`png`, `m4a`, `opus`, ...). */
  ext: string;
  mime: string;
  /** A signature file-type itself did not confirm (see FALLBACK_SIGNATURES). */
  fallback: boolean;
}

interface FallbackSignature {
  ext: string;
  mime: string;
  matches(sample: Buffer): boolean;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EBML_SIGNATURE = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

/**
 * Signatures file-type reads past and then gives up on. It follows a TIFF's first IFD offset,
 * which is often beyond a 64 KiB prefix, and walks PNG chunks, so a PNG with one corrupt chunk
 * length is "unknown" to it. Both are still what their signature says; decoding decides later.
 * An EBML header that file-type cannot read is matched so that its refusal can say what it is.
 */
const FALLBACK_SIGNATURES: readonly FallbackSignature[] = [
  {
    ext: 'png',
    mime: 'image/png',
    matches: (s) => s.subarray(0, 8).equals(PNG_SIGNATURE) && s.toString('latin1', 12, 16) === 'IHDR',
  },
  {
    ext: 'tif',
    mime: 'image/tiff',
    matches: (s) => {
      const head = s.toString('latin1', 0, 4);
      return head === 'II*\0' || head === 'MM\0*';
    },
  },
  // No media type: an EBML document whose DocType cannot be read may be Matroska, WebM or neither.
  { ext: 'ebml', mime: 'application/octet-stream', matches: (s) => s.subarray(0, 4).equals(EBML_SIGNATURE) },
];

/** The binary format the sample's leading bytes announce, if any. */
export async function sniffMagicBytes(sample: Buffer): Promise<MagicMatch | undefined> {
  const found = await fileTypeFromBuffer(sample);
  if (found) return { ext: found.ext, mime: found.mime, fallback: false };
  const signature = FALLBACK_SIGNATURES.find((candidate) => candidate.matches(sample));
  return signature ? { ext: signature.ext, mime: signature.mime, fallback: true } : undefined;
}
