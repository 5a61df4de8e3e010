import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { SignalData } from './signal-data';
import { viewWindow } from './view-window';

/** Channel colours, distinct in light and dark themes. */
const PALETTE = [
  '#0172ad',
  '#d93526',
  '#2a9d4b',
  '#9b59b6',
  '#e67e22',
  '#16a085',
  '#c0392b',
  '#7f8c8d',
  '#b7950b',
  '#2c3e50',
  '#e84393',
  '#00a3a3',
];

const HEIGHT = 300;

/** The plot's height: a lane of at least 36 px per channel when stacked. */
const heightOf = (channels: number, stacked: boolean) =>
  stacked ? Math.min(640, Math.max(HEIGHT, channels * 36)) : HEIGHT;

/**
 * The range of channel `i`'s own scale that puts its data (dmin..dmax) in lane `i` of `n`, counted
 * from the top, with a margin: every channel readable whatever its unit and amplitude.
 */
function laneRange(i: number, n: number, dmin: number, dmax: number): [number, number] {
  const span = dmax - dmin || Math.abs(dmax) || 1;
  const lane = span / 0.8;
  const min = dmin - 0.1 * lane - (n - 1 - i) * lane;
  return [min, min + n * lane];
}

function formatSeconds(v: number): string {
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 1 ? String(+v.toFixed(2)) : String(+v.toPrecision(3));
}

/**
 * A multi-channel plot with a time axis (uPlot, loaded when first needed): drag across it to
 * zoom, double-click (or Reset zoom) to see all of it, a checkbox per channel. Only what the
 * window needs is drawn: at most two points per pixel column whatever the signal's length.
 */
