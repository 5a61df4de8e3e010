import { positions, type PointCloud } from '../../codecs/pointcloud';
import type { Signal } from '../../codecs/signal';
import { AdapterError } from '../../sdk/adapter-error';
import { dot, isFinitePoint, offset, principalAxes } from './geometry';

/**
 * A profile along the principal axis: the finite points projected onto the largest principal
 * axis (from the centroid), binned into `bins` equal bins over their range. Channels:
 * `position` (bin centre along the axis), `count` (points in the bin) and `mean_height` (mean
 * distance along the plane normal, the smallest principal axis; 0 for an empty bin).
 */
export function profilePointCloud(cloud: PointCloud, bins: number): Signal {
  const xyz = positions(cloud);
  const pca = principalAxes(xyz);
  if (!pca) throw AdapterError.unprocessable('the point cloud has no point with finite x, y and z');
  const [axis, , normal] = pca.axes;
  const along = new Float64Array(cloud.count);
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < cloud.count; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    along[i] = dot(offset(xyz, i, pca.centroid), axis);
    low = Math.min(low, along[i]);
    high = Math.max(high, along[i]);
  }
  const width = (high - low) / bins;
  const count = new Float32Array(bins);
  const heightSum = new Float64Array(bins);
  for (let i = 0; i < cloud.count; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    const bin = width > 0 ? Math.min(bins - 1, Math.floor((along[i] - low) / width)) : 0;
    count[bin]++;
    heightSum[bin] += dot(offset(xyz, i, pca.centroid), normal);
  }
  const position = new Float32Array(bins);
  const meanHeight = new Float32Array(bins);
  for (let b = 0; b < bins; b++) {
    position[b] = low + (b + 0.5) * width;
    meanHeight[b] = count[b] > 0 ? heightSum[b] / count[b] : 0;
  }
  return {
    channels: [
      { name: 'position', values: position },
      { name: 'count', values: count },
      { name: 'mean_height', values: meanHeight },
    ],
  };
}
