import type { Detection } from '@omnigate/contracts';
import { DetectionError } from './detection-error';
import { mediaFamily, mediaTypeEssence, TEXT_MEDIA_TYPES } from './media-types';
import type { DetectionHints } from './modality-detector';
import { extended } from '../common/extended';

/** Extensions that say "sound only" for containers that may also hold video. */
const AUDIO_EXTENSIONS = new Set([
  'm4a',
  'm4b',
  'aac',
  'weba',
  'mka',
  'oga',
  'opus',
  '3ga',
  'wav',
  'mp3',
  'flac',
]);
const MARKDOWN_EXTENSIONS = new Set(['md', 'markdown']);
/** Declared types that carry no information about the content. */
const UNINFORMATIVE_TYPES = new Set(['application/octet-stream', 'binary/octet-stream']);

/**
 * Picks the reading of the content the caller's hints point to. A declared modality must be
 * one the content allows; otherwise a declared media family (or audio file extension) breaks
 * ties between readings, and the content's default reading stands.
 */
export function resolveHints(
  candidates: readonly [Detection, ...Detection[]],
  hints: DetectionHints,
): Detection {
  const chosen = chooseReading(candidates, hints);
  return noteDeclaredMediaType(refineTextMediaType(chosen, hints), hints);
}

/** The refusal of content no modality accepts, naming the declared modality when there was one. */
export function refusal(
  mediaType: string,
  message: string,
  hints: DetectionHints,
  details: Record<string, unknown> = {},
): DetectionError {
  if (!hints.modality) return new DetectionError('unsupported_media', message, { mediaType, ...details });
  return new DetectionError('unsupported_media', `declared ${hints.modality}, but ${message}`, {
    declared: hints.modality,
    detected: mediaType,
    mediaType,
    ...details,
  });
}

function chooseReading(candidates: readonly [Detection, ...Detection[]], hints: DetectionHints): Detection {
  const [first] = candidates;
  if (hints.modality) {
    const declared = candidates.find((candidate) => candidate.modality === hints.modality);
    if (declared) return declared;
    throw new DetectionError(
      'unsupported_media',
      `declared ${hints.modality}, but the content is ${first.modality} (${first.mediaType})`,
      {
        declared: hints.modality,
        detected: first.modality,
        mediaType: first.mediaType,
        allowed: candidates.map((candidate) => candidate.modality),
      },
    );
  }
  const family = declaredFamily(hints);
  return candidates.find((candidate) => family !== undefined && candidate.modality === family) ?? first;
}

function declaredFamily(hints: DetectionHints): string | undefined {
  const fromType = hints.mediaType ? mediaFamily(hints.mediaType) : undefined;
  if (fromType) return fromType;
  return AUDIO_EXTENSIONS.has(extensionOf(hints.filename)) ? 'audio' : undefined;
}

/** Plain text takes a declared `text/*` type (Markdown, HTML, ...) or `.md` from the file name. */
function refineTextMediaType(detection: Detection, hints: DetectionHints): Detection {
  if (detection.modality !== 'text' || detection.mediaType !== TEXT_MEDIA_TYPES.plain) return detection;
  const declared = hints.mediaType ? mediaTypeEssence(hints.mediaType) : '';
  if (declared.startsWith('text/')) return { ...detection, mediaType: declared };
  if (MARKDOWN_EXTENSIONS.has(extensionOf(hints.filename))) {
    return { ...detection, mediaType: TEXT_MEDIA_TYPES.markdown };
  }
  return detection;
}

/**
 * Content wins over a declared media type; a declared image/audio/video type that disagrees
 * with the content's family is kept in `meta.declaredMediaType` so callers can warn about it.
 */
function noteDeclaredMediaType(detection: Detection, hints: DetectionHints): Detection {
  if (!hints.mediaType) return detection;
  const declared = mediaTypeEssence(hints.mediaType);
  if (UNINFORMATIVE_TYPES.has(declared)) return detection;
  const declaredKind = mediaFamily(declared);
  const detectedKind = mediaFamily(detection.mediaType);
  if (declaredKind === detectedKind) return detection;
  if (declaredKind === undefined && detectedKind === undefined) return detection;
  return extended(detection, { meta: extended(detection.meta, { declaredMediaType: declared }) });
}

function extensionOf(filename: string | undefined): string {
  const dot = filename?.lastIndexOf('.') ?? -1;
  return filename && dot >= 0 ? filename.slice(dot + 1).toLowerCase() : '';
}
