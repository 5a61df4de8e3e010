import { errorMessage } from '../../sdk/error-message';
import { AdapterError } from '../../sdk/adapter-error';
import { probeJsonPointCloud } from './json-probe';
import { LZF_MAX_EXPANSION } from './lzf';
import { parsePcdHeader, pcdFieldNames, pcdPointSize, type PcdHeader } from './pcd-header';
import { FIELD_TYPES } from './point-cloud';
import type { PointCloudFormat } from './point-cloud-codec';
import { parsePlyHeader, type PlyHeader } from './ply-header';
import { tokensCanFit } from './text-tokens';
import { readXyz } from './xyz-reader';
import { estimatePoints, fileSize, type FileSize } from './file-size';

/**
 * The formats with a media type of their own (PLY, PCD, XYZ). JSON point clouds share
 * application/json with JSON signals, so code that maps a probe's format to a media type of
 * its own (the gateway's header sniffing) deals in these.
 */
export type DedicatedPointCloudFormat = Exclude<PointCloudFormat, 'json'>;

/**
 * What a point cloud's header says, read without decoding the points. `F` narrows `format`;
 * `PointCloudProbe` alone is the probe of a PLY, PCD or XYZ file, `PointCloudProbe<'json'>` of
 * a JSON one, `PointCloudProbe<PointCloudFormat>` of any.
 */
export interface PointCloudProbe<F extends PointCloudFormat = DedicatedPointCloudFormat> {
  format: F;
  /** ascii, binary_little_endian, binary_big_endian (PLY); ascii, binary, binary_compressed (PCD); ascii (XYZ, JSON). */
  encoding: string;
  points: number;
  /** XYZ and JSON only: `points` was extrapolated from the sample, which is not the whole file. */
  pointsEstimated?: boolean;
  /** Field names as `decodePointCloud` will name them. */
  fields: string[];
  /** PLY: the count of the `face` element, when there is one. */
  faces?: number;
  /** PCD WIDTH/HEIGHT; PLY only for an organized cloud. */
  width?: number;
  height?: number;
}

/**
 * Reads the header in `sample` (the first bytes of a file of `totalBytes`; 64 KiB is plenty)
 * and checks that the data it announces can fit in `totalBytes`, so that a header claiming
 * billions of points over a few bytes is refused here. Bad input throws
 * AdapterError('unprocessable_input'). The bounding box needs the points: decode for that.
 * XYZ and JSON have no header: the sample is read (see `probeJsonPointCloud` for JSON).
 * `totalBytes` of Number.MAX_SAFE_INTEGER (or anything not a finite size) means unknown: the
 * header's numbers are reported as they are (LIMIT_POINTS is the caller's to check) and an
 * estimate is the points the sample shows. The work is bounded by the sample and the header's
 * size, never by its numbers: a point of more than MAX_POINT_FIELDS values is refused.
 */
export function probePointCloud<F extends PointCloudFormat>(
  sample: Uint8Array,
  totalBytes: number,
  format: F,
): PointCloudProbe<F>;
export function probePointCloud(
  sample: Uint8Array,
  totalBytes: number,
  format: PointCloudFormat,
): PointCloudProbe<PointCloudFormat> {
  const size = fileSize(sample, totalBytes);
  try {
    if (format === 'ply') return probePly(parsePlyHeader(sample), size.bytes);
    if (format === 'pcd') return probePcd(parsePcdHeader(sample), sample, size.bytes);
    if (format === 'xyz') return probeXyz(sample, size);
    if (format === 'json') return probeJsonPointCloud(sample, size);
  } catch (error) {
    if (error instanceof AdapterError) throw error;
    throw AdapterError.unprocessable(`could not read the ${format} header: ${errorMessage(error)}`, error);
  }
  throw new AdapterError('invalid_request', `unknown point cloud format ${JSON.stringify(format)}`);
}

const tooSmall = (format: string, what: string, totalBytes: number) =>
  AdapterError.unprocessable(`${format}: ${what}, more than the ${totalBytes} bytes of the file hold`);

