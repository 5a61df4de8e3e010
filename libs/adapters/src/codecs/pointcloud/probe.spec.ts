import { describe, expect, it } from 'vitest';
import { fixture, manifest } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { decodePointCloud, encodePointCloud } from './point-cloud-codec';
import { probePointCloud } from './probe';

const SAMPLE_BYTES = 64 * 1024;
const entries = manifest().filter((entry) => entry.modality === 'pointcloud');

describe('probePointCloud', () => {
  it.each(entries.map((entry) => [entry.path, entry] as const))(
    'reads the header of %s from a 64 KiB prefix',
    (path, entry) => {
      const data = fixture(path);
      const format = entry.format as 'ply' | 'pcd';
      const probe = probePointCloud(data.subarray(0, SAMPLE_BYTES), data.length, format);
      expect(probe).toMatchObject({ format, encoding: entry.encoding, points: entry.points });
      if (entry.fields) expect(probe.fields).toEqual(entry.fields);
      if (entry.faces !== undefined) expect(probe.faces).toBe(entry.faces);
      expect(probe.fields).toEqual(decodePointCloud(data, format).fields.map((field) => field.name));
    },
  );

  it('gives PCD WIDTH and HEIGHT', () => {
    const data = fixture('pointcloud/colored_cloud.pcd');
    expect(probePointCloud(data.subarray(0, 1024), data.length, 'pcd')).toMatchObject({
      width: 1,
      height: 1000,
    });
  });

  it('refuses a header that announces more data than the file holds', () => {
    const header = Buffer.from(
      'VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 4000000000\nHEIGHT 1\nPOINTS 4000000000\nDATA binary\n',
    );
    const data = Buffer.concat([header, Buffer.alloc(10)]);
    expect(() => probePointCloud(data, data.length, 'pcd')).toThrow(AdapterError);
    expect(() => probePointCloud(data, data.length, 'pcd')).toThrow(
      /4000000000 points need 48000000000 bytes/,
    );
    const ply = Buffer.from(
      'ply\nformat binary_little_endian 1.0\nelement vertex 4000000000\nproperty float x\nend_header\n',
    );
    expect(() => probePointCloud(ply, ply.length + 10, 'ply')).toThrow(
      /more than the \d+ bytes of the file hold/,
    );
  });

  it('checks the compressed block sizes when the sample reaches them', () => {
    const data = Buffer.from(fixture('pointcloud/car6.pcd'));
    const sizes = data.indexOf('DATA binary_compressed\n') + 23;
    data.writeUInt32LE(data.readUInt32LE(sizes + 4) + 4, sizes + 4);
    expect(() => probePointCloud(data.subarray(0, SAMPLE_BYTES), data.length, 'pcd')).toThrow(
      /says it holds/,
    );
  });

  it('estimates an XYZ point count from a sample of whole lines', () => {
    const cloud = decodePointCloud(fixture('pointcloud/lamppost.pcd'), 'pcd');
    const text = encodePointCloud(cloud, 'xyz');
    const whole = probePointCloud(text, text.length, 'xyz');
    expect(whole).toEqual({ format: 'xyz', encoding: 'ascii', points: 1771, fields: ['x', 'y', 'z'] });
    const partial = probePointCloud(text.subarray(0, 4096), text.length, 'xyz');
    expect(partial.pointsEstimated).toBe(true);
    expect(partial.points).toBeGreaterThan(1771 * 0.8);
    expect(partial.points).toBeLessThan(1771 * 1.2);
  });

  describe('JSON', () => {
    const lamppost = encodePointCloud(decodePointCloud(fixture('pointcloud/lamppost.pcd'), 'pcd'), 'json');
    const colored = encodePointCloud(
      decodePointCloud(fixture('pointcloud/colored_cloud.pcd'), 'pcd'),
      'json',
    );
    const coloredFields = ['x', 'y', 'z', 'rgb', 'normal_x', 'normal_y', 'normal_z', 'curvature'];

    it('counts the points of a whole file and estimates them from a prefix of the rows form', () => {
      expect(probePointCloud(lamppost, lamppost.length, 'json')).toEqual({
        format: 'json',
        encoding: 'ascii',
        points: 1771,
        fields: ['x', 'y', 'z'],
      });
      const partial = probePointCloud(lamppost.subarray(0, 4096), lamppost.length, 'json');
      expect(partial).toMatchObject({ format: 'json', pointsEstimated: true, fields: ['x', 'y', 'z'] });
      expect(partial.points).toBeGreaterThan(1771 * 0.8);
      expect(partial.points).toBeLessThan(1771 * 1.2);
    });

    it('takes the fields and the grid from the start of the file', () => {
      expect(colored.length).toBeGreaterThan(SAMPLE_BYTES);
      const probe = probePointCloud(colored.subarray(0, SAMPLE_BYTES), colored.length, 'json');
      expect(probe).toMatchObject({ fields: coloredFields, width: 1, height: 1000, pointsEstimated: true });
      expect(probe.points).toBeGreaterThan(800);
      expect(probe.points).toBeLessThan(1200);
      expect(probePointCloud(colored, colored.length, 'json')).toMatchObject({
        points: 1000,
        fields: coloredFields,
        width: 1,
        height: 1000,
      });
    });

    it('names columns by the width of the rows when the sample has no "fields"', () => {
      const rows = Buffer.from(`{"points":[\n${'[1.25,2.5,3.75,4.5],\n'.repeat(500)}[0,0,0,0]]}`);
      const probe = probePointCloud(rows.subarray(0, 2000), rows.length, 'json');
      expect(probe.fields).toEqual(['x', 'y', 'z', 'column_3']);
      expect(probe.points).toBeGreaterThan(450);
      expect(probe.points).toBeLessThan(550);
    });

    it('reads the arrays form: positions counted or estimated, fields from the keys seen', () => {
      const positions = Array.from({ length: 3000 }, (_v, i) => (i * 0.37) % 11);
      const alone = Buffer.from(JSON.stringify({ positions }));
      const estimated = probePointCloud(alone.subarray(0, 4000), alone.length, 'json');
      expect(estimated).toMatchObject({ pointsEstimated: true, fields: ['x', 'y', 'z'] });
      expect(estimated.points).toBeGreaterThan(800);
      expect(estimated.points).toBeLessThan(1200);

      const colors = Array.from({ length: 3000 }, (_v, i) => i % 256);
      const both = Buffer.from(JSON.stringify({ positions: positions.slice(0, 30), colors: colors }));
      const counted = probePointCloud(both.subarray(0, 400), both.length, 'json');
      expect(counted).toEqual({
        format: 'json',
        encoding: 'ascii',
        points: 10,
        fields: ['x', 'y', 'z', 'red', 'green', 'blue'],
      });
    });

    it.each([
      ['a bare array', '[[1, 2, 3], [4, 5, 6], [7, 8', /not an object/],
      ['an unknown key', '{"model": "m", "points": [[1, 2, 3], [4, 5', /unknown key "model"/],
      ['ragged rows', '{"points": [[1, 2, 3], [4, 5, 6, 7], [8', /points\[1\] has 4 values, 3 expected/],
      ['rows of words', '{"points": [["a", "b", "c"], [', /points\[0\]\[0\] is not a number/],
      ['rows of 2 values', '{"points": [[1, 2], [3, 4], [5', /at least 3 values/],
      ['no whole row', '{"points": [[1, 2, 3', /no whole row/],
      ['no points key yet', '{"organized": {"width": 4', /ends before a "points" or "positions" key/],
      ['both forms', '{"positions": [1, 2, 3], "points": [[1, 2, 3], [4', /both "points" and "positions"/],
      ['a syntax error', '{"points": [[1, 2, 3] [4, 5, 6], [', /malformed JSON point cloud at offset/],
    ])('refuses a prefix with %s', (_name, prefix, message) => {
      const sample = Buffer.from(prefix);
      expect(() => probePointCloud(sample, 100_000, 'json')).toThrow(AdapterError);
      expect(() => probePointCloud(sample, 100_000, 'json')).toThrow(message);
    });

    it('refuses a whole file that is not a JSON point cloud', () => {
      const signal = Buffer.from('{"sampleRateHz": 100, "channels": [{"name": "a", "values": [1, 2]}]}');
      expect(() => probePointCloud(signal, signal.length, 'json')).toThrow(/no "points" or "positions"/);
    });
  });
});
