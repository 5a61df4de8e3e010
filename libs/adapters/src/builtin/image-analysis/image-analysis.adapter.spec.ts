import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { decodeSignal } from '../../codecs/signal';
import { decodePointCloud, findField } from '../../codecs/pointcloud';
import { binaryOutput, createAdapterHarness, textOutput } from '../testing';
import { ImageAnalysisAdapter } from './image-analysis.adapter';

const png = fixture('image/fixture.png');

async function run(
  task: string,
  output: { modality: string; mediaType?: string },
  options: Record<string, unknown> = {},
  data: Buffer = png,
  mediaType = 'image/png',
) {
  const harness = createAdapterHarness();
  const input = harness.put(data, { modality: 'image', mediaType });
  return harness.invoke(new ImageAnalysisAdapter(), { task, inputs: [input], output, options });
}

describe('ImageAnalysisAdapter', () => {
  describe('histogram', () => {
    it('counts 256 bins per colour channel of the 200 × 133 fixture, each summing to the pixel count', async () => {
      const result = await run('histogram', { modality: 'signal' });
      const output = textOutput(result);
      expect(output.mediaType).toBe('text/csv');
      expect(output.text.split('\n', 1)[0]).toBe('red,green,blue');
      const signal = decodeSignal(Buffer.from(output.text), 'csv');
      expect(signal.channels.map((c) => c.name)).toEqual(['red', 'green', 'blue']);
      const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      signal.channels.forEach((channel, c) => {
        expect(channel.values).toHaveLength(256);
        expect(channel.values.reduce((s, v) => s + v, 0)).toBe(200 * 133);
        // Independent count of one bin: the channel's most common value.
        const mode = channel.values.indexOf(Math.max(...channel.values));
        let count = 0;
        for (let i = c; i < data.length; i += 3) if (data[i] === mode) count++;
        expect(channel.values[mode]).toBe(count);
      });
      expect(result.warnings).toEqual([]);
    });

    it('gives one luminance column for a greyscale image, as JSON when asked', async () => {
      const grey = await sharp(png).toColourspace('b-w').png().toBuffer();
      expect((await sharp(grey).metadata()).channels).toBe(1);
      const output = textOutput(
        await run('histogram', { modality: 'signal', mediaType: 'application/json' }, {}, grey),
      );
      expect(output.mediaType).toBe('application/json');
      const signal = decodeSignal(Buffer.from(output.text), 'json');
      expect(signal.channels.map((c) => c.name)).toEqual(['luminance']);
      expect(signal.channels[0].values.reduce((s, v) => s + v, 0)).toBe(200 * 133);
    });

    it('reads the JPEG fixture too and ignores alpha, counting every pixel', async () => {
      const jpeg = fixture('image/fixture.jpg');
      const meta = await sharp(jpeg).metadata();
      const csv = textOutput(await run('histogram', { modality: 'signal' }, {}, jpeg, 'image/jpeg')).text;
      const signal = decodeSignal(Buffer.from(csv), 'csv');
      for (const channel of signal.channels) {
        expect(channel.values.reduce((s, v) => s + v, 0)).toBe(
          (meta.width as number) * (meta.height as number),
        );
      }
      const withAlpha = await sharp(png).ensureAlpha(0.5).png().toBuffer();
      const alphaCsv = textOutput(await run('histogram', { modality: 'signal' }, {}, withAlpha)).text;
      expect(alphaCsv.split('\n', 1)[0]).toBe('red,green,blue');
    });
  });

  describe('heightmap', () => {
    it('makes one point per pixel after shrinking to maxSide, keeping the colours', async () => {
      const output = binaryOutput(
        await run('heightmap', { modality: 'pointcloud' }, { maxSide: 64, scale: 10 }),
      );
      expect(output.mediaType).toBe('application/x-ply');
      expect(output.data.subarray(0, 40).toString('latin1')).toContain('format binary_little_endian');
      const cloud = decodePointCloud(output.data, 'ply');
      // 200 × 133 shrunk to fit 64: 64 × 43 (133 · 64 / 200 = 42.56).
      expect(cloud.count).toBe(64 * 43);
      const fields = Object.fromEntries(
        ['x', 'y', 'z', 'red', 'green', 'blue'].map((name) => {
          const field = findField(cloud, name);
          expect(field, name).toBeDefined();
          return [name, field!];
        }),
      );
      expect(['red', 'green', 'blue'].map((name) => fields[name].type)).toEqual(['uint8', 'uint8', 'uint8']);

      const { data, info } = await sharp(png)
        .resize({ width: 64, height: 64, fit: 'inside' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([64, 43]);
      for (const p of [0, 63, 64 * 20 + 17, 64 * 43 - 1]) {
        const [r, g, b] = [data[3 * p], data[3 * p + 1], data[3 * p + 2]];
        expect([fields.red.values[p], fields.green.values[p], fields.blue.values[p]]).toEqual([r, g, b]);
        expect(fields.x.values[p]).toBe(p % 64);
        expect(fields.y.values[p]).toBe(42 - Math.floor(p / 64));
        expect(fields.z.values[p]).toBeCloseTo(((0.2126 * r + 0.7152 * g + 0.0722 * b) / 255) * 10, 4);
      }
    });

    it('defaults to maxSide 256 (no enlargement: the fixture keeps its 200 × 133 pixels)', async () => {
      const cloud = decodePointCloud(
        binaryOutput(await run('heightmap', { modality: 'pointcloud' })).data,
        'ply',
      );
      expect(cloud.count).toBe(200 * 133);
      const z = findField(cloud, 'z')!.values;
      // Default scale: a quarter of the longer side, so z stays within [0, 50].
      expect(Math.max(...z)).toBeLessThanOrEqual(50);
      expect(Math.max(...z)).toBeGreaterThan(0);
    });

    it('refuses output types, tasks and input it cannot handle', async () => {
      await expect(
        run('heightmap', { modality: 'pointcloud', mediaType: 'application/x-pcd' }),
      ).rejects.toMatchObject({ code: 'unprocessable_input' });
      await expect(run('edges', { modality: 'image' })).rejects.toMatchObject({ code: 'invalid_request' });
      await expect(
        run('histogram', { modality: 'signal' }, {}, Buffer.from('not an image')),
      ).rejects.toMatchObject({ code: 'unprocessable_input' });
    });

    it('warns about heightmap options given to histogram', async () => {
      const result = await run('histogram', { modality: 'signal' }, { maxSide: 32 });
      expect(result.warnings).toEqual(['maxSide is ignored by histogram']);
    });
  });
});
