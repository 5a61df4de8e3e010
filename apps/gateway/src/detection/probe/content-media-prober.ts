import type { Detection } from '@omnigate/contracts';
import type { MediaProber, ProbeSource } from '../media-prober';
import { AvProbe } from './av-probe';
import { resolveFfprobe } from './ffprobe-binary';
import { probeImage } from './image-probe';
import { probeText } from './text-probe';
import { extended } from '../../common/extended';

export type ContentMediaProberOptions = {
  /** ffprobe to run; default FFPROBE_PATH, else `ffprobe` on PATH, else header-only probing. */
  ffprobePath?: string;
  /** How long one ffprobe run may take before it is killed and the probe reported failed. */
  timeoutMs: number;
  /** Where FFPROBE_PATH and PATH are looked up; default `process.env`. */
  env?: NodeJS.ProcessEnv;
};

/**
 * Fills `meta` of a detection from the content: sharp for images, ffprobe for audio and video,
 * byte counts for text. Signals and point clouds are probed by their codecs, and any other
 * modality is left as detected. Bad content never throws: it comes back as
 * `meta.probe: 'failed'` with a `reason`. Failing storage (`source.read()`) does throw.
 */
export class ContentMediaProber implements MediaProber {
  /** The ffprobe in use, or undefined when audio and video are read from headers only. */
  readonly ffprobePath: string | undefined;
  private readonly av: AvProbe;

  constructor(options: ContentMediaProberOptions) {
    this.ffprobePath = resolveFfprobe(options.ffprobePath, options.env ?? process.env);
    this.av = new AvProbe(this.ffprobePath, options.timeoutMs);
  }

  async probe(detection: Detection, source: ProbeSource): Promise<Detection> {
    switch (detection.modality) {
      case 'image': {
        const meta = await probeImage(source);
        // The detector's format name stands (it says `apng` where libvips says `png`).
        const format = typeof detection.meta?.format === 'string' ? detection.meta.format : undefined;
        return withMeta(detection, format && 'format' in meta ? { ...meta, format } : meta);
      }
      case 'audio':
      case 'video':
        return withMeta(detection, await this.av.probe(detection.modality, source));
      case 'text':
        return withMeta(detection, await probeText(source));
      default:
        return detection;
    }
  }
}

function withMeta(detection: Detection, meta: Record<string, unknown>): Detection {
  return extended(detection, { meta: extended(detection.meta, meta) });
}
