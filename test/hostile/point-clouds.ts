/*
 * Hostile point clouds, made from valid ones: header numbers set to the edges of their types and
 * just over the limits, header lines made to disagree, files cut at every header boundary, runs
 * of white space, line breaks and tokens grown to a megabyte, and the H2 PCD of issue 12. Used by
 * the codec's tests and by the gateway's; every case must end, quickly and without the memory its
 * numbers claim, in a cloud or a 413 / 422.
 */
import {
  decodePointCloud,
  encodePointCloud,
  type PointCloudEncoding,
  type PointCloudFormat,
} from '../../libs/adapters/src/codecs/pointcloud';
import { lzfCompress } from '../../libs/adapters/src/codecs/pointcloud/lzf';
import { DEFAULT_INPUT_LIMITS } from '../../libs/adapters/src/sdk/input-limits';
import { fixture } from '../fixtures';

/** One hostile input. */
export interface HostileCloud {
  name: string;
  format: PointCloudFormat;
  data: Buffer;
}

/** A megabyte (decimal: a run this long still fits in a 1 MiB header with the rest of it). */
export const MEGABYTE = 1_000_000;

/** What a numeric header field is set to: 0, −1, 1, the largest 31-, 32-, 53- and 63-bit values, just over LIMIT_POINTS, and words that are not counts. */
export const HOSTILE_NUMBERS: readonly string[] = [
  '0',
  '-1',
  '1',
  '2147483647',
  '4294967295',
  '9007199254740992',
  '9223372036854775807',
  String(DEFAULT_INPUT_LIMITS.points + 1),
  '1e3',
  '0x10',
  'nan',
  '',
];

/** Valid clouds of every format and encoding, from the shared fixtures. */
export function validClouds(): HostileCloud[] {
  const bunny = decodePointCloud(fixture('pointcloud/bunny.pcd'), 'pcd');
  const colored = decodePointCloud(fixture('pointcloud/colored_cloud.pcd'), 'pcd');
  const encoded = (format: PointCloudFormat, encoding: PointCloudEncoding, cloud = bunny): HostileCloud => ({
    name: `${format} ${encoding}`,
    format,
    data: encodePointCloud(cloud, format, { encoding }),
  });
  return [
    { name: 'pcd ascii (bunny.pcd)', format: 'pcd', data: fixture('pointcloud/bunny.pcd') },
    { name: 'pcd binary (colored_cloud.pcd)', format: 'pcd', data: fixture('pointcloud/colored_cloud.pcd') },
    { name: 'pcd binary_compressed (car6.pcd)', format: 'pcd', data: fixture('pointcloud/car6.pcd') },
    {
      name: 'ply binary_little_endian with faces (cube.ply)',
      format: 'ply',
      data: fixture('pointcloud/cube.ply'),
    },
    encoded('ply', 'ascii', colored),
    encoded('ply', 'binary_big_endian'),
    encoded('xyz', 'ascii', colored),
    encoded('json', 'ascii', colored),
  ];
}

/** The H2 file: 10 points of x y z, whose header says `COUNT 100000000 1 1`. */
export function h2Pcd(encoding: 'ascii' | 'binary' | 'binary_compressed'): Buffer {
  const header = Buffer.from(
    [
      '# .PCD v0.7 - Point Cloud Data file format',
      'VERSION 0.7',
      'FIELDS x y z',
      'SIZE 4 4 4',
      'TYPE F F F',
      'COUNT 100000000 1 1',
      'WIDTH 10',
      'HEIGHT 1',
      'VIEWPOINT 0 0 0 1 0 0 0',
      'POINTS 10',
      `DATA ${encoding}`,
      '',
    ].join('\n'),
  );
  const values = new Float32Array(30).map((_v, i) => i / 4);
  if (encoding === 'ascii') {
    const rows = Array.from(
      { length: 10 },
      (_v, p) => `${values[3 * p]} ${values[3 * p + 1]} ${values[3 * p + 2]}\n`,
    );
    return Buffer.concat([header, Buffer.from(rows.join(''))]);
  }
  const block = new Uint8Array(values.buffer);
  if (encoding === 'binary') return Buffer.concat([header, block]);
  const compressed = lzfCompress(block);
  const sizes = Buffer.alloc(8);
  sizes.writeUInt32LE(compressed.length, 0);
  sizes.writeUInt32LE(block.length, 4);
  return Buffer.concat([header, sizes, compressed]);
}

/**
 * A binary_compressed PCD of LIMIT_POINTS points of `fields` float32 fields whose header and
 * block sizes agree (the block says POINTS × the point size, within LZF's 88 times the
 * compressed size) but whose stream, `compressedBytes` of literal runs, expands to a few
 * megabytes: only a decoder that measures the stream before it allocates refuses it without
 * the memory the header claims.
 */
