import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { boundingBox, colors, positions, type PointCloud } from '../../codecs/pointcloud';
import { AdapterError } from '../../sdk/adapter-error';
import { isFinitePoint } from './geometry';
import { rasterize, USABLE, type Framing, type Projection } from './render';

export type UpAxis = 'x' | 'y' | 'z';

export interface TurntableSettings {
  /** Frame size in pixels. */
  width: number;
  height: number;
  pointSize: number;
  /** Frames in one full turn; frame k is seen from azimuth 360° · k / frames. */
  frames: number;
  /** Degrees above the horizontal plane the camera looks down from (negative: from below). */
  elevation: number;
  /** The axis the cloud turns about, drawn pointing up. */
  up: UpAxis;
}

/** Raw RGBA frames, one after the other, each `width × height × 4` bytes. */
export interface TurntableFrames {
  data: Buffer;
  frameBytes: number;
}

/** Two horizontal axes for each up axis, so that first × second = up (a right-handed frame). */
const HORIZONTAL_AXES: Record<UpAxis, [number, number, number]> = {
  z: [0, 1, 2],
  y: [2, 0, 1],
  x: [1, 2, 0],
};

/** The bytes the raw frames of a turntable take. */
export function turntableBytes(settings: Pick<TurntableSettings, 'width' | 'height' | 'frames'>): number {
  return settings.width * settings.height * 4 * settings.frames;
}

/**
 * An orthographic turntable: the camera circles the cloud's up axis at a fixed elevation,
 * azimuth 0 looking along the second horizontal axis (for z up: the `front` view of render).
 * The framing is the same in every frame (fitted to the widest extent any azimuth shows), so
 * the cloud turns in place instead of zooming; depth colours span the same range throughout.
 * Honours `signal` between frames, yielding to the event loop so that an abort can arrive.
 */
export async function renderTurntable(
  cloud: PointCloud,
  settings: TurntableSettings,
  signal: AbortSignal,
  onFrame: (done: number) => Promise<void>,
): Promise<TurntableFrames> {
  const { width, height, frames } = settings;
  const orbit = orbitCoordinates(cloud, settings.up);
  const elevation = (settings.elevation * Math.PI) / 180;
  const framing = orbitFraming(orbit, elevation, width, height);
  const rgb = colors(cloud);
  const frameBytes = width * height * 4;
  const data = Buffer.allocUnsafe(frameBytes * frames);
  const n = orbit.h1.length;
  const projection: Projection = {
    u: new Float64Array(n),
    v: new Float64Array(n),
    depth: new Float64Array(n),
  };
  const cosE = Math.cos(elevation);
  const sinE = Math.sin(elevation);
  for (let k = 0; k < frames; k++) {
    signal.throwIfAborted();
    const azimuth = (2 * Math.PI * k) / frames;
    const c = Math.cos(azimuth);
    const s = Math.sin(azimuth);
    for (let i = 0; i < n; i++) {
      // Towards the viewer, horizontally: (sin a, −cos a); image right: (cos a, sin a).
      const across = s * orbit.h1[i] - c * orbit.h2[i];
      projection.u[i] = c * orbit.h1[i] + s * orbit.h2[i];
      projection.v[i] = cosE * orbit.w[i] - sinE * across;
      projection.depth[i] = cosE * across + sinE * orbit.w[i];
    }
    const pixels = data.subarray(k * frameBytes, (k + 1) * frameBytes);
    rasterize(projection, rgb, framing, settings.pointSize, { pixels, width, height });
    await onFrame(k + 1);
    await yieldToEventLoop();
  }
  signal.throwIfAborted();
  return { data, frameBytes };
}

/** Each point relative to the centre of the bounding box: two horizontal coordinates and the height; NaN when not finite. */
interface OrbitCoordinates {
  h1: Float64Array;
  h2: Float64Array;
  w: Float64Array;
}

function orbitCoordinates(cloud: PointCloud, up: UpAxis): OrbitCoordinates {
  const box = boundingBox(cloud);
  const xyz = positions(cloud);
  let finite = 0;
  for (let i = 0; i < cloud.count; i++) if (isFinitePoint(xyz, i)) finite++;
  if (!box || finite === 0) {
    throw AdapterError.unprocessable('the point cloud has no point with finite x, y and z');
  }
  const center = box.min.map((m, a) => (m + box.max[a]) / 2);
  const [a1, a2, a3] = HORIZONTAL_AXES[up];
  const n = cloud.count;
  const orbit = { h1: new Float64Array(n), h2: new Float64Array(n), w: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const finitePoint = isFinitePoint(xyz, i);
    orbit.h1[i] = finitePoint ? xyz[3 * i + a1] - center[a1] : NaN;
    orbit.h2[i] = finitePoint ? xyz[3 * i + a2] - center[a2] : NaN;
    orbit.w[i] = finitePoint ? xyz[3 * i + a3] - center[a3] : NaN;
  }
  return orbit;
}

/**
 * One framing for every azimuth. A point at horizontal distance ρ from the axis and height w
 * lands within |u| ≤ ρ, |v| ≤ |w| cos e + ρ |sin e| and |depth| ≤ ρ cos e + |w| |sin e|,
 * whatever the azimuth; the bounds are reached, so the fit is tight over the whole turn.
 */
function orbitFraming(
  { h1, h2, w }: OrbitCoordinates,
  elevation: number,
  width: number,
  height: number,
): Framing {
  const cosE = Math.cos(elevation);
  const sinE = Math.abs(Math.sin(elevation));
  let maxU = 0;
  let maxV = 0;
  let maxDepth = 0;
  for (let i = 0; i < h1.length; i++) {
    if (Number.isNaN(h1[i])) continue;
    const rho = Math.hypot(h1[i], h2[i]);
    maxU = Math.max(maxU, rho);
    maxV = Math.max(maxV, Math.abs(w[i]) * cosE + rho * sinE);
    maxDepth = Math.max(maxDepth, rho * cosE + Math.abs(w[i]) * sinE);
  }
  const scale = Math.min(
    maxU > 0 ? (width * USABLE) / (2 * maxU) : Infinity,
    maxV > 0 ? (height * USABLE) / (2 * maxV) : Infinity,
  );
  return {
    centerU: 0,
    centerV: 0,
    scale: Number.isFinite(scale) ? scale : 1,
    depthMin: -maxDepth,
    depthMax: maxDepth,
  };
}
