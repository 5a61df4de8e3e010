import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../sdk/adapter-error';
import { readJsonPointCloud } from './json-reader';
import { writeJsonPointCloud } from './json-writer';
import { createField, type PointCloud } from './point-cloud';
import { cloudDifferences } from './testing';

const json = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
const names = (cloud: PointCloud) => cloud.fields.map((field) => `${field.name}:${field.type}`);
const column = (cloud: PointCloud, name: string) =>
  Array.from(cloud.fields.find((field) => field.name === name)?.values ?? []);

describe('readJsonPointCloud, rows form', () => {
  it('reads rows of x y z as float32 x, y, z', () => {
    const cloud = readJsonPointCloud(
      json({
        points: [
          [1, 2, 3],
          [0.1, -5, 6e3],
        ],
      }),
    );
    expect(cloud.count).toBe(2);
    expect(names(cloud)).toEqual(['x:float32', 'y:float32', 'z:float32']);
    expect(column(cloud, 'x')).toEqual([1, Math.fround(0.1)]);
    expect(column(cloud, 'z')).toEqual([3, 6000]);
  });

  it('names the columns after x y z column_3, column_4 ... unless "fields" names them', () => {
    const plain = readJsonPointCloud(json({ points: [[1, 2, 3, 4, 5]] }));
    expect(plain.fields.map((field) => field.name)).toEqual(['x', 'y', 'z', 'column_3', 'column_4']);
    const named = readJsonPointCloud(
      json({
        fields: ['x', 'y', 'z', 'intensity', 'red', 'green', 'blue'],
        points: [[1, 2, 3, 0.5, 255, 0, 7]],
      }),
    );
    expect(names(named)).toEqual([
      'x:float32',
      'y:float32',
      'z:float32',
      'intensity:float32',
      'red:uint8',
      'green:uint8',
      'blue:uint8',
    ]);
    expect(column(named, 'red')).toEqual([255]);
  });

  it('keeps colour channels that are not whole 0-255 values as float32', () => {
    const cloud = readJsonPointCloud(json({ fields: ['x', 'y', 'z', 'red'], points: [[0, 0, 0, 0.5]] }));
    expect(names(cloud)[3]).toBe('red:float32');
  });

  it('takes the types "types" declares, float64 kept exact', () => {
    const cloud = readJsonPointCloud(
      json({
        fields: ['x', 'y', 'z', 'label'],
        types: ['float64', 'float64', 'float32', 'int16'],
        points: [[0.1, 1 / 3, 2, -300]],
      }),
    );
    expect(names(cloud)).toEqual(['x:float64', 'y:float64', 'z:float32', 'label:int16']);
    expect(column(cloud, 'x')).toEqual([0.1]);
    expect(column(cloud, 'y')).toEqual([1 / 3]);
    expect(column(cloud, 'label')).toEqual([-300]);
  });

  it('reads null as NaN and "inf" / "-Infinity" / "nan" as the non-finite values', () => {
    const cloud = readJsonPointCloud(json('{"points": [[null, "inf", "-Infinity"], ["NaN", -0, 1]]}'));
    expect(column(cloud, 'x')).toEqual([NaN, NaN]);
    expect(column(cloud, 'y')).toEqual([Infinity, -0]);
    expect(Object.is(column(cloud, 'y')[1], -0)).toBe(true);
    expect(column(cloud, 'z')).toEqual([-Infinity, 1]);
  });

  it('reads "organized" and "viewpoint"', () => {
    const cloud = readJsonPointCloud(
      json({
        organized: { width: 2, height: 2 },
        viewpoint: [1, 2, 3, 1, 0, 0, 0],
        points: [
          [0, 0, 0],
          [1, 0, 0],
          [0, 1, 0],
          [1, 1, 0],
        ],
      }),
    );
    expect(cloud.organized).toEqual({ width: 2, height: 2 });
    expect(cloud.viewpoint).toEqual([1, 2, 3, 1, 0, 0, 0]);
  });

  it('reads an empty cloud, named by "fields" or x y z', () => {
    expect(readJsonPointCloud(json({ points: [] }))).toEqual({
      count: 0,
      fields: ['x', 'y', 'z'].map((name) => createField(name, 'float32', 0)),
    });
    expect(readJsonPointCloud(json({ fields: ['a'], points: [] })).fields.map((field) => field.name)).toEqual(
      ['a'],
    );
  });
});

