import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { createField, type PointCloud } from './point-cloud';
import { readPly } from './ply-reader';
import { writePly } from './ply-writer';
import { cloudDifferences } from './testing';

const text = (lines: string[]) => Buffer.from(lines.join('\n') + '\n', 'latin1');

/** A binary PLY: the header lines, then bytes written by `body` through a DataView. */
function binaryPly(header: string[], size: number, body: (view: DataView) => void): Buffer {
  const head = Buffer.from(header.join('\n') + '\nend_header\n', 'latin1');
  const data = Buffer.alloc(size);
  body(new DataView(data.buffer, data.byteOffset, data.byteLength));
  return Buffer.concat([head, data]);
}

function values(cloud: PointCloud, name: string): number[] {
  const field = cloud.fields.find((f) => f.name === name);
  if (!field) throw new Error(`no field ${name}`);
  return Array.from(field.values);
}

describe('readPly', () => {
  it('reads ascii with every scalar vertex property and skips faces after the vertices', () => {
    const cloud = readPly(
      text([
        'ply',
        'format ascii 1.0',
        'comment made by hand',
        'element vertex 3',
        'property float x',
        'property float y',
        'property float z',
        'property uchar red',
        'property uchar green',
        'property uchar blue',
        'property int8 label',
        'property double time',
        'element face 1',
        'property list uchar int vertex_indices',
        'end_header',
        '0 0 0 255 0 0 -1 1.5',
        '1 0 0 0 255 0 2 2.25',
        '0 1 nan 0 0 255 127 1e300',
        '3 0 1 2',
      ]),
    );
    expect(cloud.count).toBe(3);
    expect(cloud.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'x:float32',
      'y:float32',
      'z:float32',
      'red:uint8',
      'green:uint8',
      'blue:uint8',
      'label:int8',
      'time:float64',
    ]);
    expect(values(cloud, 'z')).toEqual([0, 0, NaN]);
    expect(values(cloud, 'label')).toEqual([-1, 2, 127]);
    expect(values(cloud, 'time')).toEqual([1.5, 2.25, 1e300]);
    expect(cloud.skippedElements).toEqual([{ name: 'face', count: 1 }]);
  });

  it('skips list elements that come before the vertices, in ascii and in binary', () => {
    const ascii = readPly(
      text([
        'ply',
        'format ascii 1.0',
        'element face 2',
        'property list uchar int vertex_indices',
        'property uchar flags',
        'element vertex 2',
        'property short x',
        'property short y',
        'property short z',
        'end_header',
        '3 0 1 2 7',
        '4 0 1 2 3 8',
        '1 2 3',
        '-4 5 -6',
      ]),
    );
    expect(values(ascii, 'x')).toEqual([1, -4]);
    expect(values(ascii, 'z')).toEqual([3, -6]);

    // Two faces of 3 and 5 indices (uchar count, uint indices), then 2 vertices, big-endian.
    const header = [
      'ply',
      'format binary_big_endian 1.0',
      'element face 2',
      'property list uchar uint vertex_indices',
      'element vertex 2',
      'property float x',
      'property float y',
      'property float z',
      'property ushort intensity',
    ];
    const binary = readPly(
      binaryPly(header, 1 + 12 + 1 + 20 + 2 * 14, (view) => {
        view.setUint8(0, 3);
        view.setUint8(13, 5);
        let at = 34;
        for (const [x, y, z, intensity] of [
          [1.5, 2.5, 3.5, 1000],
          [-1, -2, -3, 65535],
        ]) {
          view.setFloat32(at, x);
          view.setFloat32(at + 4, y);
          view.setFloat32(at + 8, z);
          view.setUint16(at + 12, intensity);
          at += 14;
        }
      }),
    );
    expect(values(binary, 'x')).toEqual([1.5, -1]);
    expect(values(binary, 'z')).toEqual([3.5, -3]);
    expect(values(binary, 'intensity')).toEqual([1000, 65535]);
    expect(binary.skippedElements).toEqual([{ name: 'face', count: 2 }]);
  });

  it('skips list properties of the vertex element itself', () => {
    const header = [
      'ply',
      'format binary_little_endian 1.0',
      'element vertex 2',
      'property float x',
      'property list uchar float weights',
      'property float y',
      'property float z',
    ];
    const cloud = readPly(
      binaryPly(header, 4 + 1 + 8 + 8 + 4 + 1 + 8, (view) => {
        view.setFloat32(0, 1, true);
        view.setUint8(4, 2);
        view.setFloat32(13, 2, true);
        view.setFloat32(17, 3, true);
        view.setFloat32(21, 4, true);
        view.setUint8(25, 0);
        view.setFloat32(26, 5, true);
        view.setFloat32(30, 6, true);
      }),
    );
    expect(cloud.fields.map((f) => f.name)).toEqual(['x', 'y', 'z']);
    expect(values(cloud, 'x')).toEqual([1, 4]);
    expect(values(cloud, 'y')).toEqual([2, 5]);
    expect(values(cloud, 'z')).toEqual([3, 6]);
  });

  it('accepts CRLF headers, new type names and an organized grid from obj_info', () => {
    const cloud = readPly(
      Buffer.from(
        [
          'ply',
          'format ascii 1.0',
          'obj_info num_cols 2',
          'obj_info num_rows 2',
          'element vertex 4',
          'property float32 x',
          'property float32 y',
          'property float32 z',
          'property uint16 range',
          'end_header',
          '0 0 0 1',
          '1 0 0 2',
          '0 1 0 3',
          'nan nan nan 0',
          '',
        ].join('\r\n'),
      ),
    );
    expect(cloud.organized).toEqual({ width: 2, height: 2 });
    expect(values(cloud, 'range')).toEqual([1, 2, 3, 0]);
    expect(values(cloud, 'x')[3]).toBeNaN();
  });

  it('reads the PCL cube fixture: 24 vertices, 12 faces skipped', () => {
    const cloud = readPly(fixture('pointcloud/cube.ply'));
    expect(cloud.count).toBe(24);
    expect(cloud.skippedElements).toEqual([{ name: 'face', count: 12 }]);
    expect(new Set(values(cloud, 'x'))).toEqual(new Set([-1, 1]));
  });

  it.each([
    ['no vertex element', ['ply', 'format ascii 1.0', 'element face 0', 'end_header'], /no vertex element/],
    [
      'an unknown type',
      ['ply', 'format ascii 1.0', 'element vertex 1', 'property quad x', 'end_header'],
      /unknown type/,
    ],
    ['an unknown format', ['ply', 'format binary_middle_endian 1.0', 'end_header'], /unknown format/],
    [
      'a float list count',
      ['ply', 'format ascii 1.0', 'element vertex 0', 'property list float int i', 'end_header'],
      /floating-point/,
    ],
    ['no end_header', ['ply', 'format ascii 1.0', 'element vertex 0'], /does not end/],
    ['a bad count', ['ply', 'format ascii 1.0', 'element vertex -3', 'end_header'], /bad count/],
    [
      'a property before any element',
      ['ply', 'format ascii 1.0', 'property float x', 'end_header'],
      /before any element/,
    ],
  ])('refuses %s', (_name, lines, message) => {
    expect(() => readPly(text(lines))).toThrow(AdapterError);
    expect(() => readPly(text(lines))).toThrow(message);
  });

  it('refuses a bad ascii value or a missing one', () => {
    const head = ['ply', 'format ascii 1.0', 'element vertex 2', 'property uchar x', 'end_header'];
    expect(() => readPly(text([...head, '1', '256']))).toThrow(/"256" is not a uint8/);
    expect(() => readPly(text([...head, '1', 'abc']))).toThrow(/"abc" is not a uint8/);
    expect(() => readPly(text([...head, '1']))).toThrow(/needs at least 2 values/);
    expect(() => readPly(text([...head, '1    ']))).toThrow(/ends inside vertex 1 of 2/);
  });
});

