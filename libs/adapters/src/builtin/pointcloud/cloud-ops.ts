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
  const kept: number[] = [];
  for (let i = 0; i < cloud.count; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    let inside = true;
    for (let a = 0; a < 3 && inside; a++) {
      const value = xyz[3 * i + a];
      inside = value >= box.min[a] && value <= box.max[a];
    }
    if (inside) kept.push(i);
  }
  return selectPoints(cloud, kept);
}

/**
 * Voxel-grid downsampling: one point per occupied cube of side `size` (cubes aligned to the
 * finite points' minimum corner). The point's x y z are the centroid of the voxel's points;
 * every other field comes from the voxel's first point. Voxels keep the order of their first
 * points, so the result is deterministic. Non-finite points are dropped.
 */
export function voxelCloud(cloud: PointCloud, size: number): PointCloud {
  const xyz = positions(cloud);
  const origin = [Infinity, Infinity, Infinity];
  for (let i = 0; i < cloud.count; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    for (let a = 0; a < 3; a++) origin[a] = Math.min(origin[a], xyz[3 * i + a]);
  }
  const slots = new Map<string, number>();
  const firsts: number[] = [];
  const sizes: number[] = [];
  /** The voxel of each point, −1 for a non-finite one. */
  const voxelOf = new Int32Array(cloud.count).fill(-1);
  for (let i = 0; i < cloud.count; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    const key = [0, 1, 2].map((a) => Math.floor((xyz[3 * i + a] - origin[a]) / size)).join(',');
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = firsts.length;
      slots.set(key, slot);
      firsts.push(i);
      sizes.push(0);
    }
    sizes[slot]++;
    voxelOf[i] = slot;
  }
  const result = selectPoints(cloud, firsts);
  // The centroid from the fields' own values (float64 stays float64), rounded for integer fields.
  for (const name of ['x', 'y', 'z']) {
    const source = findField(cloud, name);
    const target = findField(result, name);
    if (!source || !target) continue;
    const integer = FIELD_TYPES[source.type].integer;
    const sums = new Float64Array(firsts.length);
    for (let i = 0; i < cloud.count; i++) if (voxelOf[i] >= 0) sums[voxelOf[i]] += source.values[i];
    for (let k = 0; k < firsts.length; k++) {
      const mean = sums[k] / sizes[k];
      target.values[k] = integer ? Math.round(mean) : mean;
    }
  }
  return result;
}
