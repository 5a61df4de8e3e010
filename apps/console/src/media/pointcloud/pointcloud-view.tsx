import { useEffect, useRef, useState } from 'preact/hooks';
import type { RendererProps } from '../media-view';
import type { CloudFormat, CloudViewer, UpAxis } from './pointcloud-scene';

/** Larger clouds are not drawn (parsing runs on the page's thread); they can be downloaded. */
const MAX_CLOUD_BYTES = 256 << 20;

function formatOf(mediaType: string, name: string): CloudFormat | undefined {
  const type = mediaType.toLowerCase();
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (type.includes('pcd') || ext === 'pcd') return 'pcd';
  if (type.includes('ply') || ext === 'ply') return 'ply';
  if (type.includes('xyz') || ext === 'xyz') return 'xyz';
  return undefined;
}

/**
 * A point cloud (PCD incl. binary_compressed, PLY, XYZ) in an interactive 3-D view (three.js,
 * loaded when first needed): drag to orbit, wheel to zoom, right-drag or arrow keys to pan;
 * coloured by the points' own colours, else their intensity, else their height. The WebGL
 * context is given back when the view goes.
 */
export function PointCloudView({ blob, mediaType, name }: RendererProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const viewer = useRef<CloudViewer | undefined>(undefined);
  const format = formatOf(mediaType, name);
  const [up, setUp] = useState<UpAxis>(format === 'pcd' ? 'z' : 'y');
  const [info, setInfo] = useState<{ points: number; colouring: string }>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live = true;
    setInfo(undefined);
    setError(undefined);
    if (!format) {
      setError(`${mediaType} is not a point cloud format the viewer reads (PCD, PLY, XYZ)`);
      return;
    }
    if (blob.size > MAX_CLOUD_BYTES) {
      setError(`the file is over ${MAX_CLOUD_BYTES >> 20} MB: too large to draw here`);
      return;
    }
    void Promise.all([import('./pointcloud-scene'), blob.arrayBuffer()])
      .then(([{ openCloud }, bytes]) => {
        if (!live || !canvas.current) return;
        const v = openCloud(canvas.current, bytes, format, up);
        viewer.current = v;
        setInfo({ points: v.points, colouring: v.colouring });
      })
      .catch((err: unknown) => live && setError((err as Error).message || String(err)));
    return () => {
      live = false;
      viewer.current?.dispose();
      viewer.current = undefined;
    };
    // The up axis is applied below without re-parsing.
  }, [blob, format, mediaType]);

  const changeUp = (axis: UpAxis) => {
    setUp(axis);
    viewer.current?.setUp(axis);
  };
  return (
    <div class="pointcloud-view">
      {error ? (
        <p class="media-note">Not drawn: {error}.</p>
      ) : (
        <p class="signal-facts">
          <small>
            {info
              ? `${info.points.toLocaleString()} points · coloured by ${info.colouring} · drag to orbit, wheel to zoom, right-drag or arrow keys to pan`
              : 'Loading the 3-D viewer…'}
          </small>
        </p>
      )}
      <canvas
        ref={canvas}
        class="cloud-canvas"
        hidden={!!error}
        tabIndex={0}
        role="img"
        aria-label={`3-D view of ${name}${info ? `, ${info.points} points` : ''}`}
      />
      {!error && (
        <div class="media-tools">
          <button type="button" class="outline secondary small" onClick={() => viewer.current?.resetView()}>
            Reset view
          </button>
          <label class="inline">
            Up axis
            <select value={up} onChange={(e) => changeUp(e.currentTarget.value as UpAxis)}>
              <option value="y">y</option>
              <option value="z">z</option>
            </select>
          </label>
        </div>
      )}
    </div>
  );
}
