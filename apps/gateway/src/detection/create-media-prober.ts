import {
  AdapterError,
  boundingBox,
  decodePointCloud,
  pointCloudFormatOf,
  probePointCloud,
  probeSignal,
  signalFormatOf,
} from '@omnigate/adapters';
import type { Detection } from '@omnigate/contracts';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import type { MediaProber, ProbeSource } from './media-prober';
import { ContentMediaProber } from './probe/content-media-prober';
import { extended } from '../common/extended';

/** ffprobe runs are child processes: this many at once per gateway process, the rest wait. */
const MAX_PARALLEL_FFPROBE = 4;
/**
 * A point cloud's bounding box needs every point, decoded on the event loop that serves HTTP:
 * only up to this size (an ASCII PCD of 1 MiB decodes in about 20 ms; 8 MiB took 130-260 ms,
 * a stall every other request would share).
 */
const BOUNDING_BOX_MAX_BYTES = 1024 * 1024;

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
        case 'signal':
          return withMeta(detection, probeSignalMeta(detection, source));
        case 'pointcloud':
          return withMeta(detection, await probePointCloudMeta(detection, source));
        default:
          return content.probe(detection, source);
      }
    },
  };
}

function withMeta(detection: Detection, meta: Record<string, unknown>): Detection {
  return extended(detection, { meta: extended(detection.meta, meta) });
}

/**
 * Bad content is reported in meta, as ContentMediaProber does; content over a limit throws the
 * codec's 413 (naming the variable), and anything else is a bug and throws.
 */
function failed(err: unknown): Record<string, unknown> {
  if (err instanceof AdapterError && err.code !== 'payload_too_large')
    return { probe: 'failed', reason: err.message };
  throw err;
}

/** Channels, rate, samples and duration from the header (EDF, WAV) or the sample (CSV, JSON). */
function probeSignalMeta(detection: Detection, source: ProbeSource): Record<string, unknown> {
  const format = signalFormatOf(detection.mediaType);
  if (!format) return { probe: 'failed', reason: `no signal reader for ${detection.mediaType}` };
  try {
    return { ...probeSignal(source.sample, source.totalBytes, format) };
  } catch (err) {
    return failed(err);
  }
}

/** Format, encoding, points and fields from the header; the bounding box when the cloud is small. */
async function probePointCloudMeta(
  detection: Detection,
  source: ProbeSource,
): Promise<Record<string, unknown>> {
  const format = pointCloudFormatOf(detection.mediaType, { knownPointCloud: true });
  if (!format) return { probe: 'failed', reason: `no point cloud reader for ${detection.mediaType}` };
  try {
    const header = probePointCloud(source.sample, source.totalBytes, format);
    if (source.totalBytes > BOUNDING_BOX_MAX_BYTES) return { ...header };
    const box = boundingBox(decodePointCloud(await source.read(), format));
    return { ...header, ...(box ? { boundingBox: box } : {}) };
  } catch (err) {
    return failed(err);
  }
}
