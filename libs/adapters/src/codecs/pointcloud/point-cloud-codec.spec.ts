import { describe, expect, it } from 'vitest';
import { fixture, manifest } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { fieldBytes, isPackedColorField, type PointCloud } from './point-cloud';
import {
  decodePointCloud,
  encodePointCloud,
  POINT_CLOUD_MEDIA_TYPES,
  pointCloudFormatOf,
  type PointCloudEncoding,
  type PointCloudFormat,
} from './point-cloud-codec';
import { cloudDifferences } from './testing';

const entries = manifest().filter((entry) => entry.modality === 'pointcloud');

const targets: { format: PointCloudFormat; encoding: PointCloudEncoding; binary: boolean }[] = [
  { format: 'ply', encoding: 'ascii', binary: false },
  { format: 'ply', encoding: 'binary_little_endian', binary: true },
  { format: 'ply', encoding: 'binary_big_endian', binary: true },
  { format: 'pcd', encoding: 'ascii', binary: false },
  { format: 'pcd', encoding: 'binary', binary: true },
  { format: 'pcd', encoding: 'binary_compressed', binary: true },
  { format: 'xyz', encoding: 'ascii', binary: false },
  { format: 'json', encoding: 'ascii', binary: false },
];

function decodeFixture(path: string): PointCloud {
  return decodePointCloud(fixture(path), path.endsWith('.ply') ? 'ply' : 'pcd');
}

function headerLines(data: Buffer, keywords: string[]): string[] {
  const end = data.indexOf('\nDATA ');
  return data
    .toString('latin1', 0, end)
    .split('\n')
    .filter((line) => keywords.includes(line.split(' ')[0]));
}

describe('point cloud fixtures', () => {
  it('has the pointcloud fixtures the tests are about', () => {
    expect(entries.map((entry) => entry.path).sort()).toEqual(
      expect.arrayContaining(['pointcloud/car6.pcd', 'pointcloud/cube.ply', 'pointcloud/milk_color.pcd']),
    );
  });

  it.each(entries.map((entry) => [entry.path, entry] as const))(
    'decodes %s with the manifest point count and fields',
    (path, entry) => {
      const cloud = decodeFixture(path);
      expect(cloud.count).toBe(entry.points);
      for (const field of cloud.fields) expect(field.values.length).toBe(cloud.count);
      if (entry.fields) expect(cloud.fields.map((field) => field.name)).toEqual(entry.fields);
      if (entry.faces !== undefined) {
        expect(cloud.skippedElements).toEqual([{ name: 'face', count: entry.faces }]);
      }
    },
  );

  it('reads the values that are in the files', () => {
    const cube = decodeFixture('pointcloud/cube.ply');
    expect(cube.fields.map((field) => `${field.name}:${field.type}`)).toEqual([
      'x:float32',
      'y:float32',
      'z:float32',
    ]);
    expect(Array.from(cube.fields[0].values.slice(0, 3))).toEqual([-1, -1, -1]);

    const bun0 = decodeFixture('pointcloud/bun0.pcd');
    expect(bun0.fields[0].values[0]).toBe(Math.fround(0.0054215998));
    expect(bun0.fields[6].values[0]).toBe(Math.fround(0.0030943851));
    expect(bun0.viewpoint).toEqual([0, 0, 0, 1, 0, 0, 0]);

    const colored = decodeFixture('pointcloud/colored_cloud.pcd');
    expect(colored.fields.find((field) => field.name === 'rgb')).toMatchObject({ type: 'uint32' });
    expect(colored.fields[3].values[0]).toBe(0xff6c6d69);
    // WIDTH 1 HEIGHT 1000: PCL calls a cloud with HEIGHT > 1 organized.
    expect(colored.organized).toEqual({ width: 1, height: 1000 });

    const bunny = decodeFixture('pointcloud/bunny.pcd');
    expect(bunny.viewpoint).toBeUndefined();
    expect(bunny.organized).toBeUndefined();
  });

  describe.each(entries.map((entry) => entry.path))('%s round trips', (path) => {
    const original = decodeFixture(path);

    it.each(targets)('through $format $encoding', ({ format, encoding, binary }) => {
      const encoded = encodePointCloud(original, format, { encoding });
      const decoded = decodePointCloud(encoded, format);
      expect(cloudDifferences(decoded, original)).toEqual([]);
      if (binary) expect(cloudDifferences(decoded, original, { exactBits: true })).toEqual([]);
      if (format !== 'ply') expect(decoded.organized).toEqual(original.organized);
    });
  });

  it.each(entries.filter((entry) => entry.format === 'pcd').map((entry) => entry.path))(
    'restores the header of %s when written as PCD again',
    (path) => {
      const data = fixture(path);
      const encoding = /DATA (\S+)/.exec(data.toString('latin1', 0, 2048))?.[1] as PointCloudEncoding;
      const encoded = encodePointCloud(decodeFixture(path), 'pcd', { encoding });
      const keywords = ['FIELDS', 'SIZE', 'TYPE', 'COUNT', 'WIDTH', 'HEIGHT', 'POINTS'];
      expect(headerLines(encoded, keywords)).toEqual(headerLines(data, keywords));
      if (encoding === 'binary') {
        // Same layout, same bytes: the data block is the original's, packed rgb and all.
        const body = (buffer: Buffer) => buffer.subarray(buffer.indexOf('DATA binary\n') + 12);
        expect(body(encoded).equals(body(data))).toBe(true);
      }
    },
  );

  it.each(entries.map((entry) => entry.path))(
    'converts %s to JSON and back with names, types, values, grid and viewpoint',
    (path) => {
      const original = decodeFixture(path);
      const decoded = decodePointCloud(encodePointCloud(original, 'json'), 'json');
      expect(decoded.count).toBe(original.count);
      expect(decoded.fields.map((field) => [field.name, field.type])).toEqual(
        original.fields.map((field) => [field.name, field.type]),
      );
      // Text encodings keep every value but not NaN payloads; packed colours keep their bits.
      expect(cloudDifferences(decoded, original)).toEqual([]);
      for (const field of original.fields.filter(isPackedColorField)) {
        const again = decoded.fields.find((other) => other.name === field.name);
        expect(again && Buffer.from(fieldBytes(again)).equals(Buffer.from(fieldBytes(field)))).toBe(true);
      }
      expect(decoded.organized).toEqual(original.organized);
      expect(decoded.viewpoint).toEqual(original.viewpoint);
      // PCD COUNT > 1 components and PLY's other elements are not carried by JSON.
      expect(decoded.skippedElements).toBeUndefined();
    },
  );

  it('decodes its own binary_compressed output to the same bytes and compresses', () => {
    const milk = decodeFixture('pointcloud/milk_color.pcd');
    const compressed = encodePointCloud(milk, 'pcd', { encoding: 'binary_compressed' });
    const plain = encodePointCloud(milk, 'pcd', { encoding: 'binary' });
    expect(compressed.length).toBeLessThan(plain.length);
    expect(cloudDifferences(decodePointCloud(compressed, 'pcd'), milk, { exactBits: true })).toEqual([]);
  });
});

