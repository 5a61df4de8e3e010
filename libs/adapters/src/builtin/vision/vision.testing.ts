import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { humanPaths } from './human-engine';

/**
 * The sample sheet shipped with @vladmandic/human: a strip of photos of people along its top.
 * The fifth (x 640–784, y 0–160 of the 1280-pixel sheet) is one woman standing, head to foot.
 */
export const SAMPLES = join(dirname(dirname(humanPaths().humanModule)), 'assets', 'samples.jpg');
const PERSON = { left: 640, top: 0, width: 144, height: 160 };
/** Where the tests paste that photo, twice its size, on a plain grey canvas. */
export const CANVAS = { width: 800, height: 600 };
export const PASTED = { x: 300, y: 150, width: 288, height: 320 };

/** A box as the vision adapter reports it, in the input's pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The one person of the sheet at PASTED on a CANVAS of grey (#808080), as a PNG. */
export async function personOnCanvas(): Promise<Buffer> {
  const person = await sharp(SAMPLES).extract(PERSON).resize(PASTED.width, PASTED.height).png().toBuffer();
  return sharp({ create: { ...CANVAS, channels: 3, background: '#808080' } })
    .composite([{ input: person, left: PASTED.x, top: PASTED.y }])
    .png()
    .toBuffer();
}
