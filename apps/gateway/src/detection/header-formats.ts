import type { Detection } from '@omnigate/contracts';
import { type ContentVerdict, recognised } from './content-verdict';
import { readEdfHeader } from './edf-header';
import { EDF_MEDIA_TYPE, POINT_CLOUD_MEDIA_TYPES } from './media-types';
import { readPcdHeader, readPlyHeader, type PointCloudHeader } from './point-cloud-header';

/** Header-checked formats rank just under magic bytes: their ASCII headers are validated field by field. */
const HEADER_CONFIDENCE = 0.95;

/**
 * Formats recognised by an ASCII header that may be followed by binary data (EDF, PLY, PCD),
 * so they are read before (and regardless of) the UTF-8 check.
 */
export function sniffHeaderFormat(sample: Buffer): ContentVerdict | undefined {
  const edf = readEdfHeader(sample);
  if (edf) {
    const { format, ...meta } = edf;
    return recognised({
      modality: 'signal',
      mediaType: EDF_MEDIA_TYPE,
      confidence: HEADER_CONFIDENCE,
      reason: `${format.toUpperCase()} header with ${edf.channels} signal${edf.channels === 1 ? '' : 's'}`,
      meta: { format, ...meta },
    });
  }
  const cloud = readPlyHeader(sample) ?? readPcdHeader(sample);
  return cloud ? recognised(pointCloud(cloud)) : undefined;
}

function pointCloud(header: PointCloudHeader): Detection {
  const { format, ...meta } = header;
  return {
    modality: 'pointcloud',
    mediaType: POINT_CLOUD_MEDIA_TYPES[format],
    confidence: HEADER_CONFIDENCE,
    reason: `${format.toUpperCase()} header (${header.encoding})`,
    meta: { format, ...meta },
  };
}
