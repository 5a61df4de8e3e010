import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
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
import { h2Pcd } from '../../../../../test/hostile/point-clouds';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { Ffmpeg } from '../media/ffmpeg';
import { binaryOutput, createAdapterHarness, textOutput } from '../testing';
import { everyNthPoint, voxelCloud } from './cloud-ops';
import { jacobiEigen } from './geometry';
import { PointCloudAdapter } from './pointcloud.adapter';
import type { PointCloudDescription } from './describe';
import { drawingStep, MAX_PIXEL_DRAWS } from './render';
import { renderTurntable, type TurntableSettings } from './turntable';

const PCD_FIXTURES = [
  'bun0.pcd',
  'bunny.pcd',
  'car6.pcd',
  'colored_cloud.pcd',
  'lamppost.pcd',
  'milk_color.pcd',
];

const ffmpeg = new Ffmpeg();

function setup(data: Buffer, mediaType: string) {
  const harness = createAdapterHarness();
  const input = harness.put(data, { modality: 'pointcloud', mediaType });
  return { harness, input, adapter: new PointCloudAdapter(ffmpeg) };
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

  describe('turntable', () => {
    const never = new AbortController().signal;
    const BACKGROUND = 24;

    /** Frame `index` of a video as raw RGB, decoded by ffmpeg. */
    const videoFrame = (video: Buffer, extension: string, index: number) =>
      ffmpeg.run({
        input: video,
        inputExtension: extension,
        outputArgs: [
          '-vf',
          `select=eq(n\\,${index})`,
          '-fps_mode',
          'passthrough',
          '-frames:v',
          '1',
          '-f',
          'rawvideo',
          '-pix_fmt',
          'rgb24',
        ],
        outputExtension: 'raw',
        signal: never,
      });

    /** The share of pixels clearly off the background (compression blurs it by a few levels). */
    const paintedShare = (rgb: Buffer) => {
      let painted = 0;
      for (let i = 0; i < rgb.length; i += 3) {
        const off = Math.max(...[0, 1, 2].map((c) => Math.abs(rgb[i + c] - BACKGROUND)));
        if (off > 40) painted++;
      }
      return painted / (rgb.length / 3);
    };

    const meanDifference = (a: Buffer, b: Buffer) => {
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
      return sum / a.length;
    };

    it.each([
      ['lamppost.pcd', 'video/mp4', 'mp4', 'h264', 160, 240, 2, 12],
      ['milk_color.pcd', 'video/webm', 'webm', 'vp9', 192, 144, 3, 10],
      ['car6.pcd', 'video/mp4', 'mp4', 'h264', 256, 128, 1.5, 20],
    ] as const)(
      'turns %s into %s (%s, %s) of %ix%i, %f s at %i fps',
      async (name, mediaType, extension, codec, width, height, duration, fps) => {
        const { harness, input, adapter } = pcd(name);
        const result = await harness.invoke(adapter, {
          task: 'turntable',
          inputs: [input],
          output: { modality: 'video', mediaType },
          options: { width, height, duration, fps },
        });
        expect(result.warnings).toEqual([]);
        const output = binaryOutput(result);
        expect(output.mediaType).toBe(mediaType);

        const probe = await ffmpeg.probe(output.data, never, extension);
        expect(probe.formatName).toContain(extension);
        expect(probe.streams).toHaveLength(1);
        expect(probe.streams[0]).toMatchObject({ codecType: 'video', codecName: codec, width, height });
        const seconds = probe.durationS ?? probe.streams[0].durationS ?? 0;
        expect(Math.abs(seconds - duration) / duration).toBeLessThan(0.05);

        const frames = Math.round(duration * fps);
        const first = await videoFrame(output.data, extension, 0);
        const middle = await videoFrame(output.data, extension, Math.floor(frames / 2));
        expect(first).toHaveLength(width * height * 3);
        expect(middle).toHaveLength(width * height * 3);
        expect(paintedShare(first)).toBeGreaterThan(0.005);
        expect(paintedShare(middle)).toBeGreaterThan(0.005);
        // Half a turn later the cloud shows its other side.
        expect(meanDifference(first, middle)).toBeGreaterThan(2);
      },
    );

    it('makes a 4 s, 15 fps, 512 × 512 MP4 by default, turning a y-up cloud about y', async () => {
      const { harness, input, adapter } = pcd('bunny.pcd');
      const result = await harness.invoke(adapter, {
        task: 'turntable',
        inputs: [input],
        output: { modality: 'video' },
        options: { up: 'y' },
      });
      const output = binaryOutput(result);
      expect(output.mediaType).toBe('video/mp4');
      const probe = await ffmpeg.probe(output.data, never, 'mp4');
      expect(probe.streams[0]).toMatchObject({ codecName: 'h264', width: 512, height: 512 });
      expect(Math.abs((probe.durationS ?? 0) - 4) / 4).toBeLessThan(0.05);
      // Progress from the frames, in order, between reading (0.3) and encoding.
      expect(harness.progress.length).toBeGreaterThan(5);
      expect([...harness.progress].sort((a, b) => a - b)).toEqual(harness.progress);
      expect(Math.max(...harness.progress)).toBeLessThanOrEqual(0.7);
    });

    it('half a turn at elevation 0 is the mirror image, and every frame keeps the margin', async () => {
      const cloud = decodePointCloud(fixture('pointcloud/lamppost.pcd'), 'pcd');
      const settings: TurntableSettings = {
        width: 96,
        height: 128,
        pointSize: 1,
        frames: 12,
        elevation: 0,
        up: 'z',
      };
      const { data, frameBytes } = await renderTurntable(cloud, settings, never, async () => undefined);
      expect(data).toHaveLength(12 * frameBytes);
      const { width, height } = settings;
      const painted = (frame: number, x: number, y: number) =>
        data[frame * frameBytes + 4 * (y * width + x)] !== BACKGROUND ||
        data[frame * frameBytes + 4 * (y * width + x) + 1] !== BACKGROUND;
      let both = 0;
      let either = 0;
      let turned = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const front = painted(0, x, y);
          const back = painted(6, width - 1 - x, y);
          if (front && back) both++;
          if (front || back) either++;
          if (front !== painted(3, x, y)) turned++;
        }
      }
      expect(either).toBeGreaterThan(50);
      expect(both / either).toBeGreaterThan(0.98);
      expect(turned).toBeGreaterThan(20);

      const tilted = await renderTurntable(
        cloud,
        { ...settings, elevation: 30 },
        never,
        async () => undefined,
      );
      const margin = 3;
      for (let frame = 0; frame < settings.frames; frame++) {
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            if (x >= margin && x < width - margin && y >= margin && y < height - margin) continue;
            const at = frame * frameBytes + 4 * (y * width + x);
            expect(tilted.data.subarray(at, at + 3)).toEqual(Buffer.from([24, 24, 24]));
          }
        }
      }
    });

    it('rounds an odd size down and says so when whole frames cannot match the duration', async () => {
      const { harness, input, adapter } = pcd('bunny.pcd');
      const result = await harness.invoke(adapter, {
        task: 'turntable',
        inputs: [input],
        output: { modality: 'video', mediaType: 'video/webm' },
        options: { width: 65, height: 48, duration: 0.1, fps: 10, view: 'top' },
      });
      expect(result.warnings).toEqual([
        'view is ignored by turntable (it is a render option)',
        'turntable width 65 is rounded down to 64: yuv420p video needs even sizes',
        'the turntable lasts 0.200 s: 2 whole frames at 10 fps',
      ]);
      const probe = await ffmpeg.probe(binaryOutput(result).data, never, 'webm');
      expect(probe.streams[0]).toMatchObject({ codecName: 'vp9', width: 64, height: 48 });
    });

    it('refuses sizes and lengths over the limits before rendering', async () => {
      const { harness, input, adapter } = pcd('bunny.pcd');
      const turntable = (options: Record<string, unknown>) =>
        harness.invoke(adapter, {
          task: 'turntable',
          inputs: [input],
          output: { modality: 'video' },
          options,
        });
      await expect(turntable({ width: 1920, height: 1080, duration: 20, fps: 30 })).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('over the 256 MiB limit') as unknown,
      });
      await expect(turntable({ width: 2048 })).rejects.toMatchObject({ code: 'invalid_request' });
      expect(() => adapter.options.parse({ duration: 21 })).toThrow();
      expect(() => adapter.options.parse({ fps: 31 })).toThrow();
      await expect(
        harness.invoke(adapter, {
          task: 'turntable',
          inputs: [input],
          output: { modality: 'video', mediaType: 'video/quicktime' },
        }),
      ).rejects.toMatchObject({ code: 'unprocessable_input' });
    });

    it('refuses a cloud without a finite point, and bytes that are no cloud, as unprocessable input', async () => {
      const header = [
        'VERSION .7',
        'FIELDS x y z',
        'SIZE 4 4 4',
        'TYPE F F F',
        'COUNT 1 1 1',
        'WIDTH 2',
        'HEIGHT 1',
        'POINTS 2',
        'DATA ascii',
      ];
      for (const data of [
        Buffer.from([...header, 'nan nan nan', 'nan 1 2', ''].join('\n')),
        Buffer.from('ply\nformat ascii 1.0\nelement vertex 3\nend_header\n1 2\n'),
      ]) {
        const { harness, input, adapter } = setup(data, 'application/x-pcd');
        await expect(
          harness.invoke(adapter, { task: 'turntable', inputs: [input], output: { modality: 'video' } }),
        ).rejects.toMatchObject({ code: 'unprocessable_input' });
      }
    });

    it('stops between frames when aborted, without running ffmpeg', async () => {
      const own = new Ffmpeg();
      const run = vi.spyOn(own, 'run');
      const harness = createAdapterHarness();
      const input = harness.put(fixture('pointcloud/milk_color.pcd'), {
        modality: 'pointcloud',
        mediaType: 'application/x-pcd',
      });
      const pending = harness.invoke(new PointCloudAdapter(own), {
        task: 'turntable',
        inputs: [input],
        output: { modality: 'video' },
      });
      setImmediate(() => harness.controller.abort());
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      expect(run).not.toHaveBeenCalled();
    });

    it('declares pointcloud → video (MP4, WebM) with its own cost hint', () => {
      const capability = new PointCloudAdapter(ffmpeg).descriptor.capabilities.find(
        (c) => c.task === 'turntable',
      );
      expect(capability).toMatchObject({
        inputs: ['pointcloud'],
        output: 'video',
        outputMediaTypes: ['video/mp4', 'video/webm'],
        costHint: 2,
      });
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

  describe('hostile input', () => {
    it('decodes against the limits it is given: a cloud over LIMIT_POINTS is 413, not retryable', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(fixture('pointcloud/bunny.pcd'), {
        modality: 'pointcloud',
        mediaType: 'application/x-pcd',
      });
      const adapter = new PointCloudAdapter(ffmpeg, { ...DEFAULT_INPUT_LIMITS, points: 396 });
      const error = await harness
        .invoke(adapter, { task: 'describe', inputs: [input], output: { modality: 'text' } })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(AdapterError);
      expect(error).toMatchObject({
        code: 'payload_too_large',
        retryable: false,
        details: { limit: 'LIMIT_POINTS', max: 396, actual: 397 },
      });
    });

    it.each(['binary', 'ascii', 'binary_compressed'] as const)(
      'refuses the H2 PCD (DATA %s, COUNT 100000000 over 10 points) as unprocessable input at once',
      async (encoding) => {
        const { harness, input, adapter } = setup(h2Pcd(encoding), 'application/x-pcd');
        const started = performance.now();
        await expect(
          harness.invoke(adapter, { task: 'describe', inputs: [input], output: { modality: 'text' } }),
        ).rejects.toMatchObject({ code: 'unprocessable_input', retryable: false });
        expect(performance.now() - started).toBeLessThan(2_000);
      },
    );

    it('voxel: the voxels a Map of their cell numbers finds, for negative, repeated and NaN points', () => {
      const count = 20_000;
      const cloud: PointCloud = {
        count,
        fields: ['x', 'y', 'z', 'intensity'].map((name) => createField(name, 'float32', count)),
      };
      const [x, y, z, intensity] = cloud.fields;
      for (let i = 0; i < count; i++) {
        x.values[i] = Math.sin(i * 0.37) * 5 - 3;
        y.values[i] = (i % 97) * 0.05 - 2;
        z.values[i] = i % 500 === 0 ? NaN : Math.cos(i * 1.1) * 0.5;
        intensity.values[i] = i;
      }
      const size = 0.25;
      const xyz = positions(cloud);
      const finite = (i: number) => [0, 1, 2].every((a) => Number.isFinite(xyz[3 * i + a]));
      const points = Array.from({ length: count }, (_v, i) => i).filter(finite);
      const origin = [0, 1, 2].map((a) => points.reduce((low, i) => Math.min(low, xyz[3 * i + a]), Infinity));
      const firsts = new Map<string, number>();
      for (const i of points) {
        const key = [0, 1, 2].map((a) => Math.floor((xyz[3 * i + a] - origin[a]) / size)).join(',');
        if (!firsts.has(key)) firsts.set(key, i);
      }
      const voxels = voxelCloud(cloud, size);
      expect(voxels.count).toBe(firsts.size);
      // The voxels in the order of their first points; each keeps its first point's other fields.
      expect(Array.from(voxels.fields[3].values)).toEqual([...firsts.values()]);
    });

    it('draws one point in k when all would pass the pixel budget', () => {
      expect(drawingStep(20_000_000, 60, 2)).toBe(24);
      expect(drawingStep(20_000_000, 1, 1)).toBe(1);
      expect(drawingStep(MAX_PIXEL_DRAWS + 1, 1, 1)).toBe(2);
      const cloud: PointCloud = { count: 10, fields: [createField('x', 'float32', 10)] };
      cloud.fields[0].values.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(Array.from(everyNthPoint(cloud, 4).fields[0].values)).toEqual([0, 4, 8]);
    });
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
