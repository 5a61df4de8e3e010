import type { Detection } from '@omnigate/contracts';
import { type ContentVerdict, recognised } from './content-verdict';
import { EDF_MEDIA_TYPE, POINT_CLOUD_MEDIA_TYPES } from './media-types';
import { probePointCloud, probeSignal, type PointCloudProbe, type SignalProbe } from '@omnigate/adapters';

/** Header-checked formats rank just under magic bytes: their ASCII headers are validated field by field. */
const HEADER_CONFIDENCE = 0.95;

/**
 * Formats recognised by an ASCII header that may be followed by binary data (EDF, PLY, PCD),
 * so they are read before (and regardless of) the UTF-8 check.
 */
export function sniffHeaderFormat(sample: Buffer): ContentVerdict | undefined {
  const edf = readEdfHeader(sample);
  if (edf) {
    return recognised({
      modality: 'signal',
      mediaType: EDF_MEDIA_TYPE,
      confidence: HEADER_CONFIDENCE,
      reason: `EDF header with ${edf.channels.length} signal${edf.channels.length === 1 ? '' : 's'}`,
      meta: { ...edf },
    });
  }
  const cloud = readPointCloudHeader(sample, 'ply') ?? readPointCloudHeader(sample, 'pcd');
  return cloud ? recognised(pointCloud(cloud)) : undefined;
}

/** The codec's EDF header reader, as a yes/no test (an EDF header starts with version "0" and spaces). */
function readEdfHeader(sample: Buffer): SignalProbe | undefined {
  if (sample.length < 256 || sample.toString('latin1', 0, 8) !== '0       ') return undefined;
  try {
    return probeSignal(sample, Number.MAX_SAFE_INTEGER, 'edf');
  } catch {
    return undefined;
  }
}

/** The codec's header reader, as a yes/no test: whether the data fits is the prober's question. */
function readPointCloudHeader(sample: Buffer, format: 'ply' | 'pcd'): PointCloudProbe | undefined {
  const magic = format === 'ply' ? /^ply\r?\n/ : /^(#[^\n]*\n|\s*\n)*\s*VERSION\b/;
  if (!magic.test(sample.subarray(0, 512).toString('latin1'))) return undefined;
  try {
    return probePointCloud(sample, Number.MAX_SAFE_INTEGER, format);
  } catch {
    return undefined;
  }
}

function pointCloud(header: PointCloudProbe): Detection {
  const { format, ...meta } = header;
  return {
    modality: 'pointcloud',
    mediaType: POINT_CLOUD_MEDIA_TYPES[format],
    confidence: HEADER_CONFIDENCE,
    reason: `${format.toUpperCase()} header (${header.encoding})`,
    meta: { format, ...meta },
  };
}
