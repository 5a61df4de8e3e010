/** A box to draw: where (pixels of the image it is drawn on) and its caption. */
export interface LabelledBox {
  box: [number, number, number, number];
  caption: string;
}

/** The colour of every box outline and caption background: magenta stands out on most photos. */
export const BOX_COLOUR = '#ff00ff';

/** Outline width for an image: 2 pixels, more on large images so the boxes stay visible when shrunk. */
export function boxStrokeWidth(width: number, height: number): number {
  return Math.max(2, Math.round(Math.min(width, height) / 300));
}

/**
 * An SVG of the image's size with each box outlined (the outline inside the box's edges, so a
 * box at the border stays whole) and its caption in white on the box colour above it (inside it
 * when there is no room above), for sharp to composite over the image.
 */
export function boxesSvg(width: number, height: number, boxes: readonly LabelledBox[]): Buffer {
  const stroke = boxStrokeWidth(width, height);
  const fontSize = Math.max(12, Math.round(Math.min(width, height) / 40));
  const parts: string[] = [];
  for (const { box, caption } of boxes) {
    const [x, y, w, h] = clampBox(box, width, height);
    if (w < 1 || h < 1) continue;
    const inset = stroke / 2;
    parts.push(
      `<rect x="${x + inset}" y="${y + inset}" width="${Math.max(0, w - stroke)}" height="${Math.max(0, h - stroke)}" fill="none" stroke="${BOX_COLOUR}" stroke-width="${stroke}"/>`,
    );
    const labelHeight = fontSize + 4;
    const labelWidth = Math.min(width - x, Math.ceil(caption.length * fontSize * 0.6) + 6);
    const labelY = y >= labelHeight ? y - labelHeight : y + stroke;
    parts.push(
      `<rect x="${x}" y="${labelY}" width="${labelWidth}" height="${labelHeight}" fill="${BOX_COLOUR}"/>`,
      `<text x="${x + 3}" y="${labelY + fontSize}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="#ffffff">${escapeXml(caption)}</text>`,
    );
  }
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`,
  );
}

/** The box cut to the image, in whole pixels. */
export function clampBox(
  [x, y, w, h]: readonly [number, number, number, number],
  width: number,
  height: number,
): [number, number, number, number] {
  const x0 = Math.max(0, Math.min(width, Math.round(x)));
  const y0 = Math.max(0, Math.min(height, Math.round(y)));
  const x1 = Math.max(x0, Math.min(width, Math.round(x + w)));
  const y1 = Math.max(y0, Math.min(height, Math.round(y + h)));
  return [x0, y0, x1 - x0, y1 - y0];
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