describe('writePly', () => {
  const cloud: PointCloud = {
    count: 3,
    fields: [
      createField('x', 'float32', 3),
      createField('y', 'float64', 3),
      createField('z', 'int16', 3),
      createField('red', 'uint8', 3),
      createField('rgb', 'float32', 3),
      createField('id', 'uint32', 3),
      createField('flag', 'int8', 3),
      createField('w', 'uint16', 3),
      createField('k', 'int32', 3),
    ],
  };
  cloud.fields[0].values.set([0.1, -0, NaN]);
  cloud.fields[1].values.set([Math.PI, -Infinity, 1e-300]);
  cloud.fields[2].values.set([-32768, 0, 32767]);
  cloud.fields[3].values.set([0, 128, 255]);
  // A packed colour with alpha 255 is a NaN as a float: the bit pattern must survive.
  new Uint32Array(cloud.fields[4].values.buffer).set([0xff102030, 0x00ffffff, 0xffffffff]);
  cloud.fields[5].values.set([0, 1, 4294967295]);
  cloud.fields[6].values.set([-128, 0, 127]);
  cloud.fields[7].values.set([0, 1, 65535]);
  cloud.fields[8].values.set([-2147483648, 0, 2147483647]);

  it.each(['ascii', 'binary_little_endian', 'binary_big_endian'] as const)(
    'writes every type in %s and reads it back bit for bit',
    (encoding) => {
      const encoded = writePly(cloud, encoding);
      expect(encoded.toString('latin1', 0, 200)).toContain(
        'property float x\nproperty double y\nproperty short z\nproperty uchar red',
      );
      expect(cloudDifferences(readPly(encoded), cloud, { exactBits: true })).toEqual([]);
    },
  );

  it('writes ascii values in their shortest exact form, packed colours as integers', () => {
    const lines = writePly(cloud, 'ascii').toString('latin1').split('\n');
    const body = lines.slice(lines.indexOf('end_header') + 1);
    expect(body[0]).toBe('0.1 3.141592653589793 -32768 0 4279246896 0 -128 0 -2147483648');
    expect(body[1]).toBe('-0 -inf 0 128 16777215 1 0 1 0');
  });

  it('keeps an organized grid in obj_info', () => {
    const grid: PointCloud = { ...cloud, count: 3, organized: { width: 1, height: 3 } };
    expect(readPly(writePly(grid)).organized).toEqual({ width: 1, height: 3 });
  });
});
