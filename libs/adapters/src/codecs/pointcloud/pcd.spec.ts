import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../sdk/adapter-error';
import { readPcd } from './pcd-reader';
import { writePcd } from './pcd-writer';
import type { PointCloud } from './point-cloud';
import { cloudDifferences } from './testing';

const pcd = (lines: string[]) => Buffer.from(lines.join('\n') + '\n', 'latin1');

function values(cloud: PointCloud, name: string): number[] {
  const field = cloud.fields.find((f) => f.name === name);
  if (!field) throw new Error(`no field ${name}`);
  return Array.from(field.values);
}

const headerOf = (data: Buffer) => data.toString('latin1', 0, data.indexOf('\nDATA ')).split('\n');

describe('readPcd', () => {
  it('splits a field with COUNT > 1 into components and writes COUNT back', () => {
    const source = pcd([
      'VERSION 0.7',
      'FIELDS x y z hist _',
      'SIZE 4 4 4 2 1',
      'TYPE F F F U U',
      'COUNT 1 1 1 3 2',
      'WIDTH 2',
      'HEIGHT 1',
      'POINTS 2',
      'DATA ascii',
      '1 2 3 10 20 30 0 0',
      '4 5 6 40 50 60 1 2',
    ]);
    const cloud = readPcd(source);
    expect(cloud.fields.map((f) => f.name)).toEqual([
      'x',
      'y',
      'z',
      'hist_0',
      'hist_1',
      'hist_2',
      '__0',
      '__1',
    ]);
    expect(cloud.fields[4]).toMatchObject({
      type: 'uint16',
      component: { field: 'hist', index: 1, count: 3 },
    });
    expect(values(cloud, 'hist_2')).toEqual([30, 60]);
    expect(values(cloud, '__1')).toEqual([0, 2]);
    for (const encoding of ['ascii', 'binary', 'binary_compressed'] as const) {
      const written = writePcd(cloud, encoding);
      expect(headerOf(written)).toContain('FIELDS x y z hist _');
      expect(headerOf(written)).toContain('SIZE 4 4 4 2 1');
      expect(headerOf(written)).toContain('TYPE F F F U U');
      expect(headerOf(written)).toContain('COUNT 1 1 1 3 2');
      expect(cloudDifferences(readPcd(written), cloud, { exactBits: true })).toEqual([]);
    }
  });

  it('keeps an organized cloud with NaN points, and its viewpoint', () => {
    const source = pcd([
      '# .PCD v0.7 - Point Cloud Data file format',
      'VERSION 0.7',
      'FIELDS x y z',
      'SIZE 4 4 4',
      'TYPE F F F',
      'COUNT 1 1 1',
      'WIDTH 2',
      'HEIGHT 2',
      'VIEWPOINT 1 2 3 0.5 0.5 0.5 0.5',
      'POINTS 4',
      'DATA ascii',
      '0 0 1',
      'nan nan nan',
      '1 1 1',
      'nan nan nan',
    ]);
    const cloud = readPcd(source);
    expect(cloud.organized).toEqual({ width: 2, height: 2 });
    expect(cloud.viewpoint).toEqual([1, 2, 3, 0.5, 0.5, 0.5, 0.5]);
    expect(values(cloud, 'x')).toEqual([0, NaN, 1, NaN]);
    for (const encoding of ['ascii', 'binary', 'binary_compressed'] as const) {
      const again = readPcd(writePcd(cloud, encoding));
      expect(again.organized).toEqual({ width: 2, height: 2 });
      expect(again.viewpoint).toEqual(cloud.viewpoint);
      expect(cloudDifferences(again, cloud)).toEqual([]);
    }
  });

  it('reads old headers: v0.5 without VIEWPOINT, COLUMNS, missing SIZE/TYPE/COUNT/WIDTH/HEIGHT', () => {
    const cloud = readPcd(
      pcd(['# old', 'VERSION .5', 'COLUMNS x y z', 'POINTS 2', 'DATA ascii', '1 2 3', '', '4 5 6']),
    );
    expect(cloud.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['x:float32', 'y:float32', 'z:float32']);
    expect(values(cloud, 'z')).toEqual([3, 6]);
    expect(cloud.viewpoint).toBeUndefined();
    expect(cloud.organized).toBeUndefined();

    const v6 = readPcd(
      pcd(['VERSION .6', 'FIELDS x', 'SIZE 8', 'TYPE F', 'WIDTH 3', 'DATA ascii', '1', '2', '3']),
    );
    expect(v6.count).toBe(3);
    expect(v6.fields[0].type).toBe('float64');
  });

  it('reads a float rgb written by PCL as its uint32 pattern in ascii, and writes it back the same way', () => {
    const source = pcd([
      'VERSION 0.7',
      'FIELDS x rgb',
      'SIZE 4 4',
      'TYPE F F',
      'COUNT 1 1',
      'WIDTH 2',
      'HEIGHT 1',
      'POINTS 2',
      'DATA ascii',
      '1 4294901760',
      '2 4.2108e+06',
    ]);
    const cloud = readPcd(source);
    const bits = new Uint32Array(cloud.fields[1].values.buffer);
    expect(bits[0]).toBe(0xffff0000);
    expect(cloud.fields[1].values[1]).toBe(Math.fround(4.2108e6));
    const ascii = writePcd(cloud, 'ascii').toString('latin1');
    expect(ascii).toContain('\n1 4294901760\n');
    expect(cloudDifferences(readPcd(writePcd(cloud, 'binary')), cloud, { exactBits: true })).toEqual([]);
  });

  it('reads every integer and float type in binary', () => {
    const header = [
      'VERSION 0.7',
      'FIELDS a b c d e f g h',
      'SIZE 1 1 2 2 4 4 4 8',
      'TYPE I U I U I U F F',
      'COUNT 1 1 1 1 1 1 1 1',
      'WIDTH 1',
      'HEIGHT 1',
      'POINTS 1',
      'DATA binary',
      '',
    ].join('\n');
    const body = Buffer.alloc(26);
    body.writeInt8(-5, 0);
    body.writeUInt8(250, 1);
    body.writeInt16LE(-300, 2);
    body.writeUInt16LE(60000, 4);
    body.writeInt32LE(-70000, 6);
    body.writeUInt32LE(4000000000, 10);
    body.writeFloatLE(1.5, 14);
    body.writeDoubleLE(Math.E, 18);
    const cloud = readPcd(Buffer.concat([Buffer.from(header), body]));
    expect(cloud.fields.map((f) => f.type)).toEqual([
      'int8',
      'uint8',
      'int16',
      'uint16',
      'int32',
      'uint32',
      'float32',
      'float64',
    ]);
    expect(cloud.fields.map((f) => f.values[0])).toEqual([
      -5,
      250,
      -300,
      60000,
      -70000,
      4000000000,
      1.5,
      Math.E,
    ]);
    expect(writePcd(cloud, 'binary').subarray(-26).equals(body)).toBe(true);
  });

  it.each([
    ['an unknown type', ['FIELDS x', 'SIZE 4', 'TYPE Q', 'POINTS 0', 'DATA ascii'], /unsupported TYPE Q/],
    [
      'a 64-bit integer',
      ['FIELDS x', 'SIZE 8', 'TYPE I', 'POINTS 0', 'DATA ascii'],
      /unsupported TYPE I with SIZE 8/,
    ],
    ['a SIZE count mismatch', ['FIELDS x y', 'SIZE 4', 'POINTS 0', 'DATA ascii'], /SIZE has 1 entries for 2/],
    [
      'WIDTH × HEIGHT ≠ POINTS',
      ['FIELDS x', 'WIDTH 3', 'HEIGHT 2', 'POINTS 5', 'DATA ascii'],
      /WIDTH 3 × HEIGHT 2/,
    ],
    ['an unknown DATA', ['FIELDS x', 'POINTS 0', 'DATA binary_lz4'], /unknown DATA/],
    ['no DATA line', ['FIELDS x', 'POINTS 0'], /does not end/],
    ['a line that is not a header entry', ['FIELDS x', 'BOGUS 1', 'DATA ascii'], /unexpected line/],
    ['COUNT 0', ['FIELDS x', 'COUNT 0', 'POINTS 0', 'DATA ascii'], /COUNT 0/],
    ['a short VIEWPOINT', ['FIELDS x', 'VIEWPOINT 0 0 0', 'POINTS 0', 'DATA ascii'], /VIEWPOINT needs 7/],
    ['a negative POINTS', ['FIELDS x', 'POINTS -1', 'DATA ascii'], /bad POINTS/],
  ])('refuses %s', (_name, lines, message) => {
    expect(() => readPcd(pcd(lines))).toThrow(AdapterError);
    expect(() => readPcd(pcd(lines))).toThrow(message);
  });

  it('refuses ascii lines with the wrong number of values or a bad value', () => {
    const head = ['FIELDS x y', 'TYPE U U', 'SIZE 1 1', 'POINTS 2', 'DATA ascii'];
    expect(() => readPcd(pcd([...head, '1 2', '3    ']))).toThrow(/line 2 has 1 values, 2 expected/);
    expect(() => readPcd(pcd([...head, '1 2', '3 -4']))).toThrow(/"-4" is not a valid y/);
    expect(() => readPcd(pcd([...head, '1 2', '    ']))).toThrow(/ends after 1 of 2 points/);
  });
});
