import type { Detection } from '@omnigate/contracts';

/** The content a prober may look at: the sample the detector saw, and more only if it must. */
export interface ProbeSource {
  /** The first bytes (DETECTION_SAMPLE_BYTES), as given to the detector. */
  sample: Buffer;
  totalBytes: number;
  /** A local file holding the whole content, when the blob store has one (for ffprobe). */
  localPath?: string;
  /** The whole content; only for formats whose metadata is not in a prefix. */
  read(): Promise<Buffer>;
}

/** Adds per-modality metadata (`detected[].meta`) without decoding more than it needs. */
export interface MediaProber {
  probe(detection: Detection, source: ProbeSource): Promise<Detection>;
}

export const MEDIA_PROBER = Symbol('MediaProber');
