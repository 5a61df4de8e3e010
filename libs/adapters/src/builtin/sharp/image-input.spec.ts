import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import type { Adapter } from '../../sdk/adapter';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { ImageAnalysisAdapter } from '../image-analysis/image-analysis.adapter';
import { corruptedPng } from '../media/media.testing';
import { ImageTextAdapter } from '../ocr/image-text.adapter';
import { createAdapterHarness } from '../testing';
import { openImage } from './image-input';
import { SharpImageAdapter } from './sharp-image.adapter';

/** The 200 × 133 fixture is one pixel row over this. */
const limits = { ...DEFAULT_INPUT_LIMITS, imagePixels: 200 * 132 };

describe('openImage', () => {
  it('reads the header, and decodes only the first frame of an animation', async () => {
    const frame = (background: string) =>
      sharp({ create: { width: 16, height: 12, channels: 3, background } })
        .png()
        .toBuffer();
    const frames = await Promise.all(Array.from({ length: 50 }, (_, i) => frame(i % 2 ? '#f00' : '#00f')));
    const animation = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    const { meta, open } = await openImage(animation, DEFAULT_INPUT_LIMITS);
    expect(meta).toMatchObject({ pages: 50, width: 16, height: 12 });
    const { info } = await open().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([16, 12]);
  });

  it('refuses an image over LIMIT_IMAGE_PIXELS (413 naming it), and over the task’s own cap', async () => {
    await expect(openImage(fixture('image/fixture.png'), limits)).rejects.toMatchObject({
      code: 'payload_too_large',
      details: { limit: 'LIMIT_IMAGE_PIXELS', max: 200 * 132, actual: 200 * 133 },
    });
    await expect(openImage(fixture('image/fixture.png'), DEFAULT_INPUT_LIMITS, 1_000)).rejects.toMatchObject({
      code: 'payload_too_large',
      details: { max: 1_000, actual: 200 * 133 },
    });
  });

  it('refuses what is not an image, and decodes no corrupt one', async () => {
    await expect(openImage(Buffer.from('not an image'), DEFAULT_INPUT_LIMITS)).rejects.toMatchObject({
      code: 'unprocessable_input',
    });
    const { open } = await openImage(corruptedPng(), DEFAULT_INPUT_LIMITS);
    await expect(open().raw().toBuffer()).rejects.toThrow();
  });
});

describe.each<[string, () => Adapter, string, string]>([
  ['builtin.sharp', () => new SharpImageAdapter(limits), 'convert', 'image'],
  ['builtin.image-analysis', () => new ImageAnalysisAdapter(limits), 'histogram', 'signal'],
  ['builtin.image', () => new ImageTextAdapter(limits), 'describe', 'text'],
  ['builtin.image', () => new ImageTextAdapter(limits), 'ocr', 'text'],
])('%s', (_id, adapter, task, output) => {
  it(`refuses to ${task} an image over LIMIT_IMAGE_PIXELS before decoding it`, async () => {
    const harness = createAdapterHarness();
    const input = harness.put(fixture('image/fixture.png'), { modality: 'image', mediaType: 'image/png' });
    await expect(
      harness.invoke(adapter(), { task, inputs: [input], output: { modality: output } }),
    ).rejects.toMatchObject({
      code: 'payload_too_large',
      details: { limit: 'LIMIT_IMAGE_PIXELS' },
    });
  });
});
