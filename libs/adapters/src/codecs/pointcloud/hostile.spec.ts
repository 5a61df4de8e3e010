import { describe, expect, it } from 'vitest';
import {
  disagreeingHeaderCases,
  h2Pcd,
  headerNumberCases,
  lyingCountCases,
  lyingLzfPcd,
  runCases,
  truncationCases,
  validClouds,
  type HostileCloud,
} from '../../../../../test/hostile/point-clouds';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { MAX_DECODED_BYTES, MAX_POINT_FIELDS } from './cloud-limits';
import { type PointCloud } from './point-cloud';
import { decodePointCloud, encodePointCloud, type PointCloudFormat } from './point-cloud-codec';
import { probePointCloud } from './probe';
import { cloudDifferences } from './testing';

/** Generous on a busy 2-core machine: the work these inputs used to cause took minutes or aborted the process. */
const TIME_BOUND_MS = 5_000;
const MEMORY_BOUND_BYTES = 256 * 2 ** 20;
const SAMPLE_BYTES = 64 * 1024;

const memoryInUse = () => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

interface Outcome<T> {
  value?: T;
  error?: AdapterError;
}

/**
 * Runs `work`, which must end within TIME_BOUND_MS and MEMORY_BOUND_BYTES in a value or in a
 * 413 / 422 AdapterError with a message of bounded length.
 */
function bounded<T>(work: () => T, what: string): Outcome<T> {
  const before = memoryInUse();
  const started = performance.now();
  const outcome: Outcome<T> = {};
  try {
    outcome.value = work();
  } catch (error) {
    if (!(error instanceof AdapterError)) throw error;
    outcome.error = error;
  }
  expect(performance.now() - started, `${what}: time`).toBeLessThan(TIME_BOUND_MS);
  expect(memoryInUse() - before, `${what}: memory`).toBeLessThan(MEMORY_BOUND_BYTES);
  if (outcome.error) {
    expect(['unprocessable_input', 'payload_too_large'], `${what}: ${outcome.error.message}`).toContain(
      outcome.error.code,
    );
    expect(outcome.error.message.length, what).toBeLessThan(1_000);
  }
  return outcome;
}

/** A decoded cloud is whole: one value per point in every field, within the limits. */
function expectWhole(cloud: PointCloud, what: string): void {
  expect(cloud.count, what).toBeLessThanOrEqual(DEFAULT_INPUT_LIMITS.points);
  expect(cloud.fields.length, what).toBeLessThanOrEqual(MAX_POINT_FIELDS);
  for (const field of cloud.fields) expect(field.values.length, what).toBe(cloud.count);
}

/** Decodes and probes (the first 64 KiB, with the size known and unknown) a case, each bounded. */
function attack({ name, format, data }: HostileCloud): Outcome<PointCloud> {
  const decoded = bounded(() => decodePointCloud(data, format), `${name}: decode`);
  if (decoded.value) expectWhole(decoded.value, name);
  for (const total of [data.length, Number.MAX_SAFE_INTEGER]) {
    const probe = bounded(
      () => probePointCloud(data.subarray(0, SAMPLE_BYTES), total, format),
      `${name}: probe`,
    );
    if (probe.value) expect(probe.value.fields.length, name).toBeLessThanOrEqual(MAX_POINT_FIELDS);
  }
  return decoded;
}

function refusal(work: () => unknown): AdapterError {
  const { value, error } = bounded(work, 'refusal');
  expect(value).toBeUndefined();
  return error as AdapterError;
}

const valid = validClouds();

describe('H2: a PCD of 300 bytes whose header says COUNT 100000000 1 1 over 10 points', () => {
  it.each(['binary', 'ascii', 'binary_compressed'] as const)(
    'DATA %s is refused as unprocessable at once, decoded and probed, without the 4 GB',
    (encoding) => {
      const data = h2Pcd(encoding);
      const error = refusal(() => decodePointCloud(data, 'pcd'));
      expect(error.code).toBe('unprocessable_input');
      expect(error.message).toMatch(/100000002 values per point, more than the 4096/);
      for (const total of [data.length, Number.MAX_SAFE_INTEGER]) {
        expect(refusal(() => probePointCloud(data, total, 'pcd')).code).toBe('unprocessable_input');
      }
      // The same file with COUNT 1 1 1 is a good cloud of 10 points.
      const fixed = Buffer.from(
        data.toString('latin1').replace('COUNT 100000000 1 1', 'COUNT 1 1 1'),
        'latin1',
      );
      expect(decodePointCloud(fixed, 'pcd').count).toBe(10);
    },
  );
});

