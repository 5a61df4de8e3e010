import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../sdk/adapter-error';
import { createField, type PointCloud } from './point-cloud';
import { cloudDifferences } from './testing';
import { readXyz } from './xyz-reader';
import { writeXyz } from './xyz-writer';

const xyz = (text: string) => Buffer.from(text, 'utf8');
const names = (cloud: PointCloud) => cloud.fields.map((field) => `${field.name}:${field.type}`);
const column = (cloud: PointCloud, name: string) =>
  Array.from(cloud.fields.find((field) => field.name === name)?.values ?? []);

describe('readXyz', () => {
  it('reads whitespace- or comma-separated x y z with comments and blank lines', () => {
    const spaced = readXyz(xyz('# a scan\n1 2 3\n\n4\t5   6 # trailing comment\r\n-7e-1 8 9\n'));
    expect(spaced.count).toBe(3);
    expect(names(spaced)).toEqual(['x:float32', 'y:float32', 'z:float32']);
    expect(column(spaced, 'x')).toEqual([1, 4, Math.fround(-0.7)]);
    const commas = readXyz(xyz('1,2,3\n4, 5, 6\n'));
    expect(column(commas, 'z')).toEqual([3, 6]);
  });

  it.each([
    ['1 2 3 0.5\n', ['x', 'y', 'z', 'intensity']],
    ['1 2 3 255 0 12\n', ['x', 'y', 'z', 'red', 'green', 'blue']],
    ['1 2 3 0.1 0.2 0.97\n', ['x', 'y', 'z', 'normal_x', 'normal_y', 'normal_z']],
    ['1 2 3 0.4 255 0 12\n', ['x', 'y', 'z', 'intensity', 'red', 'green', 'blue']],
    ['1 2 3 10 20 30 0 0 1\n', ['x', 'y', 'z', 'red', 'green', 'blue', 'normal_x', 'normal_y', 'normal_z']],
    ['1 2 3 0.5 0.25\n', ['x', 'y', 'z', 'column_3', 'column_4']],
  ])('names the extra columns of %j', (text, expected) => {
    expect(readXyz(xyz(text)).fields.map((field) => field.name)).toEqual(expected);
  });

  it('types colour channels of whole 0-255 values as uint8', () => {
    const cloud = readXyz(xyz('0 0 0 255 128 0\n1 1 1 3 4 5\n'));
    expect(names(cloud)).toEqual([
      'x:float32',
      'y:float32',
      'z:float32',
      'red:uint8',
      'green:uint8',
      'blue:uint8',
    ]);
    expect(column(cloud, 'green')).toEqual([128, 4]);
  });

  it('takes names from a header row, CloudCompare style too', () => {
    const plain = readXyz(xyz('X Y Z Intensity\n1 2 3 4\n'));
    expect(plain.fields.map((field) => field.name)).toEqual(['x', 'y', 'z', 'intensity']);
    const cloudCompare = readXyz(xyz('//X,Y,Z,R,G,B,Nx,Ny,Nz\n1,2,3,4,5,6,0,0,1\n'));
    expect(names(cloudCompare)).toEqual([
      'x:float32',
      'y:float32',
      'z:float32',
      'red:uint8',
      'green:uint8',
      'blue:uint8',
      'normal_x:float32',
      'normal_y:float32',
      'normal_z:float32',
    ]);
  });

  it('keeps nan values', () => {
    expect(column(readXyz(xyz('nan 1 2\n3 4 5\n')), 'x')).toEqual([NaN, 3]);
  });

  it.each([
    ['no points', '# only a comment\n', /no points/],
    ['too few columns', '1 2\n3 4\n', /at least 3 columns/],
    ['ragged rows', '1 2 3\n4 5 6 7\n', /line 2 has 4 values, 3 expected/],
    ['a word among numbers', '1 2 3\n4 five 6\n', /line 2: "five" is not a number/],
    ['a header row of the wrong width', 'x y\n1 2 3\n', /names 2 columns, the data has 3/],
    ['a bad declared type', '# fields: x:float16 y z\n1 2 3\n', /bad column "x:float16"/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => readXyz(xyz(text))).toThrow(AdapterError);
    expect(() => readXyz(xyz(text))).toThrow(message);
  });
});

describe('writeXyz', () => {
  it('round trips names, types, values and the grid through its fields comment', () => {
    const cloud: PointCloud = {
      count: 4,
      fields: [
        createField('x', 'float32', 4),
        createField('y', 'float64', 4),
        createField('z', 'float32', 4),
        createField('rgb', 'float32', 4),
        createField('label', 'int16', 4),
        createField('hist_0', 'uint8', 4, { field: 'hist', index: 0, count: 2 }),
      ],
      organized: { width: 2, height: 2 },
    };
    cloud.fields[0].values.set([0.1, NaN, -0, 1e-40]);
    cloud.fields[1].values.set([Math.PI, 1 / 3, -1e300, 0]);
    cloud.fields[2].values.set([Infinity, -Infinity, 16777217, 3.4e38]);
    new Uint32Array(cloud.fields[3].values.buffer).set([0xffffffff, 0xff00ff00, 0, 1]);
    cloud.fields[4].values.set([-32768, 32767, 0, 1]);
    cloud.fields[5].values.set([0, 255, 1, 2]);
    const text = writeXyz(cloud).toString('utf8');
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# fields: x:float32 y:float64 z:float32 rgb:float32 label:int16 hist_0:uint8',
      '# organized: 2x2',
      '0.1 3.141592653589793 inf 4294967295 -32768 0',
    ]);
    const again = readXyz(Buffer.from(text));
    expect(again.organized).toEqual({ width: 2, height: 2 });
    expect(cloudDifferences(again, cloud, { exactBits: true })).toEqual([]);
  });

  it('writes an empty cloud that reads back empty', () => {
    const empty: PointCloud = { count: 0, fields: [createField('x', 'float32', 0)] };
    expect(readXyz(writeXyz(empty))).toEqual({ count: 0, fields: [createField('x', 'float32', 0)] });
  });
});
