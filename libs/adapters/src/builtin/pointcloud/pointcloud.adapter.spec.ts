import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import {
  boundingBox,
  colors,
  createField,
  decodePointCloud,
  encodePointCloud,
  positions,
  type PointCloud,
} from '../../codecs/pointcloud';
import { decodeSignal } from '../../codecs/signal';
import { AdapterError } from '../../sdk/adapter-error';
import { binaryOutput, createAdapterHarness, textOutput } from '../testing';
import { jacobiEigen } from './geometry';
import { PointCloudAdapter } from './pointcloud.adapter';
import type { PointCloudDescription } from './describe';

const PCD_FIXTURES = [
  'bun0.pcd',
  'bunny.pcd',
  'car6.pcd',
  'colored_cloud.pcd',
  'lamppost.pcd',
  'milk_color.pcd',
];

function setup(data: Buffer, mediaType: string) {
  const harness = createAdapterHarness();
  const input = harness.put(data, { modality: 'pointcloud', mediaType });
  return { harness, input, adapter: new PointCloudAdapter() };
}

const pcd = (name: string) => setup(fixture(`pointcloud/${name}`), 'application/x-pcd');

/** A tilted, slightly rough plane z = 0.5x − 0.25y + 2 over a 40 × 30 grid, as PLY. */
function syntheticPlane(): Buffer {
  const count = 40 * 30;
  const cloud: PointCloud = {
    count,
    fields: ['x', 'y', 'z'].map((name) => createField(name, 'float32', count)),
  };
  const [x, y, z] = cloud.fields;
  for (let i = 0; i < count; i++) {
    const u = (i % 40) * 0.1;
    const v = Math.floor(i / 40) * 0.1;
    x.values[i] = u;
    y.values[i] = v;
    z.values[i] = 0.5 * u - 0.25 * v + 2 + 0.001 * Math.sin(i * 12.9898);
  }
  return encodePointCloud(cloud, 'ply');
}