describe('encodePointCloud', () => {
  const cloud = decodeFixture('pointcloud/cube.ply');

  it('defaults to binary little-endian PLY, binary PCD and XYZ text', () => {
    expect(encodePointCloud(cloud, 'ply').toString('latin1', 0, 40)).toContain(
      'format binary_little_endian 1.0',
    );
    expect(encodePointCloud(cloud, 'pcd').toString('latin1')).toContain('\nDATA binary\n');
    expect(encodePointCloud(cloud, 'xyz').toString('utf8').split('\n')[0]).toBe(
      '# fields: x:float32 y:float32 z:float32',
    );
    expect(encodePointCloud(cloud, 'json').toString('utf8').split('\n')[0]).toBe(
      '{"fields":["x","y","z"],"types":["float32","float32","float32"],"points":[',
    );
  });

  it('refuses an encoding the format does not have', () => {
    expect(() => encodePointCloud(cloud, 'pcd', { encoding: 'binary_big_endian' })).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
    expect(() => encodePointCloud(cloud, 'xyz', { encoding: 'binary' })).toThrow(AdapterError);
    expect(() => encodePointCloud(cloud, 'json', { encoding: 'binary' })).toThrow(/json has no "binary"/);
  });

  it('refuses an inconsistent cloud', () => {
    const broken: PointCloud = {
      count: 3,
      fields: [{ name: 'x', type: 'float32', values: new Float32Array(2) }],
    };
    expect(() => encodePointCloud(broken, 'ply')).toThrow(/2 values for 3 points/);
    const spaced: PointCloud = {
      count: 1,
      fields: [{ name: 'a b', type: 'uint8', values: new Uint8Array(1) }],
    };
    expect(() => encodePointCloud(spaced, 'pcd')).toThrow(/spaces/);
    const mistyped = { count: 1, fields: [{ name: 'x', type: 'float32', values: new Float64Array(1) }] };
    expect(() => encodePointCloud(mistyped as unknown as PointCloud, 'pcd')).toThrow(/Float64Array/);
    const grid: PointCloud = { ...cloud, organized: { width: 5, height: 5 } };
    expect(() => encodePointCloud(grid, 'pcd')).toThrow(/organized grid/);
  });
});

describe('pointCloudFormatOf', () => {
  it('knows the media types the gateway uses', () => {
    expect(pointCloudFormatOf('application/x-ply')).toBe('ply');
    expect(pointCloudFormatOf('Application/X-PCD; charset=binary')).toBe('pcd');
    expect(pointCloudFormatOf('text/x-xyz')).toBe('xyz');
  });

  it('falls back to the extension only for generic media types', () => {
    expect(pointCloudFormatOf('application/octet-stream', 'scan.PLY')).toBe('ply');
    expect(pointCloudFormatOf('text/plain', 'points.xyz')).toBe('xyz');
    expect(pointCloudFormatOf('application/octet-stream', 'cloud.bin')).toBeUndefined();
    expect(pointCloudFormatOf('image/png', 'cloud.pcd')).toBeUndefined();
    expect(pointCloudFormatOf('text/plain')).toBeUndefined();
    expect(pointCloudFormatOf('text/plain', { filename: 'points.xyz' })).toBe('xyz');
  });

  it('gives json for JSON media types only for content known to be a point cloud', () => {
    // JSON signals share application/json: on its own it does not name a point cloud format.
    expect(pointCloudFormatOf('application/json')).toBeUndefined();
    expect(pointCloudFormatOf('application/octet-stream', 'cloud.json')).toBeUndefined();
    expect(pointCloudFormatOf('application/json', { knownPointCloud: true })).toBe('json');
    expect(pointCloudFormatOf('Text/JSON; charset=utf-8', { knownPointCloud: true })).toBe('json');
    expect(pointCloudFormatOf('application/vnd.example+json', { knownPointCloud: true })).toBe('json');
    expect(
      pointCloudFormatOf('application/octet-stream', { filename: 'cloud.JSON', knownPointCloud: true }),
    ).toBe('json');
    expect(pointCloudFormatOf('application/x-ply', { knownPointCloud: true })).toBe('ply');
    expect(pointCloudFormatOf('image/png', { knownPointCloud: true })).toBeUndefined();
    expect(POINT_CLOUD_MEDIA_TYPES.json).toBe('application/json');
  });
});
