import type { Detection } from '@omnigate/contracts';
import { type ContentVerdict, recognised, unsupported } from './content-verdict';
import type { MagicMatch } from './magic-bytes';

interface BinaryMediaRule {
  modality: 'image' | 'audio' | 'video';
  /** The media type reported (file-type's own, or the registered one where it uses an alias). */
  mediaType: string;
  /** Canonical format name for `meta.format` (`jpeg`, not `jpg`). */
  format: string;
  /**
   * The audio reading of a container that may hold sound only (an audio-only MP4 or WebM).
   * The first bytes cannot tell, so the default is video and a hint (modality `audio`, an
   * `audio/*` media type, an audio file extension) selects this one.
   */
  audioAlternative?: string;
}

/** Binary media the gateway accepts, keyed by file-type's mime. Everything else it knows is refused. */
const BINARY_MEDIA: Readonly<Record<string, BinaryMediaRule>> = {
  'image/png': { modality: 'image', mediaType: 'image/png', format: 'png' },
  'image/apng': { modality: 'image', mediaType: 'image/apng', format: 'apng' },
  'image/jpeg': { modality: 'image', mediaType: 'image/jpeg', format: 'jpeg' },
  'image/gif': { modality: 'image', mediaType: 'image/gif', format: 'gif' },
  'image/webp': { modality: 'image', mediaType: 'image/webp', format: 'webp' },
  'image/avif': { modality: 'image', mediaType: 'image/avif', format: 'avif' },
  'image/tiff': { modality: 'image', mediaType: 'image/tiff', format: 'tiff' },
  'image/bmp': { modality: 'image', mediaType: 'image/bmp', format: 'bmp' },

  'audio/wav': { modality: 'audio', mediaType: 'audio/wav', format: 'wav' },
  'audio/mpeg': { modality: 'audio', mediaType: 'audio/mpeg', format: 'mp3' },
  'audio/flac': { modality: 'audio', mediaType: 'audio/flac', format: 'flac' },
  'audio/ogg': { modality: 'audio', mediaType: 'audio/ogg', format: 'ogg' },
  // Opus lives in an Ogg container; `audio/ogg` is its file media type (audio/opus is RTP only).
  'audio/ogg; codecs=opus': { modality: 'audio', mediaType: 'audio/ogg', format: 'opus' },
  'audio/x-m4a': { modality: 'audio', mediaType: 'audio/mp4', format: 'm4a' },
  'audio/mp4': { modality: 'audio', mediaType: 'audio/mp4', format: 'm4a' },
  'audio/aac': { modality: 'audio', mediaType: 'audio/aac', format: 'aac' },
  'audio/aiff': { modality: 'audio', mediaType: 'audio/aiff', format: 'aiff' },

  'video/mp4': { modality: 'video', mediaType: 'video/mp4', format: 'mp4', audioAlternative: 'audio/mp4' },
  'video/x-m4v': { modality: 'video', mediaType: 'video/mp4', format: 'm4v' },
  'video/webm': {
    modality: 'video',
    mediaType: 'video/webm',
    format: 'webm',
    audioAlternative: 'audio/webm',
  },
  'video/matroska': {
    modality: 'video',
    mediaType: 'video/matroska',
    format: 'mkv',
    audioAlternative: 'audio/matroska',
  },
  'video/quicktime': { modality: 'video', mediaType: 'video/quicktime', format: 'mov' },
  'video/vnd.avi': { modality: 'video', mediaType: 'video/vnd.avi', format: 'avi' },
  'video/3gpp': { modality: 'video', mediaType: 'video/3gpp', format: '3gp', audioAlternative: 'audio/3gpp' },
  'video/3gpp2': {
    modality: 'video',
    mediaType: 'video/3gpp2',
    format: '3g2',
    audioAlternative: 'audio/3gpp2',
  },
  'video/mpeg': { modality: 'video', mediaType: 'video/mpeg', format: 'mpeg' },
  // MPEG-1 system / MPEG-2 program streams: the usual `.mpg` files.
  'video/MP1S': { modality: 'video', mediaType: 'video/mpeg', format: 'mpeg' },
  'video/MP2P': { modality: 'video', mediaType: 'video/mpeg', format: 'mpeg' },
  'video/ogg': { modality: 'video', mediaType: 'video/ogg', format: 'ogv' },
};

/** Readings of a binary signature: supported media, or a refusal naming the type. */
export function classifyMagicMatch(match: MagicMatch): ContentVerdict {
  if (match.ext === 'ebml') {
    return unsupported(match.mime, 'EBML (Matroska/WebM) signature with an unreadable header', {
      format: 'ebml',
    });
  }
  const rule = BINARY_MEDIA[match.mime];
  if (!rule) {
    return unsupported(match.mime, `${match.mime} (.${match.ext}) is not a supported input type`, {
      format: match.ext,
    });
  }
  const how = match.fallback ? 'signature (file-type could not confirm it from the sample)' : 'signature';
  const reason = `magic bytes: ${rule.format.toUpperCase()} ${how}`;
  const primary: Detection = {
    modality: rule.modality,
    mediaType: rule.mediaType,
    confidence: 1,
    reason,
    meta: { format: rule.format },
  };
  const alternatives = alternativeReadings(rule, reason);
  return recognised(primary, ...alternatives);
}

function alternativeReadings(rule: BinaryMediaRule, reason: string): Detection[] {
  const readings: Detection[] = [];
  if (rule.audioAlternative) {
    readings.push({
      modality: 'audio',
      mediaType: rule.audioAlternative,
      confidence: 1,
      reason: `${reason}, read as audio`,
      meta: { format: rule.format },
    });
  }
  // A WAV may carry a sampled recording that is not sound (DESIGN: "WAV when declared as signal").
  if (rule.mediaType === 'audio/wav') {
    readings.push({
      modality: 'signal',
      mediaType: rule.mediaType,
      confidence: 1,
      reason: `${reason}, read as a signal`,
      meta: { format: rule.format },
    });
  }
  return readings;
}

/** Documents that are refused even when they happen to be plain ASCII (PDF allows that). */
const DOCUMENT_TYPES = new Set([
  'application/pdf',
  'application/postscript',
  'application/eps',
  'application/rtf',
]);

/**
 * Whether a signature found in content that is clean UTF-8 text still decides. Usually it does
 * not: file-type matches a few printable bytes ("BM" is BMP, "MZ" an executable, "solid " ASCII
 * STL) or a text format (XML, WebVTT), and such content is read as text. Documents still decide.
 */
export function signatureOutranksText(match: MagicMatch): boolean {
  return DOCUMENT_TYPES.has(match.mime);
}
