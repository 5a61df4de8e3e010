import { createField, FIELD_TYPES, findField, positions, type PointCloud } from '../../codecs/pointcloud';
import { isFinitePoint } from './geometry';

/** An axis-aligned box, both corners inclusive. */
export interface CropBox {
  min: [number, number, number];
  max: [number, number, number];
}

/** A new cloud of the points at `indices`, every field kept (the grid of an organized cloud is not). */
export function selectPoints(cloud: PointCloud, indices: ArrayLike<number>): PointCloud {
  const count = indices.length;
  const fields = cloud.fields.map((field) => {
    const out = createField(field.name, field.type, count, field.component);
    for (let i = 0; i < count; i++) out.values[i] = field.values[indices[i]];
    return out;
  });
  const result: PointCloud = { count, fields };
  if (cloud.viewpoint) result.viewpoint = cloud.viewpoint;
  return result;
}

/** The points with finite x y z inside the box (inclusive), in their order. */
export function cropCloud(cloud: PointCloud, box: CropBox): PointCloud {
  const xyz = positions(cloud);
  const kept = new Uint32Array(cloud.count);
  let count = 0;
  for (let i = 0; i < cloud.count; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    let inside = true;
    for (let a = 0; a < 3 && inside; a++) {
      const value = xyz[3 * i + a];
      inside = value >= box.min[a] && value <= box.max[a];
    }
    if (inside) kept[count++] = i;
  }
  return selectPoints(cloud, kept.subarray(0, count));
}

/** One point in `step`, from the first: what a drawing of fewer points keeps. */
export function everyNthPoint(cloud: PointCloud, step: number): PointCloud {
  const indices = new Uint32Array(Math.ceil(cloud.count / step));
  for (let k = 0; k < indices.length; k++) indices[k] = k * step;
  return selectPoints(cloud, indices);
}

/**
 * Voxel-grid downsampling: one point per occupied cube of side `size` (cubes aligned to the
 * finite points' minimum corner). The point's x y z are the centroid of the voxel's points;
 * every other field comes from the voxel's first point. Voxels keep the order of their first
 * points, so the result is deterministic. Non-finite points are dropped. The voxels are found
 * with a hash table of typed arrays (at most 4 bytes a slot, 4/3 slots a point), not a Map of
 * string keys, which takes ~100 bytes a point and fails past 2^24 voxels.
 */
export function voxelCloud(cloud: PointCloud, size: number): PointCloud {
  const xyz = positions(cloud);
  const origin = [Infinity, Infinity, Infinity];
  let finite = 0;
  for (let i = 0; i < cloud.count; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    finite++;
    for (let a = 0; a < 3; a++) origin[a] = Math.min(origin[a], xyz[3 * i + a]);
  }
  const cell = (i: number, a: number) => Math.floor((xyz[3 * i + a] - origin[a]) / size);
  // Linear probing in a power-of-two table at most 3/4 full; a slot holds 1 + its voxel's index.
  const mask = 2 ** Math.ceil(Math.log2(finite / 0.75 + 1)) - 1;
  const table = new Uint32Array(mask + 1);
  const firsts = new Uint32Array(finite);
  /** The voxel of each point, −1 for a non-finite one. */
  const voxelOf = new Int32Array(cloud.count).fill(-1);
  let voxels = 0;
  for (let i = 0; i < cloud.count; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    const cx = cell(i, 0);
    const cy = cell(i, 1);
    const cz = cell(i, 2);
    for (let slot = cellHash(cx, cy, cz) & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot];
      if (entry === 0) {
        firsts[voxels] = i;
        table[slot] = ++voxels;
        voxelOf[i] = voxels - 1;
        break;
      }
      const first = firsts[entry - 1];
      if (cell(first, 0) === cx && cell(first, 1) === cy && cell(first, 2) === cz) {
        voxelOf[i] = entry - 1;
        break;
      }
    }
  }
  const result = selectPoints(cloud, firsts.subarray(0, voxels));
  const members = new Uint32Array(voxels);
  for (let i = 0; i < cloud.count; i++) if (voxelOf[i] >= 0) members[voxelOf[i]]++;
  // The centroid from the fields' own values (float64 stays float64), rounded for integer fields.
  for (const name of ['x', 'y', 'z']) {
    const source = findField(cloud, name);
    const target = findField(result, name);
    if (!source || !target) continue;
    const integer = FIELD_TYPES[source.type].integer;
    const sums = new Float64Array(voxels);
    for (let i = 0; i < cloud.count; i++) if (voxelOf[i] >= 0) sums[voxelOf[i]] += source.values[i];
    for (let k = 0; k < voxels; k++) {
      const mean = sums[k] / members[k];
      target.values[k] = integer ? Math.round(mean) : mean;
    }
  }
  return result;
}

/**
 * A 32-bit hash of a voxel's three cell numbers (whole numbers, possibly past 2^32, or
 * infinite for a vanishing voxel size): low and high words mixed, so that wrapping here only
 * spreads keys, and equality is always checked on the numbers themselves.
 */
function cellHash(cx: number, cy: number, cz: number): number {
  const hash = mixHash(mixHash(mixHash(0x811c9dc5, cx), cy), cz);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function mixHash(hash: number, value: number): number {
  return Math.imul(Math.imul(hash ^ (value | 0), 0x01000193) ^ ((value / 0x100000000) | 0), 0x01000193);
}
