import { errorMessage } from '../../sdk/error-message';
import { baseMediaType } from '../../sdk/media-type';
import { AdapterError } from '../../sdk/adapter-error';
import type { PcdEncoding } from './pcd-header';
import { readPcd } from './pcd-reader';
import { writePcd } from './pcd-writer';
import type { PointCloud } from './point-cloud';
import type { PlyEncoding } from './ply-header';
import { readPly } from './ply-reader';
import { writePly } from './ply-writer';
import { readXyz } from './xyz-reader';
import { writeXyz } from './xyz-writer';

/** The point cloud file formats the codecs read and write. */
export type PointCloudFormat = 'ply' | 'pcd' | 'xyz';

/** An encoding of some format: PLY's three, PCD's three (XYZ is always `ascii`). */
export type PointCloudEncoding = PlyEncoding | PcdEncoding;

/** Options of `encodePointCloud`. */
export interface EncodePointCloudOptions {
  /** PLY: ascii, binary_little_endian (default), binary_big_endian; PCD: ascii, binary (default), binary_compressed; XYZ: ascii. */
  encoding?: PointCloudEncoding;
}

/** The media types the gateway uses for each format. */
export const POINT_CLOUD_MEDIA_TYPES = {
  ply: 'application/x-ply',
  pcd: 'application/x-pcd',
  xyz: 'text/x-xyz',
} as const satisfies Record<PointCloudFormat, string>;

const ENCODINGS: Readonly<Record<PointCloudFormat, readonly string[]>> = {
  ply: ['binary_little_endian', 'binary_big_endian', 'ascii'],
  pcd: ['binary', 'binary_compressed', 'ascii'],
  xyz: ['ascii'],
};

const FORMAT_BY_MEDIA_TYPE: Readonly<Record<string, PointCloudFormat>> = {
  'application/x-ply': 'ply',
  'application/ply': 'ply',
  'model/x-ply': 'ply',
  'application/x-pcd': 'pcd',
  'application/pcd': 'pcd',
  'text/x-xyz': 'xyz',
  'application/x-xyz': 'xyz',
};

/** Media types that say nothing about the content, so the file name decides. */
const GENERIC_MEDIA_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'text/plain']);

/**
 * The format of a point cloud from its media type (application/x-ply, application/x-pcd,
 * text/x-xyz and a few aliases), or, for a generic media type, from the file name's extension.
 */
export function pointCloudFormatOf(mediaType: string, filename?: string): PointCloudFormat | undefined {
  const essence = baseMediaType(mediaType);
  if (Object.hasOwn(FORMAT_BY_MEDIA_TYPE, essence)) return FORMAT_BY_MEDIA_TYPE[essence];
  if (!GENERIC_MEDIA_TYPES.has(essence) || !filename) return undefined;
  const extension = /\.([a-z]+)$/i.exec(filename)?.[1].toLowerCase();
  return extension === 'ply' || extension === 'pcd' || extension === 'xyz' ? extension : undefined;
}

/** Decodes a PLY, PCD or XYZ file; bad input throws AdapterError('unprocessable_input'). */
export function decodePointCloud(data: Uint8Array, format: PointCloudFormat): PointCloud {
  const readers = { ply: readPly, pcd: readPcd, xyz: readXyz };
  const read = Object.hasOwn(readers, format) ? readers[format] : undefined;
  if (!read)
    throw new AdapterError('invalid_request', `unknown point cloud format ${JSON.stringify(format)}`);
  try {
    return read(data);
  } catch (error) {
    if (error instanceof AdapterError) throw error;
    throw AdapterError.unprocessable(
      `could not decode the ${format} point cloud: ${errorMessage(error)}`,
      error,
    );
  }
}

/** Encodes a cloud as PLY, PCD or XYZ, in the given encoding or the format's default (binary where there is one). */
export function encodePointCloud(
  cloud: PointCloud,
  format: PointCloudFormat,
  options: EncodePointCloudOptions = {},
): Buffer {
  const allowed = Object.hasOwn(ENCODINGS, format) ? ENCODINGS[format] : undefined;
  if (!allowed)
    throw new AdapterError('invalid_request', `unknown point cloud format ${JSON.stringify(format)}`);
  const encoding = options.encoding ?? allowed[0];
  if (!allowed.includes(encoding)) {
    throw new AdapterError(
      'invalid_request',
      `${format} has no ${JSON.stringify(encoding)} encoding (it has ${allowed.join(', ')})`,
    );
  }
  if (format === 'ply') return writePly(cloud, encoding as PlyEncoding);
  if (format === 'pcd') return writePcd(cloud, encoding as PcdEncoding);
  return writeXyz(cloud);
}
