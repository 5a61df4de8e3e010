import type { Detection, ModalityDefinition } from '@omnigate/contracts';
import type { RegisteredModality } from '../routing/modality-registry';
import { mediaTypeEssence } from './media-types';
import type { DetectionHints } from './modality-detector';

/**
 * A registered modality that recognises the content: by its own signature (magic bytes or
 * pattern), else, weaker, by what the caller declared (media type or file extension).
 */
export function matchRegisteredModality(
  modalities: readonly RegisteredModality[],
  sample: Buffer,
  hints: DetectionHints,
): { detection: Detection; bySignature: boolean } | undefined {
  for (const modality of modalities) {
    const { definition } = modality;
    const signature = signatureMatch(modality, sample);
    if (signature) {
      return {
        detection: reading(definition, hints, 0.9, `${definition.name} ${signature}`),
        bySignature: true,
      };
    }
  }
  const declaredType = hints.mediaType ? mediaTypeEssence(hints.mediaType) : undefined;
  const extension = hints.filename?.split('.').pop()?.toLowerCase();
  for (const { definition } of modalities) {
    if (declaredType && definition.mediaTypes.includes(declaredType)) {
      return { detection: reading(definition, hints, 0.7, `declared ${declaredType}`), bySignature: false };
    }
    if (extension && hints.filename!.includes('.') && definition.extensions.includes(extension)) {
      return {
        detection: reading(definition, hints, 0.6, `file extension .${extension}`),
        bySignature: false,
      };
    }
  }
  return undefined;
}

function signatureMatch({ definition, pattern }: RegisteredModality, sample: Buffer): string | undefined {
  for (const { offset, hex } of definition.magic) {
    const bytes = Buffer.from(hex, 'hex');
    if (
      sample.length >= offset + bytes.length &&
      sample.subarray(offset, offset + bytes.length).equals(bytes)
    ) {
      return `magic bytes at ${offset}`;
    }
  }
  if (pattern?.test(sample)) return 'header pattern';
  return undefined;
}

function reading(
  definition: ModalityDefinition,
  hints: DetectionHints,
  confidence: number,
  reason: string,
): Detection {
  const declared = hints.mediaType ? mediaTypeEssence(hints.mediaType) : undefined;
  const mediaType =
    declared && definition.mediaTypes.includes(declared)
      ? declared
      : (definition.mediaType ?? definition.mediaTypes[0]);
  return { modality: definition.name, mediaType, confidence, reason: `registered modality: ${reason}` };
}