describe('PointCloudAdapter', () => {
  describe('convert', () => {
    it.each(PCD_FIXTURES)('converts %s to PLY keeping every point', async (name) => {
      const { harness, input, adapter } = pcd(name);
      const source = decodePointCloud(fixture(`pointcloud/${name}`), 'pcd');
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'pointcloud', mediaType: 'application/x-ply' },
        }),
      );
      expect(output.mediaType).toBe('application/x-ply');
      const converted = decodePointCloud(output.data, 'ply');
      expect(converted.count).toBe(source.count);
      expect(positions(converted)).toEqual(positions(source));
      expect(colors(converted)).toEqual(colors(source));
    });

    it('writes the format option in the encoding asked for, and reads PLY (cube.ply) in', async () => {
      const { harness, input, adapter } = setup(fixture('pointcloud/cube.ply'), 'application/x-ply');
      const result = await harness.invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'pointcloud' },
        options: { format: 'pcd', encoding: 'ascii' },
      });
      const output = binaryOutput(result);
      expect(output.mediaType).toBe('application/x-pcd');
      expect(output.data.toString('latin1')).toContain('DATA ascii');
      expect(decodePointCloud(output.data, 'pcd').count).toBe(24);
      expect(result.warnings).toEqual([]);
    });

    it('writes XYZ when the output media type asks for it', async () => {
      const { harness, input, adapter } = pcd('bunny.pcd');
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'pointcloud', mediaType: 'text/x-xyz' },
        }),
      );
      expect(output.mediaType).toBe('text/x-xyz');
      expect(decodePointCloud(output.data, 'xyz').count).toBe(397);
    });

    it('voxel-downsamples to fewer points inside the original bounds, deterministically', async () => {
      const { harness, input, adapter } = pcd('milk_color.pcd');
      const source = decodePointCloud(fixture('pointcloud/milk_color.pcd'), 'pcd');
      const bounds = boundingBox(source)!;
      const size = Math.max(...bounds.max.map((m, a) => m - bounds.min[a])) / 20;
      const run = async () =>
        binaryOutput(
          await harness.invoke(adapter, {
            task: 'convert',
            inputs: [input],
            output: { modality: 'pointcloud', mediaType: 'application/x-ply' },
            options: { voxel: size },
          }),
        ).data;
      const first = await run();
      expect((await run()).equals(first)).toBe(true);
      const reduced = decodePointCloud(first, 'ply');
      expect(reduced.count).toBeGreaterThan(0);
      expect(reduced.count).toBeLessThan(source.count);
      expect(reduced.fields.map((field) => field.name)).toEqual(source.fields.map((field) => field.name));
      const xyz = positions(reduced);
      for (let i = 0; i < xyz.length; i++) {
        expect(xyz[i]).toBeGreaterThanOrEqual(bounds.min[i % 3]);
        expect(xyz[i]).toBeLessThanOrEqual(bounds.max[i % 3]);
      }
      // At most one point per cell of a grid 20 voxels across the longest side.
      expect(reduced.count).toBeLessThanOrEqual(21 ** 3);
    });

    it('crops to a box', async () => {
      const { harness, input, adapter } = pcd('bunny.pcd');
      const source = decodePointCloud(fixture('pointcloud/bunny.pcd'), 'pcd');
      const { min, max } = boundingBox(source)!;
      // The half of the bounding box with x at most its middle.
      const mid: [number, number, number] = [(min[0] + max[0]) / 2, max[1], max[2]];
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'pointcloud' },
          options: { crop: { min, max: mid } },
        }),
      );
      expect(output.mediaType).toBe('application/x-pcd');
      const cropped = decodePointCloud(output.data, 'pcd');
      expect(cropped.count).toBeGreaterThan(0);
      expect(cropped.count).toBeLessThan(source.count);
      const box = boundingBox(cropped)!;
      for (let a = 0; a < 3; a++) expect(box.max[a]).toBeLessThanOrEqual(mid[a]);
    });

    it('refuses an output media type it cannot write, and an input it cannot read', async () => {
      const { harness, input, adapter } = pcd('bunny.pcd');
      await expect(
        harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'pointcloud', mediaType: 'model/gltf+json' },
        }),
      ).rejects.toMatchObject({ code: 'unprocessable_input' });
      const other = setup(Buffer.from('x'), 'image/png');
      await expect(
        other.harness.invoke(other.adapter, {
          task: 'convert',
          inputs: [other.input],
          output: { modality: 'pointcloud' },
        }),
      ).rejects.toBeInstanceOf(AdapterError);
    });
  });

  describe('describe', () => {
    it('finds the normal of a synthetic plane (JSON)', async () => {
      const { harness, input, adapter } = setup(syntheticPlane(), 'application/x-ply');
      const output = textOutput(
        await harness.invoke(adapter, {
          task: 'describe',
          inputs: [input],
          output: { modality: 'text', mediaType: 'application/json' },
        }),
      );
      expect(output.mediaType).toBe('application/json');
      const description = JSON.parse(output.text) as PointCloudDescription;
      expect(description.count).toBe(1200);
      const expected = [-0.5, 0.25, 1].map((c) => c / Math.hypot(0.5, 0.25, 1));
      const normal = description.plane!.normal;
      const alignment = Math.abs(normal.reduce((sum, c, a) => sum + c * expected[a], 0));
      expect(alignment).toBeGreaterThan(0.9999);
      expect(description.plane!.rmsDistance).toBeLessThan(0.002);
      expect(description.centroid![0]).toBeCloseTo(1.95, 4);
      expect(description.principalAxes).toHaveLength(3);
      expect(description.principalAxes![0].variance).toBeGreaterThan(description.principalAxes![1].variance);
    });

    it('describes cube.ply in plain text', async () => {
      const { harness, input, adapter } = setup(fixture('pointcloud/cube.ply'), 'application/x-ply');
      const output = textOutput(
        await harness.invoke(adapter, { task: 'describe', inputs: [input], output: { modality: 'text' } }),
      );
      expect(output.mediaType).toBe('text/plain');
      expect(output.text).toContain('points: 24 (24 finite)');
      expect(output.text).toContain('fields: x:float32 y:float32 z:float32');
      expect(output.text).toContain('bounds: min (-1, -1, -1) max (1, 1, 1)');
      expect(output.text).toMatch(/centroid: \(0, 0, 0\)/);
    });
  });

  describe('render', () => {
    it.each([
      ['milk_color.pcd', 'pca', 320, 200],
      ['bunny.pcd', 'top', 128, 96],
      ['car6.pcd', 'front', 64, 64],
      ['lamppost.pcd', 'side', 100, 300],
    ] as const)('renders %s (%s view) as a non-blank PNG of %ix%i', async (name, view, width, height) => {
      const { harness, input, adapter } = pcd(name);
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'render',
          inputs: [input],
          output: { modality: 'image', mediaType: 'image/png' },
          options: { width, height, view, pointSize: 2 },
        }),
      );
      expect(output.mediaType).toBe('image/png');
      const image = sharp(output.data);
      expect(await image.metadata()).toMatchObject({ format: 'png', width, height });
      const stats = await image.stats();
      expect(stats.channels.slice(0, 3).some((channel) => channel.stdev > 1)).toBe(true);
    });

    it('renders 512 × 512 by default, coloured by the RGB fields', async () => {
      const { harness, input, adapter } = pcd('colored_cloud.pcd');
      const output = binaryOutput(
        await harness.invoke(adapter, { task: 'render', inputs: [input], output: { modality: 'image' } }),
      );
      const { data, info } = await sharp(output.data).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([512, 512]);
      const cloudColors = new Set<number>();
      const rgb = colors(decodePointCloud(fixture('pointcloud/colored_cloud.pcd'), 'pcd'))!;
      for (let i = 0; i < rgb.length; i += 3)
        cloudColors.add((rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2]);
      let painted = 0;
      for (let i = 0; i < data.length; i += info.channels) {
        const color = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        if (color !== 0x181818) {
          painted++;
          expect(cloudColors.has(color)).toBe(true);
        }
      }
      expect(painted).toBeGreaterThan(0);
    });
  });

  describe('profile', () => {
    it('writes a CSV signal with one row per bin (default 256)', async () => {
      const { harness, input, adapter } = pcd('lamppost.pcd');
      const source = decodePointCloud(fixture('pointcloud/lamppost.pcd'), 'pcd');
      const output = textOutput(
        await harness.invoke(adapter, { task: 'profile', inputs: [input], output: { modality: 'signal' } }),
      );
      expect(output.mediaType).toBe('text/csv');
      const lines = output.text.trim().split('\n');
      expect(lines[0]).toBe('position,count,mean_height');
      expect(lines).toHaveLength(257);
      const signal = decodeSignal(Buffer.from(output.text), 'csv');
      expect(signal.channels.map((channel) => channel.name)).toEqual(['position', 'count', 'mean_height']);
      const counts = signal.channels[1].values;
      const finite = positions(source).filter((_v, i) => i % 3 === 0).length;
      expect(counts.reduce((sum, c) => sum + c, 0)).toBeLessThanOrEqual(finite);
      expect(counts.reduce((sum, c) => sum + c, 0)).toBeGreaterThan(0);
      const position = signal.channels[0].values;
      for (let i = 1; i < position.length; i++) expect(position[i]).toBeGreaterThan(position[i - 1]);
    });

    it('honours bins and writes JSON', async () => {
      const { harness, input, adapter } = setup(syntheticPlane(), 'application/x-ply');
      const output = textOutput(
        await harness.invoke(adapter, {
          task: 'profile',
          inputs: [input],
          output: { modality: 'signal', mediaType: 'application/json' },
          options: { bins: 16 },
        }),
      );
      expect(output.mediaType).toBe('application/json');
      const signal = decodeSignal(Buffer.from(output.text), 'json');
      expect(signal.channels.map((channel) => channel.values.length)).toEqual([16, 16, 16]);
      expect(signal.channels[1].values.reduce((sum, c) => sum + c, 0)).toBe(1200);
      for (const height of signal.channels[2].values) expect(Math.abs(height)).toBeLessThan(0.01);
    });
  });

  it('warns about options of another task, and refuses an unknown task', async () => {
    const { harness, input, adapter } = pcd('bunny.pcd');
    const result = await harness.invoke(adapter, {
      task: 'describe',
      inputs: [input],
      output: { modality: 'text' },
      options: { voxel: 0.1, bins: 4 },
    });
    expect(result.warnings).toEqual([
      'voxel is ignored by describe (it is a convert option)',
      'bins is ignored by describe (it is a profile option)',
    ]);
    await expect(
      harness.invoke(adapter, { task: 'segment', inputs: [input], output: { modality: 'text' } }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('jacobiEigen diagonalises a symmetric matrix', () => {
    const matrix = [
      [4, 1, 2],
      [1, 3, 0.5],
      [2, 0.5, 5],
    ];
    const { values, vectors } = jacobiEigen(matrix);
    for (let k = 0; k < 3; k++) {
      const v = [vectors[0][k], vectors[1][k], vectors[2][k]];
      for (let r = 0; r < 3; r++) {
        const mv = matrix[r][0] * v[0] + matrix[r][1] * v[1] + matrix[r][2] * v[2];
        expect(mv).toBeCloseTo(values[k] * v[r], 10);
      }
    }
    expect(values.reduce((sum, value) => sum + value, 0)).toBeCloseTo(12, 10);
  });
});
