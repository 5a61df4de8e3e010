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
});
