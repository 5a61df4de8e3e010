/*
 * Point-cloud fuzz cases (PLY ascii / binary LE / binary BE, PCD ascii / binary /
 * binary_compressed, XYZ, JSON), from the generators of test/hostile/point-clouds.ts with the
 * answer each must get, and clouds really over LIMIT_POINTS.
 */
import { encodePointCloud, type PointCloud } from '../../libs/adapters/src/codecs/pointcloud';
import {
  disagreeingHeaderCases,
  headerNumberCases,
  lyingCountCases,
  runCases,
  truncationCases,
  validClouds,
  type HostileCloud,
} from '../hostile/point-clouds';
import {
  EDGE_NUMBERS,
  FUZZ_LIMITS,
  overLimit,
  UNPROCESSABLE,
  type FuzzCase,
  type FuzzExpectation,
} from './fuzz-case';

/** Header numbers: the integer edges, just over LIMIT_POINTS, and words that are not counts. */
const HEADER_VALUES = [
  ...EDGE_NUMBERS.map(({ value }) => String(value)),
  String(FUZZ_LIMITS.points + 1),
  '1e3',
  'nan',
  '',
];

/** Whether every value of a cloud's data is binary (a cut or a lie there cannot be read around). */
const binary = (cloud: HostileCloud) => /binary/.test(cloud.name) || /\nDATA binary/.test(head(cloud));
const head = (cloud: HostileCloud) => cloud.data.toString('latin1', 0, 1024);

function fuzzCase(
  cloud: HostileCloud,
  name: string,
  expect: FuzzExpectation,
  inferExpect?: FuzzExpectation,
): FuzzCase {
  return {
    name: `${cloud.format.toUpperCase()} ${name}`,
    bytes: cloud.data,
    filename: `cloud.${cloud.format}`,
    expect,
    ...(inferExpect ? { inferExpect } : {}),
  };
}

/** `x` with the base cloud's name as the case's name (`pcd binary (colored_cloud.pcd): POINTS#0 = "0"`). */
const named = (cloud: HostileCloud, expect: FuzzExpectation, inferExpect?: FuzzExpectation) =>
  fuzzCase(cloud, cloud.name, expect, inferExpect);

/** The header number cases: a count far over what the bytes hold is refused; the rest depends on the field. */
function numberCases(cloud: HostileCloud): FuzzCase[] {
  return headerNumberCases(cloud, HEADER_VALUES).map((c) => {
    const huge = /= "(2147483647|4294967295|9223372036854775807|100001)"$/.test(c.name);
    const count = /(POINTS|WIDTH|HEIGHT|element vertex)#\d+ =/.test(c.name);
    // A point count no file of this size can hold: 422 (or 413 for one over LIMIT_POINTS).
    return named(c, huge && count ? '4xx' : 'ok-or-4xx');
  });
}

/** Clouds of LIMIT_POINTS and LIMIT_POINTS + 1 points whose bytes are all there. */
export function overLimitClouds(): FuzzCase[] {
  const cloud = (count: number): PointCloud => ({
    count,
    fields: ['x', 'y', 'z'].map((name, axis) => ({
      name,
      type: 'float32' as const,
      values: new Float32Array(count).map((_v, i) => ((i + axis) % 7) / 7),
    })),
  });
  const cases: FuzzCase[] = [];
  for (const [format, encoding] of [
    ['pcd', 'binary'],
    ['pcd', 'binary_compressed'],
    ['ply', 'binary_little_endian'],
    ['ply', 'ascii'],
    ['xyz', 'ascii'],
  ] as const) {
    for (const count of [FUZZ_LIMITS.points, FUZZ_LIMITS.points + 1]) {
      const over = count > FUZZ_LIMITS.points;
      cases.push({
        name: `${format.toUpperCase()} ${encoding} of ${count} points (LIMIT_POINTS=${FUZZ_LIMITS.points})`,
        bytes: encodePointCloud(cloud(count), format, { encoding }),
        filename: `cloud.${format}`,
        // XYZ has no header: detection estimates the count from its 64 KiB sample (a few
        // points either way, `pointsEstimated`); the decoder counts them and refuses.
        expect: over && format !== 'xyz' ? overLimit('points') : 'ok',
        ...(over ? { inferExpect: overLimit('points') } : {}),
      });
    }
  }
  return cases;
}

/** Every point-cloud case, grouped by the valid cloud it comes from. */
export function pointCloudCaseGroups(): { base: string; cases: FuzzCase[] }[] {
  return validClouds().map((cloud) => ({
    base: cloud.name,
    cases: [
      named(cloud, 'ok'),
      ...numberCases(cloud),
      ...lyingCountCases(cloud).map((c) =>
        // Twice the points: binary data cannot hold them (422); ASCII's count of values may
        // pass the prober's estimate, and then the decoder finds the rows missing.
        c.name.endsWith('twice the points')
          ? named(c, binary(cloud) ? UNPROCESSABLE : 'ok-or-4xx', binary(cloud) ? UNPROCESSABLE : '4xx')
          : named(c, 'ok-or-4xx'),
      ),
      ...disagreeingHeaderCases(cloud).map((c) => named(c, 'ok-or-4xx')),
      ...truncationCases(cloud).map((c) => named(c, 'ok-or-4xx')),
      ...runCases(cloud).map((c) => named(c, 'ok-or-4xx')),
    ],
  }));
}
