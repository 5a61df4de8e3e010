import { boundingBox, positions, type BoundingBox, type PointCloud } from '../../codecs/pointcloud';
import { dot, isFinitePoint, offset, principalAxes, type Vec3 } from './geometry';

/** What `describe` reports about a cloud. */
export interface PointCloudDescription {
  count: number;
  /** Points with finite x y z (the statistics below use only these). */
  finiteCount: number;
  fields: { name: string; type: string }[];
  organized?: { width: number; height: number };
  bounds?: BoundingBox;
  centroid?: Vec3;
  /** Principal axes, largest variance first: unit direction, variance and standard deviation. */
  principalAxes?: { axis: Vec3; variance: number; stddev: number }[];
  /** Least-squares plane through the centroid: normal (smallest principal axis), offset d in n·p + d = 0, RMS distance. */
  plane?: { normal: Vec3; d: number; rmsDistance: number };
}

export function describePointCloud(cloud: PointCloud): PointCloudDescription {
  const xyz = positions(cloud);
  const pca = principalAxes(xyz);
  const description: PointCloudDescription = {
    count: cloud.count,
    finiteCount: pca?.count ?? 0,
    fields: cloud.fields.map((field) => ({ name: field.name, type: field.type })),
  };
  if (cloud.organized) description.organized = cloud.organized;
  const bounds = boundingBox(cloud);
  if (bounds) description.bounds = bounds;
  if (!pca) return description;
  description.centroid = pca.centroid;
  description.principalAxes = pca.axes.map((axis, k) => ({
    axis,
    variance: pca.eigenvalues[k],
    stddev: Math.sqrt(pca.eigenvalues[k]),
  }));
  const normal = pca.axes[2];
  let squares = 0;
  for (let i = 0; i < cloud.count; i++) {
    if (isFinitePoint(xyz, i)) squares += dot(offset(xyz, i, pca.centroid), normal) ** 2;
  }
  description.plane = {
    normal,
    d: -dot(normal, pca.centroid),
    rmsDistance: Math.sqrt(squares / pca.count),
  };
  return description;
}

const num = (value: number): string => String(Number(value.toPrecision(6)));
const vec = (value: readonly number[]): string => `(${value.map(num).join(', ')})`;

/** The description as plain text, one fact a line. */
export function formatDescription(description: PointCloudDescription): string {
  const lines = [`points: ${description.count} (${description.finiteCount} finite)`];
  lines.push(`fields: ${description.fields.map((field) => `${field.name}:${field.type}`).join(' ')}`);
  if (description.organized) {
    lines.push(`organized: ${description.organized.width} x ${description.organized.height}`);
  }
  if (description.bounds) {
    const { min, max } = description.bounds;
    lines.push(`bounds: min ${vec(min)} max ${vec(max)} size ${vec(max.map((m, a) => m - min[a]))}`);
  }
  if (description.centroid) lines.push(`centroid: ${vec(description.centroid)}`);
  description.principalAxes?.forEach((axis, k) => {
    lines.push(`principal axis ${k + 1}: ${vec(axis.axis)} stddev ${num(axis.stddev)}`);
  });
  if (description.plane) {
    const { normal, d, rmsDistance } = description.plane;
    lines.push(`plane: normal ${vec(normal)} d ${num(d)} rms distance ${num(rmsDistance)}`);
  }
  return `${lines.join('\n')}\n`;
}
