import type { Detection } from '@omnigate/contracts';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import type { MediaProber, ProbeSource } from './media-prober';
import { ContentMediaProber } from './probe/content-media-prober';

/** ffprobe runs are child processes: this many at once per gateway process, the rest wait. */
const MAX_PARALLEL_FFPROBE = 4;

/**
 * The prober for every modality: sharp, ffprobe and byte counts for image, audio, video and text
 * (ContentMediaProber), the codecs' header readers for signals and point clouds.
 */
export function createMediaProber(config: AppConfig, logger: Logger): MediaProber {
  const content = new ContentMediaProber({ ...config.probe });
  logger.info(
    { ffprobe: content.ffprobePath ?? null },
    content.ffprobePath
      ? 'audio and video are probed with ffprobe'
      : 'no ffprobe: audio and video metadata from headers only',
  );
  const limit = pLimit(MAX_PARALLEL_FFPROBE);

  const probeAv = (detection: Detection, source: ProbeSource) =>
    limit(() => content.probe(detection, source));

  return {
    async probe(detection, source) {
      switch (detection.modality) {
        case 'audio':
          return probeAv(detection, source);
        case 'video': {
          const probed = await probeAv(detection, source);
          // An MP4 or WebM holding only sound is audio, whatever its container suggested.
          if (probed.meta?.probe === 'failed' && String(probed.meta.reason).startsWith('no video stream')) {
            return probeAv(
              {
                ...detection,
                modality: 'audio',
                mediaType: detection.mediaType.replace(/^video\//, 'audio/'),
                reason: `${detection.reason}; sound only`,
              },
              source,
            );
          }
          return probed;
        }
        default:
          return content.probe(detection, source);
      }
    },
  };
}
