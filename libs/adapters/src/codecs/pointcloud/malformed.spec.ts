import { describe, expect, it } from 'vitest';
import { fixture, manifest } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { decodePointCloud, encodePointCloud, type PointCloudFormat } from './point-cloud-codec';

const entries = manifest().filter((entry) => entry.modality === 'pointcloud');
const formatOf = (path: string): PointCloudFormat => (path.endsWith('.ply') ? 'ply' : 'pcd');

/** Decoding `data` fails with unprocessable_input whose message matches, in well under a second. */
function expectRefused(data: Buffer, format: PointCloudFormat, message?: RegExp): AdapterError {
  const started = performance.now();
  let caught: unknown;
  try {
    decodePointCloud(data, format);
  } catch (error) {
    caught = error;
  }
  expect(performance.now() - started).toBeLessThan(1000);
  expect(caught).toBeInstanceOf(AdapterError);
  const error = caught as AdapterError;
  expect(error.code).toBe('unprocessable_input');
  if (message) expect(error.message).toMatch(message);
  return error;
}

const headerEnd = (data: Buffer, format: PointCloudFormat) =>
  format === 'ply' ? data.indexOf('end_header\n') + 11 : data.indexOf('\n', data.indexOf('\nDATA ') + 1) + 1;

describe('malformed point clouds', () => {
  describe.each(entries.map((entry) => entry.path))('%s cut short', (path) => {
    const data = fixture(path);
    const format = formatOf(path);
    const dataStart = headerEnd(data, format);
    const binary = !/DATA ascii/.test(data.toString('latin1', 0, dataStart));

    it('inside the header', () => expectRefused(data.subarray(0, Math.floor(dataStart / 2)), format));
    it('right after the header', () => {
      if (decodeSize(data, format) > 0) expectRefused(data.subarray(0, dataStart), format);
    });
    it('halfway through the data', () =>
      expectRefused(data.subarray(0, dataStart + Math.floor((data.length - dataStart) / 2)), format));
    if (binary)
      it('by one byte of its data', () => {
        // PCL pads binary_compressed files with zeros after the block: cut the block itself.
        const compressed = /DATA binary_compressed/.test(data.toString('latin1', 0, dataStart));
        const end = compressed ? dataStart + 8 + data.readUInt32LE(dataStart) : data.length;
        expectRefused(data.subarray(0, end - 1), format);
      });
  });

  it.each([
    ['PCD binary', 'binary'],
    ['PCD ascii', 'ascii'],
    ['PCD binary_compressed', 'binary_compressed'],
  ])('refuses POINTS 10000000 over 10 bytes of %s quickly, without allocating for it', (_name, encoding) => {
    const header = `VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 10000000\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS 10000000\nDATA ${encoding}\n`;
    expectRefused(Buffer.concat([Buffer.from(header), Buffer.alloc(10, 0x31)]), 'pcd');
  });

  it.each(['ascii', 'binary_little_endian', 'binary_big_endian'])(
    'refuses a PLY %s vertex count of 10000000 over 10 bytes',
    (encoding) => {
      const header = `ply\nformat ${encoding} 1.0\nelement vertex 10000000\nproperty float x\nproperty float y\nproperty float z\nend_header\n`;
      expectRefused(Buffer.concat([Buffer.from(header), Buffer.alloc(10, 0x31)]), 'ply', /10000000|at least/);
    },
  );

  it('refuses a PLY face count the data cannot hold', () => {
    const data = Buffer.from(
      fixture('pointcloud/cube.ply').toString('latin1').replace('element face 12', 'element face 13'),
      'latin1',
    );
    expectRefused(data, 'ply', /face/);
  });

  it('refuses a PCD POINTS larger than the binary data', () => {
    const data = fixture('pointcloud/colored_cloud.pcd')
      .toString('latin1')
      .replace('HEIGHT 1000', 'HEIGHT 1001');
    expectRefused(Buffer.from(data.replace('POINTS 1000', 'POINTS 1001'), 'latin1'), 'pcd', /1001 points/);
  });

  describe('bad LZF blocks', () => {
    const original = fixture('pointcloud/car6.pcd');
    const sizes = original.indexOf('DATA binary_compressed\n') + 23;
    const variant = (change: (data: Buffer) => void) => {
      const data = Buffer.from(original);
      change(data);
      return data;
    };

    it('a compressed size past the end of the file', () =>
      expectRefused(
        variant((d) => d.writeUInt32LE(d.length, sizes)),
        'pcd',
        /compressed block says/,
      ));
    it('an uncompressed size that does not match POINTS', () =>
      expectRefused(
        variant((d) => d.writeUInt32LE(d.readUInt32LE(sizes + 4) * 2, sizes + 4)),
        'pcd',
        /says it holds/,
      ));
    it('a POINTS that does not match the uncompressed size', () => {
      const text = original
        .toString('latin1')
        .replace('WIDTH 10031', 'WIDTH 10030')
        .replace('POINTS 10031', 'POINTS 10030');
      expectRefused(Buffer.from(text, 'latin1'), 'pcd', /says it holds 120372 bytes/);
    });
    it('a stream cut short by its compressed size', () =>
      expectRefused(
        variant((d) => d.writeUInt32LE(d.readUInt32LE(sizes) - 100, sizes)),
        'pcd',
        /corrupt LZF data/,
      ));
    it('a stream whose first reference points before the start', () =>
      expectRefused(
        variant((d) => (d[sizes + 8] = 0xff)),
        'pcd',
        /corrupt LZF data/,
      ));
    it('a missing size word', () => expectRefused(original.subarray(0, sizes + 5), 'pcd', /size words/));
    it('keeps the LZF error as the cause', () => {
      const error = expectRefused(
        variant((d) => (d[sizes + 8] = 0xff)),
        'pcd',
      );
      expect((error.cause as Error).name).toBe('LzfError');
    });
  });

  it('gives up on a header that does not end within 1 MiB', () => {
    const comments = Buffer.from('# comment line\n'.repeat(150_000));
    expectRefused(
      Buffer.concat([Buffer.from('VERSION 0.7\n'), comments]),
      'pcd',
      /does not end in the first 1048576 bytes/,
    );
    expectRefused(Buffer.concat([Buffer.from('ply\nformat ascii 1.0\n'), comments]), 'ply', /does not end/);
  });

  it('refuses bytes that are not a point cloud in any format', () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    expectRefused(png, 'ply', /does not start with "ply"/);
    expectRefused(png, 'pcd');
    expectRefused(png, 'xyz');
    expectRefused(Buffer.alloc(0), 'pcd');
  });

  it('survives random corruption: every result is a cloud or an unprocessable_input error', () => {
    let state = 12345;
    const random = (below: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % below;
    };
    const sources = [
      ...entries.map((entry) => ({ data: fixture(entry.path), format: formatOf(entry.path) })),
      {
        data: encodePointCloud(decodePointCloud(fixture('pointcloud/cube.ply'), 'ply'), 'ply', {
          encoding: 'ascii',
        }),
        format: 'ply' as const,
      },
      {
        data: encodePointCloud(decodePointCloud(fixture('pointcloud/bunny.pcd'), 'pcd'), 'xyz'),
        format: 'xyz' as const,
      },
    ];
    const started = performance.now();
    for (const { data, format } of sources) {
      const headerBytes = Math.min(data.length, 400);
      for (let round = 0; round < 60; round++) {
        const mutated = Buffer.from(data);
        const edits = 1 + random(4);
        for (let e = 0; e < edits; e++) {
          // Mostly in the header, where lengths and counts live.
          const at = random(3) === 0 ? random(mutated.length) : random(headerBytes);
          mutated[at] = random(3) === 0 ? 0x30 + random(10) : random(256);
        }
        try {
          const cloud = decodePointCloud(mutated, format);
          for (const field of cloud.fields) expect(field.values.length).toBe(cloud.count);
        } catch (error) {
          expect(error).toBeInstanceOf(AdapterError);
          expect((error as AdapterError).code).toBe('unprocessable_input');
        }
      }
    }
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

function decodeSize(data: Buffer, format: PointCloudFormat): number {
  return decodePointCloud(data, format).count;
}
