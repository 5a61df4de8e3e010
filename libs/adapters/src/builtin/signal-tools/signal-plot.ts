import { channelSampleRate, type Signal } from '../../codecs/signal';
import { finiteRange } from './signal-dsp';

/** Line colours, one per channel in turn (Tableau 10). */
const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

const MARGIN = { left: 64, right: 16, top: 12, bottom: 40 };
/** Space between lanes, and the least height of a lane: room for its name. */
const LANE_GAP = 6;
const MIN_LANE_HEIGHT = 16;
/** Most lanes in one plot, whatever its height: beyond it a plot is neither readable nor cheap to draw. */
const MAX_LANES = 64;

/** How many channels a plot `height` pixels high holds, one lane each. */
export function plotLanes(height: number): number {
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  return Math.max(1, Math.min(MAX_LANES, Math.floor((plotHeight + LANE_GAP) / (MIN_LANE_HEIGHT + LANE_GAP))));
}
const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';

/** About `count` (at least 2) round tick values (1, 2 or 5 × 10^k apart) inside [min, max]. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  for (let c = count; c < count * 16; c *= 2) {
    const ticks = ticksAtMost(min, max, c);
    if (ticks.length >= 2) return ticks;
  }
  return ticksAtMost(min, max, count * 16);
}

function ticksAtMost(min: number, max: number, count: number): number[] {
  const rough = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return ticks;
}

function formatTick(value: number): string {
  return Number(value.toPrecision(6)).toString();
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The points of one channel's polyline in a lane: every sample when they fit, else the min and max
 * of the samples under each pixel column (the envelope stays visible however long the channel).
 */
function polylinePoints(
  values: Float32Array,
  toX: (index: number) => number,
  toY: (value: number) => number,
  plotWidth: number,
): string {
  const points: string[] = [];
  const push = (i: number) => {
    const v = values[i];
    if (Number.isFinite(v)) points.push(`${toX(i).toFixed(2)},${toY(v).toFixed(2)}`);
  };
  const columns = Math.max(1, Math.floor(plotWidth));
  if (values.length <= 2 * columns) {
    for (let i = 0; i < values.length; i++) push(i);
    return points.join(' ');
  }
  for (let c = 0; c < columns; c++) {
    const start = Math.floor((c * values.length) / columns);
    const end = Math.floor(((c + 1) * values.length) / columns);
    let lo = start;
    let hi = start;
    for (let i = start; i < end; i++) {
      if (!(values[i] >= values[lo])) lo = i;
      if (!(values[i] <= values[hi])) hi = i;
    }
    push(Math.min(lo, hi));
    push(Math.max(lo, hi));
  }
  return points.join(' ');
}

/**
 * An SVG line chart of a signal: one lane per channel (stacked, each with its own y axis, ticks
 * and name), a shared x axis in seconds when the rate is known, else in samples. The caller keeps
 * the channels to `plotLanes(height)`; each lane draws at most two points per pixel column.
 */
export function signalPlotSvg(signal: Signal, width: number, height: number): string {
  const plotWidth = Math.max(1, width - MARGIN.left - MARGIN.right);
  const plotHeight = Math.max(1, height - MARGIN.top - MARGIN.bottom);
  const lanes = Math.max(1, signal.channels.length);
  const laneGap = lanes > 1 ? LANE_GAP : 0;
  const laneHeight = Math.max(1, (plotHeight - laneGap * (lanes - 1)) / lanes);

  // The x axis spans the longest channel, in seconds when every channel has a rate.
  const rates = signal.channels.map((channel) => channelSampleRate(signal, channel));
  const seconds = rates.every((rate) => rate !== undefined && rate > 0);
  let extent = 1e-9;
  signal.channels.forEach((channel, i) => {
    const span = Math.max(1, channel.values.length - 1);
    extent = Math.max(extent, seconds ? span / (rates[i] as number) : span);
  });
  const xOf = (t: number) => MARGIN.left + (t / extent) * plotWidth;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];

  signal.channels.forEach((channel, index) => {
    const top = MARGIN.top + index * (laneHeight + laneGap);
    const bottom = top + laneHeight;
    const range = finiteRange(channel.values);
    const pad = range.max > range.min ? (range.max - range.min) * 0.05 : Math.abs(range.max) * 0.1 || 1;
    const lo = range.min - pad;
    const hi = range.max + pad;
    const yOf = (v: number) => bottom - ((v - lo) / (hi - lo)) * laneHeight;
    const unitsPerSample = seconds ? 1 / (rates[index] as number) : 1;
    const color = COLORS[index % COLORS.length];

    parts.push(
      `<rect x="${MARGIN.left}" y="${top.toFixed(2)}" width="${plotWidth}" height="${laneHeight.toFixed(2)}" fill="none" stroke="#444444" stroke-width="1"/>`,
    );
    const yTicks = niceTicks(lo, hi, Math.max(2, Math.min(5, Math.floor(laneHeight / 30))));
    for (const tick of yTicks) {
      const y = yOf(tick).toFixed(2);
      parts.push(
        `<line x1="${MARGIN.left - 4}" y1="${y}" x2="${MARGIN.left}" y2="${y}" stroke="#444444"/>`,
        `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotWidth}" y2="${y}" stroke="#e6e6e6"/>`,
        `<text x="${MARGIN.left - 6}" y="${y}" font-size="10" ${FONT} text-anchor="end" dominant-baseline="middle" fill="#222222">${formatTick(tick)}</text>`,
      );
    }
    const points = polylinePoints(
      channel.values,
      (i) => xOf(i * unitsPerSample),
      yOf,
      (plotWidth * (channel.values.length - 1) * unitsPerSample) / extent,
    );
    if (points) {
      parts.push(
        `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="1.2" stroke-linejoin="round"/>`,
      );
    }
    const label = channel.unit ? `${channel.name} (${channel.unit})` : channel.name;
    parts.push(
      `<text x="${MARGIN.left + 6}" y="${(top + 13).toFixed(2)}" font-size="12" ${FONT} fill="${color}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(label)}</text>`,
    );
  });

  const axisY = MARGIN.top + plotHeight;
  for (const tick of niceTicks(0, extent, Math.max(2, Math.floor(plotWidth / 80)))) {
    const x = xOf(tick).toFixed(2);
    parts.push(
      `<line x1="${x}" y1="${axisY}" x2="${x}" y2="${axisY + 4}" stroke="#444444"/>`,
      `<text x="${x}" y="${axisY + 16}" font-size="10" ${FONT} text-anchor="middle" fill="#222222">${formatTick(tick)}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${height - 6}" font-size="11" ${FONT} text-anchor="middle" fill="#222222">${seconds ? 'time (s)' : 'sample'}</text>`,
    '</svg>',
  );
  return parts.join('\n');
}
