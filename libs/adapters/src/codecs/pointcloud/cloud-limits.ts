import { AdapterError } from '../../sdk/adapter-error';
import { checkInputLimit, type InputLimits } from '../../sdk/input-limits';

/**
 * Most values one point may have: PCD's sum of COUNT, a PLY element's properties, XYZ and JSON
 * columns. PCL's widest point type (ShapeContext1980) has 1,989. Checked before any name or
 * array is made for them: a point of zero-length fields costs nothing in bytes of data.
 */
export const MAX_POINT_FIELDS = 4096;

/**
 * Most bytes the typed arrays of one decoded cloud may take. Every encoding but PCD
 * binary_compressed is bounded by its own size anyway; an LZF block may expand 88 times.
 */
export const MAX_DECODED_BYTES = 1 << 30;

/** 422 when a point would have more than MAX_POINT_FIELDS values (`what` says whose). */
export function checkPointFields(values: number, what: string): void {
  if (values > MAX_POINT_FIELDS) {
    throw new AdapterError(
      'unprocessable_input',
      `${what}: ${values} values per point, more than the ${MAX_POINT_FIELDS} a point may have`,
      { details: { fields: values, maxFields: MAX_POINT_FIELDS } },
    );
  }
}

/**
 * 413 when `points` (declared or counted) is over LIMIT_POINTS, or when their values, at
 * `bytesPerPoint`, would take more than MAX_DECODED_BYTES. Checked before anything is allocated
 * for them, and before the data is checked against the count (a count over a limit is refused as
 * such, whatever the data).
 */
export function checkCloudSize(limits: InputLimits, points: number, bytesPerPoint: number): void {
  checkInputLimit(limits, 'points', 'point count', points);
  const bytes = points * bytesPerPoint;
  if (bytes > MAX_DECODED_BYTES) {
    throw new AdapterError(
      'payload_too_large',
      `${points} points of ${bytesPerPoint} bytes decode to ${bytes} bytes, over the ${MAX_DECODED_BYTES} a point cloud may take`,
      { details: { points, bytesPerPoint, bytes, maxBytes: MAX_DECODED_BYTES } },
    );
  }
}

/** The most points of `bytesPerPoint` that `checkCloudSize` lets through. */
export function maxPoints(limits: InputLimits, bytesPerPoint: number): number {
  return Math.min(limits.points, Math.floor(MAX_DECODED_BYTES / Math.max(1, bytesPerPoint)));
}