export function lyingLzfPcd(compressedBytes: number, fields: number): Buffer {
  const points = DEFAULT_INPUT_LIMITS.points;
  const declared = points * 4 * fields;
  const literals = Buffer.alloc(compressedBytes - (compressedBytes % 33));
  for (let at = 0; at < literals.length; at += 33) literals[at] = 31; // a run of 32 literal bytes
  if (declared > literals.length * 88) throw new Error(`${compressedBytes} bytes cannot claim ${declared}`);
  const names = Array.from({ length: fields }, (_v, k) => `f${k}`);
  const header = Buffer.from(
    `VERSION 0.7\nFIELDS ${names.join(' ')}\nWIDTH ${points}\nPOINTS ${points}\nDATA binary_compressed\n`,
  );
  const sizes = Buffer.alloc(8);
  sizes.writeUInt32LE(literals.length, 0);
  sizes.writeUInt32LE(declared, 4);
  return Buffer.concat([header, sizes, literals]);
}

/** A text header (PCD to `DATA`, PLY to `end_header`) as lines, and the bytes after it. */
function splitHeader(data: Buffer, format: 'pcd' | 'ply'): { lines: string[]; body: Buffer } {
  const last = format === 'pcd' ? '\nDATA ' : '\nend_header';
  const end = data.indexOf('\n', data.indexOf(last) + 1) + 1;
  return { lines: data.toString('latin1', 0, end - 1).split('\n'), body: data.subarray(end) };
}

function joinHeader(lines: string[], body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${lines.join('\n')}\n`, 'latin1'), body]);
}

/** Keywords of the lines whose words after the first are numbers a decoder trusts. */
const NUMERIC_LINES: Readonly<Record<'pcd' | 'ply', RegExp>> = {
  pcd: /^(SIZE|COUNT|WIDTH|HEIGHT|POINTS|VIEWPOINT) /,
  ply: /^(element \S+|obj_info num_cols|obj_info num_rows) /,
};

/** Every number of a PCD or PLY header (each SIZE, COUNT, WIDTH ..., each element count) set to each of `values`. */
export function headerNumberCases(cloud: HostileCloud, values = HOSTILE_NUMBERS): HostileCloud[] {
  if (cloud.format !== 'pcd' && cloud.format !== 'ply') return [];
  const format = cloud.format;
  const { lines, body } = splitHeader(cloud.data, format);
  const cases: HostileCloud[] = [];
  lines.forEach((line, l) => {
    const keyword = NUMERIC_LINES[format].exec(line)?.[0];
    if (keyword === undefined) return;
    const numbers = line.slice(keyword.length).split(' ');
    numbers.forEach((_number, n) => {
      for (const value of values) {
        const changed = [...lines];
        changed[l] = keyword + numbers.map((old, k) => (k === n ? value : old)).join(' ');
        cases.push({
          name: `${cloud.name}: ${keyword}#${n} = ${JSON.stringify(value)}`,
          format,
          data: joinHeader(changed, body),
        });
      }
    });
  });
  return cases;
}

/**
 * The point count said to be twice and half what the data holds (PCD POINTS with the WIDTH or
 * HEIGHT that carries it, PLY vertex count): a decoder must refuse the first from the bytes, and
 * read only the points declared from the second.
 */
export function lyingCountCases(cloud: HostileCloud): HostileCloud[] {
  if (cloud.format !== 'pcd' && cloud.format !== 'ply') return [];
  const format = cloud.format;
  const { lines, body } = splitHeader(cloud.data, format);
  const points = lines
    .find((line) => /^(POINTS|element vertex) /.test(line))
    ?.split(' ')
    .at(-1);
  // The PCD grid's other side (1) stays; the side equal to POINTS changes with it.
  const pattern = format === 'pcd' ? /^(POINTS|WIDTH|HEIGHT) (\d+)$/ : /^(element vertex) (\d+)$/;
  const scaled = (factor: number) =>
    lines.map((line) => {
      const match = pattern.exec(line);
      if (!match || match[2] !== points) return line;
      return `${match[1]} ${Math.floor(Number(match[2]) * factor)}`;
    });
  return [
    { name: `${cloud.name}: twice the points`, format, data: joinHeader(scaled(2), body) },
    { name: `${cloud.name}: half the points`, format, data: joinHeader(scaled(0.5), body) },
  ];
}