describe('readJsonPointCloud, arrays form', () => {
  it('maps positions, colors, normals and intensity to their fields', () => {
    const cloud = readJsonPointCloud(
      json({
        intensity: [0.5, 0.25],
        positions: [1, 2, 3, 4, 5, 6],
        colors: [255, 0, 10, 1, 2, 3],
        normals: [0, 0, 1, 0, 1, 0],
      }),
    );
    expect(cloud.count).toBe(2);
    expect(names(cloud)).toEqual([
      'x:float32',
      'y:float32',
      'z:float32',
      'red:uint8',
      'green:uint8',
      'blue:uint8',
      'normal_x:float32',
      'normal_y:float32',
      'normal_z:float32',
      'intensity:float32',
    ]);
    expect(column(cloud, 'x')).toEqual([1, 4]);
    expect(column(cloud, 'z')).toEqual([3, 6]);
    expect(column(cloud, 'red')).toEqual([255, 1]);
    expect(column(cloud, 'blue')).toEqual([10, 3]);
    expect(column(cloud, 'normal_y')).toEqual([0, 1]);
    expect(column(cloud, 'intensity')).toEqual([0.5, 0.25]);
  });

  it('reads positions alone, nulls as NaN, with a grid', () => {
    const cloud = readJsonPointCloud(
      json({ positions: [null, null, null, 1, 2, 3], organized: { width: 1, height: 2 } }),
    );
    expect(names(cloud)).toEqual(['x:float32', 'y:float32', 'z:float32']);
    expect(column(cloud, 'x')).toEqual([NaN, 1]);
    expect(cloud.organized).toEqual({ width: 1, height: 2 });
  });
});

