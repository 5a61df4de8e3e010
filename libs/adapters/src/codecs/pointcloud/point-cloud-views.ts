import { AdapterError } from '../../sdk/adapter-error';
import { FIELD_TYPES, findField, isPackedColorField, type PointCloud, type PointField } from './point-cloud';

/** Axis-aligned bounds of a cloud's finite points. */
export interface BoundingBox {
  min: [number, number, number];
  max: [number, number, number];
}

function coordinates(cloud: PointCloud): [PointField, PointField, PointField] {
  const axes = (['x', 'y', 'z'] as const).map((name) => findField(cloud, name));
  const [x, y, z] = axes;
  if (!x || !y || !z) {
    const missing = ['x', 'y', 'z'].filter((_name, i) => !axes[i]);
    throw AdapterError.unprocessable(`the point cloud has no ${missing.join(', ')} field`);
  }
  return [x, y, z];
}

/** Positions as interleaved x y z (3 × count), converted to float32 whatever the fields' types. */
export function positions(cloud: PointCloud): Float32Array {
  const [x, y, z] = coordinates(cloud);
  const out = new Float32Array(cloud.count * 3);
  for (let i = 0; i < cloud.count; i++) {
    out[3 * i] = x.values[i];
    out[3 * i + 1] = y.values[i];
    out[3 * i + 2] = z.values[i];
  }
  return out;
}

/**
 * Colours as interleaved 8-bit r g b (3 × count), from `red`/`green`/`blue` fields (PLY; also
 * `r`/`g`/`b`) or a packed PCL `rgb`/`rgba` field (0xAARRGGBB in a float32 or uint32);
 * undefined when the cloud has neither. Wider channels are scaled: 16-bit by 1/257, floats in
 * 0..1 by 255 (floats above 1 are taken as 0..255); values are clamped to 0..255.
 */
export function colors(cloud: PointCloud): Uint8Array | undefined {
  const channels = [
    ['red', 'green', 'blue'],
    ['r', 'g', 'b'],
  ]
    .map((names) => names.map((name) => findField(cloud, name)))
    .find((found): found is PointField[] => found.every((field) => field !== undefined));
  if (channels) {
    const out = new Uint8Array(cloud.count * 3);
    channels.forEach((field, c) => {
      const scale = channelScale(field);
      for (let i = 0; i < cloud.count; i++) out[3 * i + c] = clampByte(field.values[i] * scale);
    });
    return out;
  }
  const packed = cloud.fields.find(isPackedColorField);
  if (!packed) return undefined;
  const { buffer, byteOffset, length } = packed.values;
  // A float32 `rgb` is read by its bit pattern, never by its (often NaN) float value.
  const bits = new Uint32Array(buffer, byteOffset, length);
  const out = new Uint8Array(cloud.count * 3);
  for (let i = 0; i < cloud.count; i++) {
    out[3 * i] = (bits[i] >>> 16) & 0xff;
    out[3 * i + 1] = (bits[i] >>> 8) & 0xff;
    out[3 * i + 2] = bits[i] & 0xff;
  }
  return out;
}

function channelScale(field: PointField): number {
  if (FIELD_TYPES[field.type].integer) return field.type === 'uint16' ? 1 / 257 : 1;
  for (const value of field.values) if (value > 1) return 1;
  return 255;
}

function clampByte(value: number): number {
  return value > 255 ? 255 : value > 0 ? Math.round(value) : 0;
}

/** Bounds of the points whose x, y and z are all finite (NaN points of organized clouds are skipped); undefined if none is. */
export function boundingBox(cloud: PointCloud): BoundingBox | undefined {
  const [x, y, z] = coordinates(cloud);
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  let found = false;
  for (let i = 0; i < cloud.count; i++) {
    const px = x.values[i];
    const py = y.values[i];
    const pz = z.values[i];
    if (!(Number.isFinite(px) && Number.isFinite(py) && Number.isFinite(pz))) continue;
    found = true;
    min[0] = Math.min(min[0], px);
    min[1] = Math.min(min[1], py);
    min[2] = Math.min(min[2], pz);
    max[0] = Math.max(max[0], px);
    max[1] = Math.max(max[1], py);
    max[2] = Math.max(max[2], pz);
  }
  return found ? { min, max } : undefined;
}
