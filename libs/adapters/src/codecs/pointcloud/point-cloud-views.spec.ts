import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { createField, type PointCloud, type PointFieldType } from './point-cloud';
import { decodePointCloud } from './point-cloud-codec';
import { boundingBox, colors, positions } from './point-cloud-views';

function cloudOf(columns: Record<string, [PointFieldType, number[]]>): PointCloud {
  const count = Object.values(columns)[0][1].length;
  return {
    count,
    fields: Object.entries(columns).map(([name, [type, values]]) => {
      const field = createField(name, type, count);
      field.values.set(values);
      return field;
    }),
  };
}

describe('positions', () => {
  it('interleaves x y z as float32 whatever their types', () => {
    const cloud = cloudOf({ z: ['int16', [3, 6]], x: ['float64', [1.5, 4]], y: ['uint8', [2, 5]] });
    expect(Array.from(positions(cloud))).toEqual([1.5, 2, 3, 4, 5, 6]);
  });

  it('says which coordinate is missing', () => {
    expect(() => positions(cloudOf({ x: ['float32', [1]], intensity: ['float32', [1]] }))).toThrow(
      /no y, z field/,
    );
  });
});

describe('colors', () => {
  it('reads red/green/blue channels, scaling 16-bit and 0..1 float channels', () => {
    expect(
      Array.from(
        colors(cloudOf({ red: ['uint8', [255]], green: ['uint8', [1]], blue: ['uint8', [0]] })) ?? [],
      ),
    ).toEqual([255, 1, 0]);
    const wide = cloudOf({ red: ['uint16', [65535]], green: ['float32', [0.5]], blue: ['float32', [1]] });
    expect(Array.from(colors(wide) ?? [])).toEqual([255, 128, 255]);
  });

  it('unpacks PCL rgb floats and rgba integers by their bits', () => {
    const colored = decodePointCloud(fixture('pointcloud/colored_cloud.pcd'), 'pcd');
    expect(Array.from(colors(colored)?.slice(0, 3) ?? [])).toEqual([0x6c, 0x6d, 0x69]);
    const rgb = createField('rgb', 'float32', 1);
    new Uint32Array(rgb.values.buffer)[0] = 0xff0a141e; // a NaN as a float
    expect(Array.from(colors({ count: 1, fields: [rgb] }) ?? [])).toEqual([10, 20, 30]);
    const milk = decodePointCloud(fixture('pointcloud/milk_color.pcd'), 'pcd');
    expect(colors(milk)?.length).toBe(milk.count * 3);
  });

  it('is undefined for a cloud without colour', () => {
    expect(colors(decodePointCloud(fixture('pointcloud/bunny.pcd'), 'pcd'))).toBeUndefined();
  });
});

describe('boundingBox', () => {
  it('spans the finite points and skips NaN ones', () => {
    const cloud = cloudOf({
      x: ['float32', [NaN, 1, -2, 5]],
      y: ['float32', [9, 0, 3, NaN]],
      z: ['float32', [9, 7, -1, 0]],
    });
    expect(boundingBox(cloud)).toEqual({ min: [-2, 0, -1], max: [1, 3, 7] });
  });

  it('is undefined when no point is finite', () => {
    expect(
      boundingBox(cloudOf({ x: ['float32', [NaN]], y: ['float32', [0]], z: ['float32', [0]] })),
    ).toBeUndefined();
  });

  it('bounds the cube fixture', () => {
    expect(boundingBox(decodePointCloud(fixture('pointcloud/cube.ply'), 'ply'))).toEqual({
      min: [-1, -1, -1],
      max: [1, 1, 1],
    });
  });
});
