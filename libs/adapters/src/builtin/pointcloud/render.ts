import sharp from 'sharp';
import { colors, positions, type PointCloud } from '../../codecs/pointcloud';
import { dot, isFinitePoint, offset, principalAxes, type Vec3 } from './geometry';

export type RenderView = 'top' | 'front' | 'side' | 'pca';

export interface RenderSettings {
  width: number;
  height: number;
  view: RenderView;
  pointSize: number;
}

const BACKGROUND = [24, 24, 24, 255] as const;
const MARGIN = 0.05;

/**
 * Image right, image up and towards-the-viewer directions of each view. top: looking down
 * the z axis (x right, y up); front: looking along +y (x right, z up); side: looking along −x
 * (y right, z up); pca: the first two principal axes across, the third towards the viewer.
 */
function viewBasis(view: RenderView, xyz: Float32Array): [Vec3, Vec3, Vec3] {
  switch (view) {
    case 'top':
      return [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ];
    case 'front':
      return [
        [1, 0, 0],
        [0, 0, 1],
        [0, -1, 0],
      ];
    case 'side':
      return [
        [0, 1, 0],
        [0, 0, 1],
        [1, 0, 0],
      ];
    case 'pca': {
      const pca = principalAxes(xyz);
      if (!pca) return viewBasis('top', xyz);
      const [u, v] = pca.axes;
      // u × v, so the basis is right-handed and the image is not mirrored.
      const w: Vec3 = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
      return [u, v, w];
    }
  }
}

/** A colour ramp from blue (far) through green to yellow (near), t in 0..1. */
function depthColor(t: number): [number, number, number] {
  const c = Math.min(1, Math.max(0, t));
  return [Math.round(255 * Math.min(1, 2 * c) * c), Math.round(80 + 175 * c), Math.round(255 * (1 - c))];
}

/**
 * Orthographic, z-buffered rendering of the finite points to PNG: the cloud fitted into the
 * image with a 5% margin (aspect ratio kept), each point a square of `pointSize` pixels
 * coloured by its RGB fields when the cloud has them, else by depth.
 */
export async function renderPointCloud(cloud: PointCloud, settings: RenderSettings): Promise<Buffer> {
  const { width, height, pointSize } = settings;
  const xyz = positions(cloud);
  const rgb = colors(cloud);
  const [right, up, toward] = viewBasis(settings.view, xyz);
  const origin: Vec3 = [0, 0, 0];
  const n = cloud.count;
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  const depth = new Float64Array(n);
  const range = { u: [Infinity, -Infinity], v: [Infinity, -Infinity], d: [Infinity, -Infinity] };
  for (let i = 0; i < n; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    const p = offset(xyz, i, origin);
    u[i] = dot(p, right);
    v[i] = dot(p, up);
    depth[i] = dot(p, toward);
    range.u = [Math.min(range.u[0], u[i]), Math.max(range.u[1], u[i])];
    range.v = [Math.min(range.v[0], v[i]), Math.max(range.v[1], v[i])];
    range.d = [Math.min(range.d[0], depth[i]), Math.max(range.d[1], depth[i])];
  }
  const pixels = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) pixels.set(BACKGROUND, 4 * i);
  const zbuffer = new Float64Array(width * height).fill(-Infinity);
  const spanU = range.u[1] - range.u[0];
  const spanV = range.v[1] - range.v[0];
  const spanD = range.d[1] - range.d[0];
  const usable = 1 - 2 * MARGIN;
  const scale = Math.min(
    spanU > 0 ? (width * usable) / spanU : Infinity,
    spanV > 0 ? (height * usable) / spanV : Infinity,
  );
  const s = Number.isFinite(scale) ? scale : 1;
  const centerU = (range.u[0] + range.u[1]) / 2;
  const centerV = (range.v[0] + range.v[1]) / 2;
  const half = Math.floor((pointSize - 1) / 2);
  for (let i = 0; i < n; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    const column = Math.floor(width / 2 + (u[i] - centerU) * s);
    const row = Math.floor(height / 2 - (v[i] - centerV) * s);
    const color = rgb
      ? [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]]
      : depthColor(spanD > 0 ? (depth[i] - range.d[0]) / spanD : 1);
    for (let dy = -half; dy < pointSize - half; dy++) {
      const y = row + dy;
      if (y < 0 || y >= height) continue;
      for (let dx = -half; dx < pointSize - half; dx++) {
        const x = column + dx;
        if (x < 0 || x >= width) continue;
        const at = y * width + x;
        if (depth[i] <= zbuffer[at]) continue;
        zbuffer[at] = depth[i];
        pixels[4 * at] = color[0];
        pixels[4 * at + 1] = color[1];
        pixels[4 * at + 2] = color[2];
        pixels[4 * at + 3] = 255;
      }
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}
