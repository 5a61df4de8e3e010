import type { Detection } from '@omnigate/contracts';

/** What the caller said about an input; detection checks it against the content. */
export interface DetectionHints {
  /** Declared media type (e.g. from Content-Type or the input's `mediaType`). */
  mediaType?: string;
  filename?: string;
  /** Declared modality: wins over detection when the content allows it. */
  modality?: string;
}

/** Works out the modality and media type of one input from its first bytes. */
export interface ModalityDetector {
  /** `sample` is a bounded prefix of the content (up to SAMPLE_BYTES=64 KiB); `totalBytes` the full size. */
  detect(sample: Buffer, totalBytes: number, hints: DetectionHints): Promise<Detection>;
}

/** Injection token for the active `ModalityDetector`. */
export const MODALITY_DETECTOR = Symbol('ModalityDetector');

/** How many leading bytes of an input a detector is given. */
export const DETECTION_SAMPLE_BYTES = 64 * 1024;
