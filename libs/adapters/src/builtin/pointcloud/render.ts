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

const BACKGROUND_PIXEL = Buffer.from([24, 24, 24, 255]);
/**
 * Pixels a render or turntable draws at most (points × frames × pointSize²): a few seconds of
 * drawing. A 20-million-point turntable of 60 frames would otherwise draw for minutes, into
 * frames of a quarter of a million pixels.
 */
export const MAX_PIXEL_DRAWS = 200_000_000;

/** Every how many points one is drawn so that `frames` frames stay within MAX_PIXEL_DRAWS (1: all). */
export function drawingStep(points: number, frames: number, pointSize: number): number {
  return Math.max(1, Math.ceil((points * frames * pointSize ** 2) / MAX_PIXEL_DRAWS));
}

/** The share of the image the cloud may fill: a 5% margin on every side. */
export const USABLE = 1 - 2 * 0.05;

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

/** View coordinates of each point: u right, v up, depth towards the viewer; NaN for a non-finite point. */
export interface Projection {
  u: Float64Array;
  v: Float64Array;
  depth: Float64Array;
}

/** Where view coordinates land in the image, and the depth range the colour ramp spans. */
export interface Framing {
  centerU: number;
  centerV: number;
  /** Pixels per unit. */
  scale: number;
  depthMin: number;
  depthMax: number;
}

/** The image a projection is drawn into: raw RGBA, `width × height × 4` bytes. */
export interface RasterTarget {
  pixels: Buffer;
  width: number;
  height: number;
}

/** The finite points seen along an orthonormal basis (image right, image up, towards the viewer). */
function project(xyz: Float32Array, [right, up, toward]: [Vec3, Vec3, Vec3]): Projection {
  const n = xyz.length / 3;
  const origin: Vec3 = [0, 0, 0];
  const projection = { u: new Float64Array(n), v: new Float64Array(n), depth: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    if (!isFinitePoint(xyz, i)) {
      projection.u[i] = projection.v[i] = projection.depth[i] = NaN;
      continue;
    }
    const p = offset(xyz, i, origin);
    projection.u[i] = dot(p, right);
    projection.v[i] = dot(p, up);
    projection.depth[i] = dot(p, toward);
  }
  return projection;
}

/** The projection fitted into the image with a 5% margin, aspect ratio kept. */
function fitFraming({ u, v, depth }: Projection, width: number, height: number): Framing {
  const range = { u: [Infinity, -Infinity], v: [Infinity, -Infinity], d: [Infinity, -Infinity] };
  for (let i = 0; i < u.length; i++) {
    if (Number.isNaN(u[i])) continue;
    range.u = [Math.min(range.u[0], u[i]), Math.max(range.u[1], u[i])];
    range.v = [Math.min(range.v[0], v[i]), Math.max(range.v[1], v[i])];
    range.d = [Math.min(range.d[0], depth[i]), Math.max(range.d[1], depth[i])];
  }
  const spanU = range.u[1] - range.u[0];
  const spanV = range.v[1] - range.v[0];
  const scale = Math.min(
    spanU > 0 ? (width * USABLE) / spanU : Infinity,
    spanV > 0 ? (height * USABLE) / spanV : Infinity,
  );
  return {
    centerU: (range.u[0] + range.u[1]) / 2,
    centerV: (range.v[0] + range.v[1]) / 2,
    scale: Number.isFinite(scale) ? scale : 1,
    depthMin: range.d[0],
    depthMax: range.d[1],
  };
}

/**
 * Z-buffered drawing of a projection into a raw RGBA image (overwritten, background first):
 * each point a square of `pointSize` pixels coloured by `rgb` when given, else by depth.
 */
export function rasterize(
  { u, v, depth }: Projection,
  rgb: Uint8Array | undefined,
  framing: Framing,
  pointSize: number,
  { pixels, width, height }: RasterTarget,
): void {
  pixels.fill(BACKGROUND_PIXEL, 0, width * height * 4);
  const zbuffer = new Float64Array(width * height).fill(-Infinity);
  const { centerU, centerV, scale: s, depthMin } = framing;
  const spanD = framing.depthMax - depthMin;
  const half = Math.floor((pointSize - 1) / 2);
  for (let i = 0; i < u.length; i++) {
    if (Number.isNaN(u[i])) continue;
    const column = Math.floor(width / 2 + (u[i] - centerU) * s);
    const row = Math.floor(height / 2 - (v[i] - centerV) * s);
    const color = rgb
      ? [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]]
      : depthColor(spanD > 0 ? (depth[i] - depthMin) / spanD : 1);
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
}

/**
 * Orthographic, z-buffered rendering of the finite points to PNG: the cloud fitted into the
 * image with a 5% margin (aspect ratio kept), each point a square of `pointSize` pixels
 * coloured by its RGB fields when the cloud has them, else by depth.
 */
export async function renderPointCloud(cloud: PointCloud, settings: RenderSettings): Promise<Buffer> {
  const { width, height, pointSize } = settings;
  const xyz = positions(cloud);
  const projection = project(xyz, viewBasis(settings.view, xyz));
  const pixels = Buffer.alloc(width * height * 4);
  rasterize(projection, colors(cloud), fitFraming(projection, width, height), pointSize, {
    pixels,
    width,
    height,
  });
  return sharp(pixels, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}