export function SignalPlot({ data, name }: { data: SignalData; name: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const [shown, setShown] = useState(() => data.channels.map(() => true));
  const [failed, setFailed] = useState<string>();
  const [view, setView] = useState<{ min: number; max: number }>();
  const units = [...new Set(data.channels.map((c) => c.unit).filter(Boolean))];
  // Many channels, or channels in different units, read best one under the other.
  const [stacked, setStacked] = useState(data.channels.length > 3 || units.length > 1);
  const lastView = useRef<{ min: number; max: number } | undefined>(undefined);

  useEffect(() => {
    let live = true;
    let observer: ResizeObserver | undefined;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')])
      .then(([{ default: UPlot }]) => {
        const el = box.current;
        if (!live || !el) return;
        const full = { min: data.x[0], max: data.x[data.x.length - 1] };
        let updating = false;
        const buckets = (u: uPlot) => Math.max(50, Math.round(u.bbox.width / devicePixelRatio));
        /**
         * Draws the window min..max of the signal at the plot's resolution: the window's points,
         * then the x scale set to it (which redraws, and fits the y axis to what it shows).
         */
        const show = (u: uPlot, min: number, max: number) => {
          updating = true;
          try {
            u.setData(viewWindow(data, min, max, buckets(u)) as uPlot.AlignedData, false);
            u.setScale('x', { min, max });
            setView({ min, max });
            lastView.current = { min, max };
          } finally {
            updating = false;
          }
        };
        const width = Math.max(200, el.clientWidth);
        const n = data.channels.length;
        const height = heightOf(n, stacked);
        const scales: uPlot.Scales = { x: { time: data.absoluteTime, auto: false } };
        if (stacked) {
          scales.lanes = { auto: false, range: [0, n] };
          data.channels.forEach((_c, i) => {
            scales[`c${i}`] = { range: (_u, dmin, dmax) => laneRange(i, n, dmin, dmax) };
          });
        }
        const opts: uPlot.Options = {
          width,
          height,
          scales,
          legend: { show: false },
          cursor: {
            drag: { x: true, y: false, setScale: true },
            bind: {
              // Our own reset: uPlot's would fit the x axis to the window's points, not the whole signal.
              dblclick: () => () => {
                if (plot.current) show(plot.current, full.min, full.max);
                return null;
              },
            },
          },
          axes: [
            {
              label: data.xLabel,
              ...(data.absoluteTime ? {} : { values: (_u, splits) => splits.map(formatSeconds) }),
            },
            stacked
              ? {
                  scale: 'lanes',
                  size: 110,
                  grid: { show: false },
                  splits: () => data.channels.map((_c, i) => n - 1 - i + 0.5),
                  values: () =>
                    data.channels.map((c) => (c.name.length > 14 ? `${c.name.slice(0, 13)}…` : c.name)),
                }
              : { label: units.length === 1 ? units[0] : undefined, size: 60 },
          ],
          series: [
            { label: data.xLabel },
            ...data.channels.map((c, i) => ({
              label: c.name,
              scale: stacked ? `c${i}` : 'y',
              stroke: PALETTE[i % PALETTE.length],
              width: 1,
              points: { show: false },
            })),
          ],
          hooks: {
            setScale: [
              (u, key) => {
                if (key !== 'x' || updating) return;
                const { min, max } = u.scales.x;
                // After uPlot's own update (a drag's zoom): new points for the new window.
                if (min !== undefined && max !== undefined) queueMicrotask(() => live && show(u, min, max));
              },
            ],
          },
        };
        const u = new UPlot(opts, [[], ...data.channels.map(() => [])] as uPlot.AlignedData, el);
        plot.current = u;
        const start = lastView.current ?? full;
        show(u, start.min, start.max);
        observer = new ResizeObserver(() => {
          const w = Math.max(200, el.clientWidth);
          if (Math.abs(w - u.width) < 2) return;
          u.setSize({ width: w, height });
          const { min, max } = u.scales.x;
          show(u, min ?? full.min, max ?? full.max);
        });
        observer.observe(el);
      })
      .catch((err: unknown) => live && setFailed((err as Error).message));
    return () => {
      live = false;
      observer?.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [data, stacked]);

  const toggle = (i: number, on: boolean) => {
    setShown((s) => s.map((v, j) => (j === i ? on : v)));
    plot.current?.setSeries(i + 1, { show: on });
  };
  const zoom = (factor: number) => {
    const u = plot.current;
    if (!u) return;
    const { min = data.x[0], max = data.x[data.x.length - 1] } = u.scales.x;
    const mid = (min + max) / 2;
    const half = ((max - min) / 2) * factor;
    u.setScale('x', {
      min: Math.max(data.x[0], mid - half),
      max: Math.min(data.x[data.x.length - 1], mid + half),
    });
  };
  const total = data.x.length ? data.x[data.x.length - 1] - data.x[0] : 0;
  return (
    <div class="signal-view">
      <p class="signal-facts">
        <small>
          {data.channels.length} channel{data.channels.length === 1 ? '' : 's'} ·{' '}
          {data.samples.toLocaleString()} samples
          {data.sampleRateHz ? ` · ${+data.sampleRateHz.toFixed(3)} Hz` : ''}
          {data.xLabel === 'time (s)' && !data.absoluteTime ? ` · ${formatSeconds(total)} s` : ''}
          {data.decimation > 1 ? ` · long file: min/max of every ${data.decimation} samples kept` : ''}
          {' · drag to zoom, double-click to reset'}
        </small>
      </p>
      {failed && <p class="media-note">The plot did not load: {failed}</p>}
      <div ref={box} class="signal-plot" role="img" aria-label={`Plot of ${name}`} />
      <div class="media-tools">
        {view && (
          <small role="status" class="signal-window">
            {data.absoluteTime
              ? `${new Date(view.min * 1000).toISOString()} – ${new Date(view.max * 1000).toISOString()}`
              : `${formatSeconds(view.min)} – ${formatSeconds(view.max)}${data.xLabel === 'time (s)' ? ' s' : ''}`}
          </small>
        )}
        <button type="button" class="outline secondary small" onClick={() => zoom(0.5)}>
          Zoom in
        </button>
        <button type="button" class="outline secondary small" onClick={() => zoom(2)}>
          Zoom out
        </button>
        <button type="button" class="outline secondary small" onClick={() => plot.current && zoom(Infinity)}>
          Reset zoom
        </button>
        <label class="inline">
          <input
            type="checkbox"
            role="switch"
            checked={stacked}
            onChange={(e) => setStacked(e.currentTarget.checked)}
          />
          Stack channels
        </label>
      </div>
      <fieldset class="channel-toggles">
        <legend>Channels</legend>
        {data.channels.map((c, i) => (
          <label key={c.name + i}>
            <input type="checkbox" checked={shown[i]} onChange={(e) => toggle(i, e.currentTarget.checked)} />
            <span class="swatch" style={{ background: PALETTE[i % PALETTE.length] }} aria-hidden="true" />
            {c.name}
          </label>
        ))}
      </fieldset>
    </div>
  );
}