describe.each(valid.map((cloud) => [cloud.name, cloud] as const))(
  'hostile variants of %s',
  (_name, cloud) => {
    it('the valid cloud decodes', () => expectWhole(decodePointCloud(cloud.data, cloud.format), cloud.name));

    it('every header number at 0, -1, 1, 2^31-1, 2^32-1, 2^53, 2^63-1, LIMIT_POINTS + 1 and words', () => {
      for (const hostile of headerNumberCases(cloud)) attack(hostile);
    });

    it('header lines that disagree are unprocessable', () => {
      for (const hostile of disagreeingHeaderCases(cloud)) {
        const { error } = attack(hostile);
        expect(error?.code, hostile.name).toBe('unprocessable_input');
      }
    });

    it('a point count that says twice the points is refused; half of them reads only those', () => {
      const cases = lyingCountCases(cloud);
      if (cases.length === 0) return;
      const [twice, half] = cases;
      expect(attack(twice).error?.code, twice.name).toBe('unprocessable_input');
      const { value, error } = attack(half);
      const original = decodePointCloud(cloud.data, cloud.format);
      const compressed = cloud.data.includes('DATA binary_compressed');
      const faces = cloud.data.includes('element face');
      if (compressed) expect(error?.message).toMatch(/says it holds/);
      else if (!faces) {
        expect(value?.count).toBe(Math.floor(original.count / 2));
        const firstHalf = { ...original, count: value?.count ?? 0 };
        firstHalf.fields = original.fields.map((field) => ({
          ...field,
          values: field.values.subarray(0, firstHalf.count),
        })) as PointCloud['fields'];
        delete firstHalf.organized;
        expect(cloudDifferences(value ?? original, firstHalf, { exactBits: true })).toEqual([]);
      }
    });

    it('cut at every header boundary and inside the data: refused, quickly', () => {
      const original = decodePointCloud(cloud.data, cloud.format);
      for (const hostile of truncationCases(cloud)) {
        const { value, error } = attack(hostile);
        // Text cut after a whole line (or inside the last value) is still a cloud, of no more points.
        if (value) expect(value.count, hostile.name).toBeLessThanOrEqual(original.count);
        else expect(error?.code, hostile.name).toBe('unprocessable_input');
      }
    });

    it('runs of spaces, line breaks and tokens grown to 1 MB: linear, bounded', () => {
      for (const hostile of runCases(cloud)) attack(hostile);
    });
  },
);

describe('LIMIT_POINTS and the decoded size', () => {
  const bunny = decodePointCloud(validClouds()[0].data, 'pcd');
  const targets: [PointCloudFormat, 'ascii' | 'binary' | 'binary_compressed' | 'binary_big_endian'][] = [
    ['pcd', 'ascii'],
    ['pcd', 'binary'],
    ['pcd', 'binary_compressed'],
    ['ply', 'ascii'],
    ['ply', 'binary_big_endian'],
    ['xyz', 'ascii'],
    ['json', 'ascii'],
  ];
  const small: InputLimits = { ...DEFAULT_INPUT_LIMITS, points: 100 };

  it.each(targets)(
    'a %s %s cloud of 397 points is 413 under LIMIT_POINTS=100, before it is read',
    (format, encoding) => {
      const data = encodePointCloud(bunny, format, { encoding });
      const error = refusal(() => decodePointCloud(data, format, small));
      expect(error.code).toBe('payload_too_large');
      expect(error.details).toMatchObject({ limit: 'LIMIT_POINTS', max: 100 });
      expect(decodePointCloud(data, format, { ...small, points: 397 }).count).toBe(397);
    },
  );

  it('the JSON arrays form counts its points against LIMIT_POINTS as it reads them', () => {
    const positions = Array.from({ length: 303 }, (_v, i) => i);
    const error = refusal(() => decodePointCloud(Buffer.from(JSON.stringify({ positions })), 'json', small));
    expect(error.details).toMatchObject({ limit: 'LIMIT_POINTS' });
  });

  it.each([
    ['PCD POINTS', 'pcd', `VERSION 0.7\nFIELDS x y z\nWIDTH 20000001\nPOINTS 20000001\nDATA binary\n`],
    [
      'PLY vertex count',
      'ply',
      'ply\nformat ascii 1.0\nelement vertex 4294967295\nproperty float x\nend_header\n',
    ],
  ] as const)('a declared %s over LIMIT_POINTS is 413 whatever the data', (_name, format, header) => {
    const error = refusal(() => decodePointCloud(Buffer.from(`${header}1 2 3\n`), format));
    expect(error.code).toBe('payload_too_large');
    expect(error.details).toMatchObject({ limit: 'LIMIT_POINTS' });
  });

  it('points whose values would take more than 1 GiB are 413, before anything is allocated', () => {
    const fields = Array.from({ length: 10 }, (_v, i) => `f${i}`);
    const header = `VERSION 0.7\nFIELDS ${fields.join(' ')}\nSIZE ${fields.map(() => 8).join(' ')}\nTYPE ${fields.map(() => 'F').join(' ')}\nWIDTH 20000000\nPOINTS 20000000\nDATA binary\n`;
    const error = refusal(() => decodePointCloud(Buffer.from(header), 'pcd'));
    expect(error.code).toBe('payload_too_large');
    expect(error.details).toMatchObject({ maxBytes: MAX_DECODED_BYTES, bytes: 1_600_000_000 });
  });

  it('XYZ: a first line of 4096 values over half a million short lines is 422, not allocated for', () => {
    const data = Buffer.from(`${'1 '.repeat(4096)}\n${'1\n'.repeat(500_000)}`);
    const error = refusal(() => decodePointCloud(data, 'xyz'));
    expect(error.message).toMatch(/500001 lines of 4096 values cannot fit/);
  });

  it('an LZF block that says 800 MB but expands to 9 MB is refused without allocating the 800 MB', () => {
    const data = lyingLzfPcd(9_500_000, 10);
    const error = refusal(() => decodePointCloud(data, 'pcd'));
    expect(error.message).toMatch(/expands to \d+ bytes, not the declared 800000000/);
  });
});
