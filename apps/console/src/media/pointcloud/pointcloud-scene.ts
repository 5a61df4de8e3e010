import {
  BufferGeometry,
  Color,
  Float32BufferAttribute,
  PerspectiveCamera,
  Points,
  PointsMaterial,
  Scene,
  SRGBColorSpace,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { PCDLoader } from 'three/examples/jsm/loaders/PCDLoader.js';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { XYZLoader } from 'three/examples/jsm/loaders/XYZLoader.js';

/** The formats the viewer reads (three.js loaders; PCD ascii, binary and binary_compressed). */
export type CloudFormat = 'pcd' | 'ply' | 'xyz';

/** How the points are coloured: their own colours, else their intensity, else their height. */
export type Colouring = 'rgb' | 'intensity' | 'height';

/** The axis that points up: PCL and lidar clouds are z-up, meshes and scans often y-up. */
export type UpAxis = 'y' | 'z';

/** A cloud on a canvas, with orbit (drag), zoom (wheel), pan (right drag, arrows) controls. */
export interface CloudViewer {
  points: number;
  colouring: Colouring;
  /** Puts the camera back where it started, looking at the whole cloud. */
  resetView(): void;
  /** Turns the cloud so that `axis` points up, and colours by height along it when it has no colours. */
  setUp(axis: UpAxis): void;
  /** Frees the GPU's buffers and the WebGL context (browsers keep only a few alive). */
  dispose(): void;
}

/** The canvas's clear colour: dark, so that light and coloured points stand out in either theme. */
export const BACKGROUND = 0x10151c;

/** PCL's `rgba` field is `rgb` with alpha in the top byte: renamed so PCDLoader reads its colours. */
function pcdWithRgb(bytes: ArrayBuffer): ArrayBuffer {
  const head = new TextDecoder('latin1').decode(new Uint8Array(bytes, 0, Math.min(bytes.byteLength, 4096)));
  const fields = head.match(/^FIELDS[^\n]*/m);
  if (!fields || !/\brgba\b/.test(fields[0])) return bytes;
  const renamed = fields[0].replace(/\brgba\b/, 'rgb ');
  const out = new Uint8Array(bytes.slice(0));
  const at = fields.index ?? 0;
  for (let i = 0; i < renamed.length; i++) out[at + i] = renamed.charCodeAt(i);
  return out.buffer;
}

function geometryOf(bytes: ArrayBuffer, format: CloudFormat): BufferGeometry {
  switch (format) {
    case 'pcd':
      return new PCDLoader().parse(pcdWithRgb(bytes)).geometry;
    case 'ply': {
      const g = new PLYLoader().parse(bytes);
      g.setIndex(null); // faces, when a mesh: only its vertices are drawn
      return g;
    }
    case 'xyz':
      // three's XYZLoader returns the geometry (its typings still describe an older callback form).
      return new XYZLoader().parse(new TextDecoder().decode(bytes), () => undefined) as BufferGeometry;
  }
}

/** Blue (low) to red (high) through green: a ramp that reads on the dark background. */
function ramp(values: ArrayLike<number>, count: number): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo || 1;
  const colours = new Float32Array(count * 3);
  const c = new Color();
  for (let i = 0; i < count; i++) {
    const t = Number.isFinite(values[i]) ? (values[i] - lo) / span : 0;
    c.setHSL(0.66 * (1 - t), 0.9, 0.55, SRGBColorSpace);
    colours.set([c.r, c.g, c.b], i * 3);
  }
  return colours;
}

/**
 * Parses `bytes` as a point cloud and draws it on `canvas`, the camera fitted to its bounds;
 * redraws only when the view changes (no animation loop).
 */
export function openCloud(
  canvas: HTMLCanvasElement,
  bytes: ArrayBuffer,
  format: CloudFormat,
  up: UpAxis,
): CloudViewer {
  const geometry = geometryOf(bytes, format);
  const position = geometry.getAttribute('position');
  if (!position || position.count === 0) {
    geometry.dispose();
    throw new Error('the file holds no points');
  }
  const count = position.count;
  geometry.computeBoundingBox();
  const centre = geometry.boundingBox!.getCenter(new Vector3());
  geometry.translate(-centre.x, -centre.y, -centre.z);
  geometry.computeBoundingSphere();
  const radius = geometry.boundingSphere!.radius || 1;
  const intensity = geometry.getAttribute('intensity');
  const colouring: Colouring = geometry.getAttribute('color') ? 'rgb' : intensity ? 'intensity' : 'height';
  if (colouring === 'intensity')
    geometry.setAttribute('color', new Float32BufferAttribute(ramp(intensity.array, count), 3));

  const renderer = new WebGLRenderer({ canvas, antialias: true });
  renderer.setPixelRatio(devicePixelRatio);
  renderer.outputColorSpace = SRGBColorSpace;
  renderer.setClearColor(BACKGROUND);
  const material = new PointsMaterial({
    size: count < 5_000 ? 3 : count < 200_000 ? 2 : 1.5,
    sizeAttenuation: false,
    vertexColors: true,
  });
  const cloud = new Points(geometry, material);
  const scene = new Scene();
  scene.add(cloud);
  const camera = new PerspectiveCamera(50, 1, radius / 1000, radius * 100);
  const controls = new OrbitControls(camera, canvas);
  controls.listenToKeyEvents(canvas);
  const render = () => renderer.render(scene, camera);
  controls.addEventListener('change', render);

  const fitSize = () => {
    const w = canvas.clientWidth || 300;
    const h = canvas.clientHeight || 300;
    renderer.setSize(w, h, false);
    camera.aspect = w / h;
    camera.updateProjectionMatrix();
    render();
  };
  const resetView = () => {
    // The narrower of the two fields of view decides (a phone's canvas is taller than wide).
    const vertical = (camera.fov * Math.PI) / 180;
    const horizontal = 2 * Math.atan(Math.tan(vertical / 2) * camera.aspect);
    const distance = (radius / Math.sin(Math.min(vertical, horizontal) / 2)) * 1.05;
    camera.position.copy(new Vector3(1, 0.6, 1.2).normalize().multiplyScalar(distance));
    camera.up.set(0, 1, 0);
    controls.target.set(0, 0, 0);
    controls.update();
    render();
  };
  const setUp = (axis: UpAxis) => {
    cloud.rotation.set(axis === 'z' ? -Math.PI / 2 : 0, 0, 0);
    if (colouring === 'height') {
      const heights = new Float32Array(count);
      for (let i = 0; i < count; i++) heights[i] = axis === 'z' ? position.getZ(i) : position.getY(i);
      geometry.setAttribute('color', new Float32BufferAttribute(ramp(heights, count), 3));
    }
    render();
  };
  const observer = new ResizeObserver(fitSize);
  observer.observe(canvas);
  setUp(up);
  fitSize();
  resetView();
  return {
    points: count,
    colouring,
    resetView,
    setUp,
    dispose: () => {
      observer.disconnect();
      controls.dispose();
      geometry.dispose();
      material.dispose();
      renderer.dispose();
      renderer.forceContextLoss();
    },
  };
}
