import type { CheckedImage } from '../sharp/image-input';

export interface PaletteColour {
  /** `#rrggbb`. */
  hex: string;
  /** Share of the (opaque) pixels near this colour, 0..1. */
  share: number;
}

export interface ImageDescription {
  format: string;
  /** Stored size, before any EXIF rotation. */
  width: number;
  height: number;
  /** Size as shown, after EXIF orientation (differs from width × height for orientations 5–8). */
  displayWidth: number;
  displayHeight: number;
  channels: number;
  space?: string;
  hasAlpha: boolean;
  /** EXIF orientation 1..8, when the image has one. */
  orientation?: number;
  /** Frames, for animated or multi-page images. */
  pages?: number;
  density?: number;
  /** sharp's dominant colour (the fullest bin of a 4096-bin histogram). */
  dominant: string;
  /** Most common colours of a tiny copy of the image, most common first. */
  palette: PaletteColour[];
}

const PALETTE_SIZE = 32;
/** Levels per channel when grouping pixels: 4 gives 64 possible colours. */
const LEVELS = 4;

export async function describeImage(
  { meta, open }: CheckedImage,
  colours: number,
): Promise<ImageDescription> {
  const stats = await open().stats();
  const { data, info } = await open()
    .autoOrient()
    .resize(PALETTE_SIZE, PALETTE_SIZE, { fit: 'inside' })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });

  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const swapped = meta.orientation !== undefined && meta.orientation >= 5;
  return {
    format: meta.format ?? 'unknown',
    width,
    height,
    displayWidth: swapped ? height : width,
    displayHeight: swapped ? width : height,
    channels: meta.channels ?? info.channels,
    ...(meta.space ? { space: meta.space } : {}),
    hasAlpha: meta.hasAlpha ?? false,
    ...(meta.orientation !== undefined ? { orientation: meta.orientation } : {}),
    ...(meta.pages !== undefined && meta.pages > 1 ? { pages: meta.pages } : {}),
    ...(meta.density !== undefined ? { density: meta.density } : {}),
    dominant: hex(stats.dominant.r, stats.dominant.g, stats.dominant.b),
    palette: palette(data, info.channels, colours),
  };
}

/** Groups RGBA pixels into LEVELS³ bins, skipping mostly transparent ones; each bin's colour is its mean. */
function palette(data: Buffer, channels: number, count: number): PaletteColour[] {
  const bins = new Map<number, { n: number; r: number; g: number; b: number }>();
  let total = 0;
  const step = 256 / LEVELS;
  for (let i = 0; i + channels - 1 < data.length; i += channels) {
    if (data[i + 3] < 128) continue;
    const r = data[i];
    const g = data[i + 1];
    const b = data[i + 2];
    const key = (Math.floor(r / step) * LEVELS + Math.floor(g / step)) * LEVELS + Math.floor(b / step);
    const bin = bins.get(key) ?? { n: 0, r: 0, g: 0, b: 0 };
    bin.n += 1;
    bin.r += r;
    bin.g += g;
    bin.b += b;
    bins.set(key, bin);
    total += 1;
  }
  return [...bins.values()]
    .sort((a, b) => b.n - a.n)
    .slice(0, count)
    .map((bin) => ({
      hex: hex(bin.r / bin.n, bin.g / bin.n, bin.b / bin.n),
      share: Math.round((bin.n / total) * 1000) / 1000,
    }));
}

function hex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

export function formatDescription(d: ImageDescription): string {
  const lines = [
    `format: ${d.format}`,
    `size: ${d.width}x${d.height}`,
    ...(d.displayWidth !== d.width ? [`displayed size: ${d.displayWidth}x${d.displayHeight}`] : []),
    `channels: ${d.channels}${d.space ? ` (${d.space})` : ''}`,
    `alpha: ${d.hasAlpha ? 'yes' : 'no'}`,
    ...(d.orientation !== undefined ? [`orientation: ${d.orientation} (EXIF)`] : []),
    ...(d.pages !== undefined ? [`pages: ${d.pages}`] : []),
    `dominant colour: ${d.dominant}`,
    `palette: ${d.palette.map((c) => `${c.hex} ${Math.round(c.share * 100)}%`).join(', ') || '(fully transparent)'}`,
  ];
  return `${lines.join('\n')}\n`;
}
