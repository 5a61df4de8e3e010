import { Injectable } from '@nestjs/common';
import type { Detection } from '@omnigate/contracts';
import { classifyMagicMatch, signatureOutranksText } from './binary-media';
import { allowAlso, type ContentVerdict, unsupported } from './content-verdict';
import { DetectionError } from './detection-error';
import { sniffHeaderFormat } from './header-formats';
import { refusal, resolveHints } from './hint-resolution';
import { readImageHeader } from './image-header';
import { sniffMagicBytes } from './magic-bytes';
import type { DetectionHints, ModalityDetector } from './modality-detector';
import { matchRegisteredModality } from './registered-modalities';
import { decodeTextSample, plainTextReading, sniffText } from './text-structure';
import { wideTextEncoding } from './wide-text';
import type { ModalityRegistry } from '../routing/modality-registry';
import { extended } from '../common/extended';

/**
 * Detection from the content itself: magic bytes (file-type), then ASCII headers (EDF, PLY,
 * PCD), then the structure of UTF-8 text. Hints choose among the readings the content allows.
 */
@Injectable()
export class ContentModalityDetector implements ModalityDetector {
  /** `modalities`: the registered modalities are recognised too (before plain text). */
  constructor(private readonly modalities?: ModalityRegistry) {}

  async detect(sample: Buffer, totalBytes: number, hints: DetectionHints): Promise<Detection> {
    if (sample.length === 0 || totalBytes === 0) {
      throw new DetectionError('invalid_request', 'the input is empty', { bytes: 0 });
    }
    const recognisers = this.modalities?.recognisers() ?? [];
    const registered =
      recognisers.length > 0 ? matchRegisteredModality(recognisers, sample, hints) : undefined;
    const fits = registered && (!hints.modality || hints.modality === registered.detection.modality);
    if (fits && registered.bySignature) return registered.detection;
    const verdict = await this.readContent(sample, totalBytes);
    // Declared by media type or extension only: taken when the content is nothing better.
    if (fits && (verdict.kind === 'unsupported' || isPlainTextFallback(verdict))) return registered.detection;
    if (verdict.kind === 'unsupported') {
      throw refusal(verdict.mediaType, verdict.message, hints, verdict.details);
    }
    const resembles = verdict.candidates[0].meta?.resembles;
    if (!hints.modality && typeof resembles === 'string' && resembles.startsWith('model/')) {
      throw refusal(
        resembles,
        `the content is a 3-D model (${resembles}) and no registered modality takes it (declare it as text to read it as text)`,
        hints,
      );
    }
    const detection = resolveHints(verdict.candidates, hints);
    return detection.modality === 'image' ? this.withImageHeader(detection, sample) : detection;
  }

  private async readContent(sample: Buffer, totalBytes: number): Promise<ContentVerdict> {
    const truncated = totalBytes > sample.length;
    const text = decodeTextSample(sample, truncated);
    const wide = text === undefined ? wideTextEncoding(sample) : undefined;
    if (wide) {
      return unsupported(
        'text/plain',
        `the text is ${wide} (it starts with that byte-order mark); only UTF-8 text is read: convert it to UTF-8`,
        { format: 'text', encoding: wide },
      );
    }
    const magic = await sniffMagicBytes(sample);
    if (magic && (text === undefined || signatureOutranksText(magic))) return classifyMagicMatch(magic);

    const verdict =
      sniffHeaderFormat(sample, totalBytes) ??
      (text !== undefined ? sniffText(text, totalBytes, truncated, magic) : undefined);
    if (!verdict) {
      return unsupported('application/octet-stream', 'the content is not a recognised format', {
        format: 'unknown',
      });
    }
    // Whatever its structure, UTF-8 text may always be taken as text when the caller says so.
    return text === undefined ? verdict : allowAlso(verdict, plainTextReading());
  }

  private async withImageHeader(detection: Detection, sample: Buffer): Promise<Detection> {
    const header = await readImageHeader(sample);
    return header ? extended(detection, { meta: extended(detection.meta, header) }) : detection;
  }
}

/** The last-resort reading: valid UTF-8 without a structure of its own. */
function isPlainTextFallback(verdict: ContentVerdict): boolean {
  const [first] = verdict.kind === 'recognised' ? verdict.candidates : [];
  return first?.modality === 'text' && first.reason.startsWith('valid UTF-8 text');
}