/** PCD header lines that disagree with each other: SIZE, TYPE and COUNT one entry short or long, WIDTH × HEIGHT not POINTS. */
export function disagreeingHeaderCases(cloud: HostileCloud): HostileCloud[] {
  if (cloud.format !== 'pcd') return [];
  const { lines, body } = splitHeader(cloud.data, 'pcd');
  const cases: HostileCloud[] = [];
  const variant = (name: string, change: (line: string) => string) =>
    cases.push({ name: `${cloud.name}: ${name}`, format: 'pcd', data: joinHeader(lines.map(change), body) });
  for (const keyword of ['SIZE', 'TYPE', 'COUNT']) {
    variant(`${keyword} one short`, (line) =>
      line.startsWith(`${keyword} `) ? line.replace(/ \S+$/, '') : line,
    );
    variant(`${keyword} one long`, (line) =>
      line.startsWith(`${keyword} `) ? `${line} ${line.split(' ')[1]}` : line,
    );
  }
  variant('HEIGHT 2 with the same POINTS', (line) => (line.startsWith('HEIGHT ') ? 'HEIGHT 2' : line));
  variant('SIZE 3 for every field', (line) => (line.startsWith('SIZE ') ? line.replace(/\d+/g, '3') : line));
  variant('COUNT 4096 for every field', (line) =>
    line.startsWith('COUNT ') ? line.replace(/\d+/g, '4096') : line,
  );
  return cases;
}

/** The file cut at the end of every header line, in the middle of every header line, and inside the data. */
export function truncationCases(cloud: HostileCloud): HostileCloud[] {
  const ends: number[] = [];
  const headerEnd =
    cloud.format === 'pcd' || cloud.format === 'ply'
      ? splitHeader(cloud.data, cloud.format).lines.join('\n').length + 1
      : 0;
  let start = 0;
  for (
    let at = cloud.data.indexOf(0x0a);
    at >= 0 && at < Math.max(headerEnd, 512);
    at = cloud.data.indexOf(0x0a, at + 1)
  ) {
    ends.push(Math.floor((start + at) / 2), at, at + 1);
    start = at + 1;
  }
  const dataStart = Math.max(headerEnd, start);
  ends.push(
    dataStart + 1,
    dataStart + 7,
    Math.floor((dataStart + cloud.data.length) / 2),
    cloud.data.length - 1,
  );
  return [...new Set(ends)]
    .filter((end) => end > 0 && end < cloud.data.length)
    .map((end) => ({
      name: `${cloud.name}: cut at ${end}`,
      format: cloud.format,
      data: cloud.data.subarray(0, end),
    }));
}

/** Runs grown to a megabyte: spaces inside lines, blank lines, long lines, long tokens, tokens repeated. */
export function runCases(cloud: HostileCloud): HostileCloud[] {
  const runs = [
    ...(cloud.format === 'pcd' || cloud.format === 'ply' ? headerRuns(cloud.data, cloud.format) : []),
    ...(hasTextData(cloud) ? textDataRuns(cloud) : []),
    ...(cloud.format === 'xyz' ? xyzRuns(cloud.data.toString('latin1')) : []),
    ...(cloud.format === 'json' ? jsonRuns(cloud.data.toString('latin1')) : []),
  ];
  return runs.map(([name, data]) => ({ name: `${cloud.name}: ${name}`, format: cloud.format, data }));
}

type Run = [name: string, data: Buffer];

function headerRuns(data: Buffer, format: 'pcd' | 'ply'): Run[] {
  const { lines, body } = splitHeader(data, format);
  const [first, ...rest] = lines;
  const header = (changed: string[]) => joinHeader(changed, body);
  const replaced = (pattern: RegExp, change: (line: string) => string) =>
    header(lines.map((line) => (pattern.test(line) ? change(line) : line)));
  const comment = format === 'pcd' ? '#' : 'comment ';
  return [
    [
      '1 MB of spaces inside a header line',
      replaced(/^(FIELDS|element vertex) /, (line) => line.replace(' ', ' '.repeat(MEGABYTE))),
    ],
    ['1 MB of blank lines in the header', header([first, '\n'.repeat(MEGABYTE - 1), ...rest])],
    ['a 1 MB comment in the header', header([first, comment + 'c'.repeat(MEGABYTE), ...rest])],
    ['a header longer than 1 MiB', header([first, '\n'.repeat(2 * MEGABYTE), ...rest])],
    [
      'a field repeated to 1 MB',
      format === 'pcd'
        ? replaced(/^FIELDS /, () => `FIELDS ${'x '.repeat(MEGABYTE / 2)}`)
        : replaced(/^property float x$/, (line) => `${line}\n${'property float x\n'.repeat(MEGABYTE / 17)}`),
    ],
    [
      'header lines repeated to 1 MB',
      header([
        ...lines.slice(0, -1),
        ...Array.from({ length: MEGABYTE / 20 }, (_v, k) =>
          format === 'pcd' ? `# ${k}` : `element e${k} 0`,
        ),
        lines[lines.length - 1],
      ]),
    ],
    [
      'a count of 1 MB of digits',
      replaced(/^(POINTS|element vertex) /, (line) => line.replace(/\d+$/, '9'.repeat(MEGABYTE))),
    ],
  ];
}