describe('readJsonPointCloud refuses malformed shapes', () => {
  it.each([
    ['malformed JSON', '{"points": [[1, 2, 3]', /malformed JSON point cloud/],
    ['a bare array of rows (a signal)', [[1, 2, 3]], /the document is an array/],
    ['a number', 42, /not an object/],
    ['neither form', { sampleRateHz: 100, channels: [] }, /no "points" or "positions"/],
    ['both forms', { points: [[1, 2, 3]], positions: [1, 2, 3] }, /both "points" and "positions"/],
    ['an unknown key', { points: [[1, 2, 3]], colour: [1, 2, 3] }, /unknown key "colour"/],
    ['a key of the other form', { points: [[1, 2, 3]], colors: [1, 2, 3] }, /unknown key "colors"/],
    ['points that are not an array', { points: { x: 1 } }, /"points" is not an array of rows/],
    ['a row that is not an array', { points: [[1, 2, 3], 4] }, /points\[1\] is not an array/],
    ['rows of 2 values', { points: [[1, 2]] }, /at least 3 values \(x y z\), points\[0\] has 2/],
    [
      'ragged rows',
      {
        points: [
          [1, 2, 3],
          [4, 5, 6, 7],
        ],
      },
      /points\[1\] has 4 values, 3 expected/,
    ],
    [
      'rows wider than "fields"',
      { fields: ['x', 'y', 'z'], points: [[1, 2, 3, 4]] },
      /points\[0\] has 4 values, 3 expected/,
    ],
    [
      'a word among the numbers',
      {
        points: [
          [1, 2, 3],
          [4, 'five', 6],
        ],
      },
      /points\[1\]\[1\] is "five", not a number/,
    ],
    ['a numeric string', { points: [[1, 2, '3']] }, /points\[0\]\[2\] is "3", not a number/],
    ['a boolean', { points: [[1, 2, true]] }, /not a number/],
    ['a nested array', { points: [[1, 2, [3]]] }, /not a number/],
    [
      'an empty field name',
      { fields: ['x', '', 'z'], points: [] },
      /fields\[1\] is "", not a non-empty string/,
    ],
    ['"fields" that is not an array', { fields: 'x y z', points: [] }, /"fields" is not an array/],
    ['an empty "fields"', { fields: [], points: [] }, /"fields" is empty/],
    [
      'an unknown type',
      { types: ['float32', 'float16', 'float32'], points: [[1, 2, 3]] },
      /types\[1\] is "float16"/,
    ],
    [
      '"fields" and "types" of different lengths',
      { fields: ['x', 'y', 'z'], types: ['float32'], points: [] },
      /names 3 fields, "types" 1/,
    ],
    [
      'a fraction in an integer field',
      { types: ['float32', 'float32', 'uint8'], points: [[1, 2, 2.5]] },
      /points\[0\]\[2\] is 2.5, not a valid uint8 z/,
    ],
    [
      'an integer out of range',
      { types: ['float32', 'float32', 'int8'], points: [[1, 2, 128]] },
      /128, not a valid int8/,
    ],
    [
      'NaN in an integer field',
      { types: ['float32', 'float32', 'int32'], points: [[1, 2, null]] },
      /NaN, not a valid int32/,
    ],
    ['positions not in threes', { positions: [1, 2, 3, 4] }, /4 values, not a multiple of 3/],
    ['positions that are not an array', { positions: 3 }, /"positions" is not an array/],
    [
      'too few colours',
      { positions: [1, 2, 3, 4, 5, 6], colors: [1, 2, 3] },
      /"colors" has 3 values, 6 expected for 2 points/,
    ],
    [
      'too many intensities',
      { positions: [1, 2, 3], intensity: [1, 2] },
      /"intensity" has 2 values, 1 expected/,
    ],
    ['normals that are not an array', { positions: [1, 2, 3], normals: 'up' }, /"normals" is not an array/],
    [
      'a colour over 255',
      { positions: [1, 2, 3], colors: [0, 256, 0] },
      /colors\[1\] is 256, not a valid uint8 green/,
    ],
    ['a fractional colour', { positions: [1, 2, 3], colors: [0, 0, 0.5] }, /colors\[2\] is 0.5/],
    ['a word in positions', { positions: [1, 'two', 3] }, /positions\[1\] is "two", not a number/],
    [
      'a grid of the wrong size',
      { positions: [1, 2, 3], organized: { width: 2, height: 2 } },
      /2 × 2 does not hold 1 points/,
    ],
    ['a malformed grid', { positions: [1, 2, 3], organized: { width: 1 } }, /"organized" is/],
    [
      'a viewpoint of 3 numbers',
      { positions: [1, 2, 3], viewpoint: [0, 0, 0] },
      /"viewpoint" is \[0,0,0\], not 7 numbers/,
    ],
  ])('refuses %s', (_name, document, message) => {
    let caught: unknown;
    try {
      readJsonPointCloud(json(document));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AdapterError);
    expect((caught as AdapterError).code).toBe('unprocessable_input');
    expect((caught as AdapterError).message).toMatch(message);
  });

  it('refuses invalid UTF-8', () => {
    expect(() => readJsonPointCloud(Buffer.from([0x7b, 0xff, 0x7d]))).toThrow(/not valid UTF-8/);
  });

  it('checks every array length before allocating: a mismatch at the end of a large cloud fails fast', () => {
    const positions = new Array<number>(3_000_000).fill(0);
    const started = performance.now();
    expect(() => readJsonPointCloud(json({ positions, colors: [1, 2, 3] }))).toThrow(/"colors" has 3 values/);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('writeJsonPointCloud', () => {
  it('writes the rows form with fields, types, grid and viewpoint, and reads back exactly', () => {
    const cloud: PointCloud = {
      count: 4,
      fields: [
        createField('x', 'float32', 4),
        createField('y', 'float64', 4),
        createField('z', 'float32', 4),
        createField('rgb', 'float32', 4),
        createField('label', 'int16', 4),
        createField('hist_0', 'uint8', 4, { field: 'hist', index: 0, count: 2 }),
        createField('id', 'uint32', 4),
      ],
      organized: { width: 2, height: 2 },
      viewpoint: [0.5, 0, -1, 1, 0, 0, 0],
    };
    cloud.fields[0].values.set([0.1, NaN, -0, 1e-40]);
    cloud.fields[1].values.set([Math.PI, 1 / 3, -1e300, 0]);
    cloud.fields[2].values.set([Infinity, -Infinity, 16777217, 3.4e38]);
    new Uint32Array(cloud.fields[3].values.buffer).set([0xffffffff, 0xff00ff00, 0, 1]);
    cloud.fields[4].values.set([-32768, 32767, 0, 1]);
    cloud.fields[5].values.set([0, 255, 1, 2]);
    cloud.fields[6].values.set([4294967295, 0, 7, 8]);
    const text = writeJsonPointCloud(cloud).toString('utf8');
    expect(text.split('\n').slice(0, 2)).toEqual([
      '{"fields":["x","y","z","rgb","label","hist_0","id"],"types":["float32","float64","float32","float32","int16","uint8","uint32"],"organized":{"width":2,"height":2},"viewpoint":[0.5,0,-1,1,0,0,0],"points":[',
      '[0.1,3.141592653589793,"inf",4294967295,-32768,0,4294967295],',
    ]);
    expect(text).toContain('\n[null,0.3333333333333333,"-inf",4278255360,32767,255,0],\n');
    expect(text.endsWith(']}\n')).toBe(true);
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    const again = readJsonPointCloud(Buffer.from(text));
    expect(again.organized).toEqual({ width: 2, height: 2 });
    expect(again.viewpoint).toEqual([0.5, 0, -1, 1, 0, 0, 0]);
    expect(cloudDifferences(again, cloud, { exactBits: true })).toEqual([]);
  });

  it('writes an empty cloud that reads back empty', () => {
    const empty: PointCloud = { count: 0, fields: [createField('x', 'float32', 0)] };
    expect(writeJsonPointCloud(empty).toString()).toBe('{"fields":["x"],"types":["float32"],"points":[]}\n');
    expect(readJsonPointCloud(writeJsonPointCloud(empty))).toEqual(empty);
  });

  it('round trips the arrays form through the rows form', () => {
    const arrays = json({
      positions: [1.5, 2, 3, -4, 5e-3, null],
      colors: [255, 0, 10, 1, 2, 3],
      normals: [0, 0, 1, 0.6, 0.8, 0],
      intensity: [0.5, 'inf'],
    });
    const cloud = readJsonPointCloud(arrays);
    const again = readJsonPointCloud(writeJsonPointCloud(cloud));
    expect(cloudDifferences(again, cloud, { exactBits: true })).toEqual([]);
  });

  it('refuses a cloud no format can hold', () => {
    const broken: PointCloud = { count: 2, fields: [createField('x', 'float32', 1)] };
    expect(() => writeJsonPointCloud(broken)).toThrow(/1 values for 2 points/);
  });
});
