import { errorMessage } from '../../sdk/error-message';
import { baseMediaType } from '../../sdk/media-type';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { readJsonPointCloud } from './json-reader';
import { writeJsonPointCloud } from './json-writer';
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
export type PointCloudFormat = 'ply' | 'pcd' | 'xyz' | 'json';

/** An encoding of some format: PLY's three, PCD's three (XYZ and JSON are always `ascii`). */
export type PointCloudEncoding = PlyEncoding | PcdEncoding;

/** Options of `encodePointCloud`. */
export interface EncodePointCloudOptions {
  /** PLY: ascii, binary_little_endian (default), binary_big_endian; PCD: ascii, binary (default), binary_compressed; XYZ, JSON: ascii. */
  encoding?: PointCloudEncoding;
}

/**
 * The media types the gateway uses for each format. JSON point clouds are plain
 * `application/json`, which JSON signals share: see `pointCloudFormatOf`.
 */
export const POINT_CLOUD_MEDIA_TYPES = {
  ply: 'application/x-ply',
  pcd: 'application/x-pcd',
  xyz: 'text/x-xyz',
  json: 'application/json',
} as const satisfies Record<PointCloudFormat, string>;

const ENCODINGS: Readonly<Record<PointCloudFormat, readonly string[]>> = {
  ply: ['binary_little_endian', 'binary_big_endian', 'ascii'],
  pcd: ['binary', 'binary_compressed', 'ascii'],
  xyz: ['ascii'],
  json: ['ascii'],
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

/** What `pointCloudFormatOf` may go on besides the media type. */
export interface PointCloudFormatHints {
  /** The file name, whose extension decides when the media type is generic. */
  filename?: string;
  /**
   * The content is already known to be a point cloud (a detection said so). Only then do JSON
   * media types (application/json, text/json, any +json) and a `.json` extension name the
   * `json` format: JSON signals use them too, so on their own they say nothing about modality.
   */
  knownPointCloud?: boolean;
}

/** application/json, text/json and structured-syntax `+json` types. */
function isJsonMediaType(essence: string): boolean {
  return essence === 'application/json' || essence === 'text/json' || essence.endsWith('+json');
}

/**
 * The format of a point cloud from its media type (application/x-ply, application/x-pcd,
 * text/x-xyz and a few aliases), or, for a generic media type, from the file name's extension.
 * JSON media types give `json` only with `knownPointCloud` (see `PointCloudFormatHints`): the
 * gateway's prober passes it for a detection whose modality is already pointcloud. A string as
 * the second argument is the file name.
 */
export function pointCloudFormatOf(
  mediaType: string,
  hints: string | PointCloudFormatHints = {},
): PointCloudFormat | undefined {
  const { filename, knownPointCloud = false } = typeof hints === 'string' ? { filename: hints } : hints;
  const essence = baseMediaType(mediaType);
  if (Object.hasOwn(FORMAT_BY_MEDIA_TYPE, essence)) return FORMAT_BY_MEDIA_TYPE[essence];
  if (knownPointCloud && isJsonMediaType(essence)) return 'json';
  if (!GENERIC_MEDIA_TYPES.has(essence) || !filename) return undefined;
  const extension = /\.([a-z]+)$/i.exec(filename)?.[1].toLowerCase();
  if (extension === 'json') return knownPointCloud ? 'json' : undefined;
  return extension === 'ply' || extension === 'pcd' || extension === 'xyz' ? extension : undefined;
}

/**
 * Decodes a PLY, PCD, XYZ or JSON file. Bad input throws AdapterError('unprocessable_input'); a
 * cloud over `limits` (LIMIT_POINTS) or MAX_DECODED_BYTES, declared or counted, throws
 * `payload_too_large` before anything is allocated for it.
 */
export function decodePointCloud(
  data: Uint8Array,
  format: PointCloudFormat,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): PointCloud {
  const readers = { ply: readPly, pcd: readPcd, xyz: readXyz, json: readJsonPointCloud };
  const read = Object.hasOwn(readers, format) ? readers[format] : undefined;
  if (!read)
    throw new AdapterError('invalid_request', `unknown point cloud format ${JSON.stringify(format)}`);
  try {
    return read(data, limits);
  } catch (error) {
    if (error instanceof AdapterError) throw error;
    throw AdapterError.unprocessable(
      `could not decode the ${format} point cloud: ${errorMessage(error)}`,
      error,
    );
  }
}

/** Encodes a cloud as PLY, PCD, XYZ or JSON (the rows form), in the given encoding or the format's default (binary where there is one). */
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
  if (format === 'json') return writeJsonPointCloud(cloud);
  return writeXyz(cloud);
}