function hasTextData({ format, data }: HostileCloud): boolean {
  if (format === 'xyz' || format === 'json') return true;
  return /\n(DATA|format) ascii/.test(data.toString('latin1', 0, 2048));
}

/** Runs inside text data: after the first value separator and before the second data line. */
function textDataRuns({ format, data }: HostileCloud): Run[] {
  const text = data.toString('latin1');
  const bodyStart =
    format === 'pcd' || format === 'ply' ? splitHeader(data, format).lines.join('\n').length + 1 : 0;
  const secondLine = text.indexOf('\n', bodyStart) + 1;
  const separator = format === 'json' ? ',' : ' ';
  const afterValue = text.indexOf(separator, secondLine) + 1;
  const insert = (at: number, what: string) =>
    Buffer.concat([data.subarray(0, at), Buffer.from(what, 'latin1'), data.subarray(at)]);
  return [
    ['1 MB of spaces between two values', insert(afterValue, ' '.repeat(MEGABYTE))],
    ['1 MB of line breaks between two points', insert(secondLine, '\n'.repeat(MEGABYTE))],
    ['1 MB of carriage returns between two points', insert(secondLine, '\r'.repeat(MEGABYTE))],
    ['a 1 MB line of values', insert(secondLine, `${'1 '.repeat(MEGABYTE / 2)}\n`)],
    ['a number of 1 MB of digits', insert(afterValue, `${'9'.repeat(MEGABYTE)}${separator}`)],
    [
      '1 MB of separators',
      insert(afterValue, format === 'json' ? ','.repeat(MEGABYTE) : ',;'.repeat(MEGABYTE / 2)),
    ],
  ];
}

function xyzRuns(text: string): Run[] {
  const xyz = (prefix: string) => Buffer.from(prefix + text, 'latin1');
  return [
    ['a 1 MB comment', xyz(`#${'c'.repeat(MEGABYTE)}\n`)],
    ['a fields directive of 1 MB of spaces', xyz(`# fields:${' '.repeat(MEGABYTE)}x\n`)],
    ['a grid directive of 1 MB of spaces', xyz(`# organized: 1${' '.repeat(MEGABYTE)}a\n`)],
    ['a fields directive of 1 MB of columns', xyz(`# fields: ${'x '.repeat(MEGABYTE / 2)}\n`)],
    [
      'a first line of 4096 values over half a million short ones',
      Buffer.from(`${'1 '.repeat(4096)}\n${'1\n'.repeat(MEGABYTE / 2)}`),
    ],
  ];
}

/** `text` is a JSON object: its members follow `{`. */
function jsonRuns(text: string): Run[] {
  const members = text.slice(1);
  const json = (value: string) => Buffer.from(value, 'utf8');
  return [
    [
      'an unknown key holding arrays nested a million deep',
      json(`{"deep": ${'['.repeat(MEGABYTE)}${']'.repeat(MEGABYTE)}, ${members}`),
    ],
    ['points nested a million deep', json(`{"points": ${'['.repeat(MEGABYTE)}`)],
    ['a 1 MB key', json(`{"${'k'.repeat(MEGABYTE)}": 1, ${members}`)],
    ['1 MB of empty rows', json(`{"points": [${'[],'.repeat(MEGABYTE / 3)}[]]}`)],
    ['a row of 1 MB of values', json(`{"points": [[${'0,'.repeat(MEGABYTE / 2)}0]]}`)],
    ['"fields" of 1 MB of names', json(`{"fields": [${'"x",'.repeat(MEGABYTE / 4)}"x"], "points": []}`)],
    ['a viewpoint of 1 MB of values', json(`{"viewpoint": [${'0,'.repeat(MEGABYTE / 2)}0], ${members}`)],
    [
      'an organized grid of 2^53 × 2^53',
      json(`{"organized": {"width": 9007199254740992, "height": 9007199254740992}, ${members}`),
    ],
  ];
}

/** Every generated case of every valid cloud. */
export function hostileClouds(): HostileCloud[] {
  return validClouds().flatMap((cloud) => [
    ...headerNumberCases(cloud),
    ...lyingCountCases(cloud),
    ...disagreeingHeaderCases(cloud),
    ...truncationCases(cloud),
    ...runCases(cloud),
  ]);
}