function probePly(header: PlyHeader, totalBytes: number): PointCloudProbe<'ply'> {
  const vertex = header.elements.find((element) => element.name === 'vertex');
  if (!vertex) throw AdapterError.unprocessable('PLY: there is no vertex element');
  const available = totalBytes - header.dataOffset;
  if (header.encoding === 'ascii') {
    const tokens = header.elements.reduce(
      (sum, element) => sum + element.count * element.properties.length,
      0,
    );
    if (!tokensCanFit(tokens, available))
      throw tooSmall('PLY', `the header announces ${tokens} values`, totalBytes);
  } else {
    const bytes = header.elements.reduce(
      (sum, element) =>
        sum +
        element.count *
          element.properties.reduce(
            (size, property) =>
              size + FIELD_TYPES[property.list ? property.list.countType : property.type].bytes,
            0,
          ),
      0,
    );
    if (bytes > available)
      throw tooSmall('PLY', `the header announces at least ${bytes} bytes of data`, totalBytes);
  }
  const faces = header.elements.find((element) => element.name === 'face')?.count;
  return {
    format: 'ply',
    encoding: header.encoding,
    points: vertex.count,
    fields: vertex.properties.filter((property) => !property.list).map((property) => property.name),
    ...(faces !== undefined && { faces }),
    ...(header.grid && { width: header.grid.width, height: header.grid.height }),
  };
}

function probePcd(header: PcdHeader, sample: Uint8Array, totalBytes: number): PointCloudProbe<'pcd'> {
  const available = totalBytes - header.dataOffset;
  const expected = header.points * pcdPointSize(header);
  if (header.encoding === 'binary' && expected > available) {
    throw tooSmall('PCD', `${header.points} points need ${expected} bytes of data`, totalBytes);
  }
  if (header.encoding === 'ascii') {
    const values = header.points * header.fields.reduce((sum, field) => sum + field.count, 0);
    if (!tokensCanFit(values, available))
      throw tooSmall('PCD', `${header.points} points need ${values} values`, totalBytes);
  }
  if (header.encoding === 'binary_compressed' && expected > 0) {
    if (available < 8) throw tooSmall('PCD', 'the compressed block needs its two size words', totalBytes);
    if (sample.length >= header.dataOffset + 8) {
      const view = new DataView(sample.buffer, sample.byteOffset + header.dataOffset, 8);
      const compressed = view.getUint32(0, true);
      const uncompressed = view.getUint32(4, true);
      if (uncompressed !== expected) {
        throw AdapterError.unprocessable(
          `PCD: the compressed block says it holds ${uncompressed} bytes, but ${header.points} points need ${expected}`,
        );
      }
      if (compressed > available - 8)
        throw tooSmall('PCD', `the compressed block says ${compressed} bytes`, totalBytes);
      if (uncompressed > compressed * LZF_MAX_EXPANSION) {
        throw AdapterError.unprocessable(
          `PCD: ${compressed} compressed bytes cannot expand to ${uncompressed}`,
        );
      }
    } else if (expected > available * LZF_MAX_EXPANSION) {
      throw tooSmall('PCD', `${header.points} points need ${expected} bytes even compressed`, totalBytes);
    }
  }
  return {
    format: 'pcd',
    encoding: header.encoding,
    points: header.points,
    fields: header.fields.flatMap(pcdFieldNames),
    width: header.width,
    height: header.height,
  };
}

/** XYZ has no header: the sample's whole lines are decoded, and the count scaled up to the file. */
function probeXyz(sample: Uint8Array, size: FileSize): PointCloudProbe<'xyz'> {
  const whole = sample.length >= size.bytes;
  const end = whole ? sample.length : sample.lastIndexOf(0x0a) + 1;
  if (end <= 0) throw AdapterError.unprocessable('XYZ: no whole line in the sample');
  const cloud = readXyz(sample.subarray(0, end));
  const points = whole ? cloud.count : estimatePoints(cloud.count, end, size);
  return {
    format: 'xyz',
    encoding: 'ascii',
    points,
    ...(!whole && { pointsEstimated: true }),
    fields: cloud.fields.map((field) => field.name),
    ...(cloud.organized && { width: cloud.organized.width, height: cloud.organized.height }),
  };
}
