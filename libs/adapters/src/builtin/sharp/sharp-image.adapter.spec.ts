import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { binaryOutput, createAdapterHarness } from '../testing';
import { SharpImageAdapter } from './sharp-image.adapter';

function setup(path = 'image/fixture.png', mediaType = 'image/png') {
  const harness = createAdapterHarness();
  const input = harness.put(fixture(path), { modality: 'image', mediaType });
  return { harness, input, adapter: new SharpImageAdapter() };
}

describe('SharpImageAdapter', () => {
  it('converts PNG to WebP at the same size when the output media type asks for it', async () => {
    const { harness, input, adapter } = setup();
    const result = await harness.invoke(adapter, {
      task: 'convert',
      inputs: [input],
      output: { modality: 'image', mediaType: 'image/webp' },
    });
    const output = binaryOutput(result);
    expect(output.mediaType).toBe('image/webp');
    const meta = await sharp(output.data).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 200, height: 133 });
    expect(result.warnings).toEqual([]);
  });

  it('writes PNG by default', async () => {
    const { harness, input, adapter } = setup('image/fixture.jpg', 'image/jpeg');
    const output = binaryOutput(
      await harness.invoke(adapter, { task: 'convert', inputs: [input], output: { modality: 'image' } }),
    );
    expect(output.mediaType).toBe('image/png');
    expect((await sharp(output.data).metadata()).format).toBe('png');
  });

  it('resizes to a width and keeps the aspect ratio', async () => {
    const { harness, input, adapter } = setup();
    const output = binaryOutput(
      await harness.invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'image' },
        options: { width: 100 },
      }),
    );
    const meta = await sharp(output.data).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 100, height: 67 });
  });

  it('fills an exact box with fit=fill', async () => {
    const { harness, input, adapter } = setup();
    const output = binaryOutput(
      await harness.invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'image' },
        options: { width: 64, height: 64, fit: 'fill' },
      }),
    );
    expect(await sharp(output.data).metadata()).toMatchObject({ width: 64, height: 64 });
  });

  it.each([
    ['avif', 'image/avif', 'heif'],
    ['jpeg', 'image/jpeg', 'jpeg'],
  ] as const)('writes %s from the format option', async (format, mediaType, sharpFormat) => {
    const { harness, input, adapter } = setup();
    const output = binaryOutput(
      await harness.invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'image' },
        options: { format },
      }),
    );
    expect(output.mediaType).toBe(mediaType);
    const meta = await sharp(output.data).metadata();
    expect(meta).toMatchObject({ format: sharpFormat, width: 200, height: 133 });
  });

  it('lets the format option win over the requested media type, with a warning', async () => {
    const { harness, input, adapter } = setup();
    const result = await harness.invoke(adapter, {
      task: 'convert',
      inputs: [input],
      output: { modality: 'image', mediaType: 'image/png' },
      options: { format: 'jpeg' },
    });
    expect(binaryOutput(result).mediaType).toBe('image/jpeg');
    expect(result.warnings).toEqual(['format jpeg overrides the requested media type image/png']);
  });

  it('honours quality: a lower quality gives a smaller JPEG', async () => {
    const { harness, input, adapter } = setup();
    const run = async (quality: number) =>
      binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'image', mediaType: 'image/jpeg' },
          options: { quality },
        }),
      ).data;
    const [low, high] = await Promise.all([run(10), run(95)]);
    expect(low.length).toBeLessThan(high.length / 2);
  });

  it('warns that quality does not apply to PNG', async () => {
    const { harness, input, adapter } = setup();
    const result = await harness.invoke(adapter, {
      task: 'convert',
      inputs: [input],
      output: { modality: 'image' },
      options: { quality: 50 },
    });
    expect(result.warnings).toEqual(['quality is ignored for PNG output (PNG is lossless)']);
  });

  it('refuses a corrupt PNG as unprocessable input and keeps the cause', async () => {
    const { harness, input, adapter } = setup('invalid/corrupt.png');
    const error = await harness
      .invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'image', mediaType: 'image/webp' },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ code: 'unprocessable_input', retryable: false });
    expect((error as AdapterError).cause).toBeInstanceOf(Error);
  });

  it('refuses to enlarge an image past LIMIT_IMAGE_PIXELS (413), before drawing it', async () => {
    const harness = createAdapterHarness();
    const input = harness.put(fixture('image/fixture.png'), { modality: 'image', mediaType: 'image/png' });
    const adapter = new SharpImageAdapter({ ...DEFAULT_INPUT_LIMITS, imagePixels: 1_000_000 });
    const resize = (options: Record<string, unknown>) =>
      harness.invoke(adapter, { task: 'convert', inputs: [input], output: { modality: 'image' }, options });
    // 200 × 133 scaled to 2000 wide is 2000 × 1330; `outside` a 1000 × 1000 box is 1504 × 1000.
    for (const options of [
      { width: 2000 },
      { height: 1330 },
      { width: 1000, height: 1000, fit: 'outside' },
    ]) {
      await expect(resize(options)).rejects.toMatchObject({
        code: 'payload_too_large',
        details: { limit: 'LIMIT_IMAGE_PIXELS' },
      });
    }
    expect(
      binaryOutput(await resize({ width: 1000, height: 1000, fit: 'contain' })).data.length,
    ).toBeGreaterThan(0);
  });

  it('refuses bytes that are not an image at all', async () => {
    const harness = createAdapterHarness();
    const input = harness.put('definitely not an image', { modality: 'image', mediaType: 'image/png' });
    await expect(
      harness.invoke(new SharpImageAdapter(), {
        task: 'convert',
        inputs: [input],
        output: { modality: 'image' },
      }),
    ).rejects.toMatchObject({ code: 'unprocessable_input' });
  });

  it('refuses an output media type it cannot write', async () => {
    const { harness, input, adapter } = setup();
    await expect(
      harness.invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'image', mediaType: 'image/gif' },
      }),
    ).rejects.toMatchObject({ code: 'unprocessable_input', message: expect.stringContaining('image/gif') });
  });

  it('validates options with its schema, passing unknown keys through for the gateway to warn about', () => {
    const adapter = new SharpImageAdapter();
    expect(adapter.options.safeParse({ width: 0 }).success).toBe(false);
    expect(adapter.options.safeParse({ width: 16_385 }).success).toBe(false);
    expect(adapter.options.safeParse({ quality: 101 }).success).toBe(false);
    expect(adapter.options.safeParse({ format: 'gif' }).success).toBe(false);
    expect(adapter.options.safeParse({ width: 10, sharpen: true }).success).toBe(true);
  });

  it('does no work once the job is aborted', async () => {
    const { harness, input, adapter } = setup();
    harness.controller.abort(new Error('cancelled'));
    await expect(
      harness.invoke(adapter, { task: 'convert', inputs: [input], output: { modality: 'image' } }),
    ).rejects.toThrow('cancelled');
  });
});
