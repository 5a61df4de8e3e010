import { AdapterError } from '../../sdk/adapter-error';
import { checkPointFields } from './cloud-limits';
import { clip, parseCount, quote, readHeaderLines, words } from './header-text';
import type { PointCloudViewpoint, PointFieldType } from './point-cloud';

/** The three PCD DATA encodings. */
export type PcdEncoding = 'ascii' | 'binary' | 'binary_compressed';

/** One PCD field: `count` values of `type` per point. */
export interface PcdField {
  name: string;
  type: PointFieldType;
  count: number;
}

/** A parsed PCD header and where its data starts. */
export interface PcdHeader {
  fields: PcdField[];
  width: number;
  height: number;
  points: number;
  viewpoint?: PointCloudViewpoint;
  encoding: PcdEncoding;
  dataOffset: number;
}

/** PCD TYPE letter and SIZE of each field type. */
export const PCD_TYPES: Readonly<Record<PointFieldType, { letter: 'I' | 'U' | 'F'; size: number }>> = {
  int8: { letter: 'I', size: 1 },
  uint8: { letter: 'U', size: 1 },
  int16: { letter: 'I', size: 2 },
  uint16: { letter: 'U', size: 2 },
  int32: { letter: 'I', size: 4 },
  uint32: { letter: 'U', size: 4 },
  float32: { letter: 'F', size: 4 },
  float64: { letter: 'F', size: 8 },
};

/** The cloud field names a PCD field becomes: its own, or `name_0` .. `name_{n-1}` when COUNT n > 1. */
export function pcdFieldNames({ name, count }: PcdField): string[] {
  return count === 1 ? [name] : Array.from({ length: count }, (_v, index) => `${name}_${index}`);
}

/** Bytes per point: the sum of SIZE × COUNT. */
export function pcdPointSize(header: PcdHeader): number {
  return header.fields.reduce((size, field) => size + PCD_TYPES[field.type].size * field.count, 0);
}

const KEYWORDS = [
  'VERSION',
  'FIELDS',
  'SIZE',
  'TYPE',
  'COUNT',
  'WIDTH',
  'HEIGHT',
  'VIEWPOINT',
  'POINTS',
  'DATA',
];

const fail = (message: string) => AdapterError.unprocessable(`PCD header: ${message}`);

/**
 * Parses the header at the start of `data`, from the first line to `DATA`. Accepts v0.7 and
 * the older forms PCL still reads: `COLUMNS` for FIELDS, no VIEWPOINT, SIZE/TYPE/COUNT
 * defaulting to float32 × 1, WIDTH/HEIGHT/POINTS each derivable from the others.
 */
export function parsePcdHeader(data: Uint8Array): PcdHeader {
  const lines = readHeaderLines(data, 'PCD', (line) => /^DATA(\s|$)/.test(line));
  const entries = new Map<string, string[]>();
  for (const { text } of lines) {
    if (text === '' || text.startsWith('#')) continue;
    const [word, ...values] = words(text);
    const keyword = word === 'COLUMNS' ? 'FIELDS' : word;
    if (!KEYWORDS.includes(keyword)) throw fail(`unexpected line ${quote(text)}`);
    if (entries.has(keyword)) throw fail(`${keyword} appears twice`);
    entries.set(keyword, values);
  }
  const names = entries.get('FIELDS');
  if (!names || names.length === 0) throw fail('no FIELDS');
  const column = (keyword: string, fallback: string) => {
    const values = entries.get(keyword) ?? names.map(() => fallback);
    if (values.length !== names.length) {
      throw fail(`${keyword} has ${values.length} entries for ${names.length} FIELDS`);
    }
    return values;
  };
  const sizes = column('SIZE', '4');
  const letters = column('TYPE', 'F');
  const counts = column('COUNT', '1');
  const fields = names.map((name, i) => ({
    name,
    type: fieldType(letters[i], sizes[i], name),
    count: parseCount(counts[i], `COUNT for field ${quote(name)}`, 'PCD'),
  }));
  for (const field of fields) if (field.count === 0) throw fail(`COUNT 0 for field ${quote(field.name)}`);
  // Before any name is made for the elements: `COUNT 100000000` over 10 points is 4 GB of names.
  checkPointFields(
    fields.reduce((sum, field) => sum + field.count, 0),
    'PCD',
  );

  const [encoding, ...extra] = entries.get('DATA') ?? [];
  if (
    (encoding !== 'ascii' && encoding !== 'binary' && encoding !== 'binary_compressed') ||
    extra.length > 0
  ) {
    throw fail(`unknown DATA ${quote([encoding, ...extra].join(' '))}`);
  }
  const header: PcdHeader = {
    fields,
    ...dimensions(entries),
    encoding,
    dataOffset: lines[lines.length - 1].end,
  };
  const viewpoint = entries.get('VIEWPOINT');
  if (viewpoint) header.viewpoint = parseViewpoint(viewpoint);
  return header;
}

function fieldType(letter: string, size: string, name: string): PointFieldType {
  const match = (Object.keys(PCD_TYPES) as PointFieldType[]).find(
    (type) => PCD_TYPES[type].letter === letter && String(PCD_TYPES[type].size) === size,
  );
  if (!match) throw fail(`unsupported TYPE ${clip(letter)} with SIZE ${clip(size)} for field ${quote(name)}`);
  return match;
}

function dimensions(entries: Map<string, string[]>): { width: number; height: number; points: number } {
  const count = (keyword: string) => {
    const values = entries.get(keyword);
    if (values === undefined) return undefined;
    if (values.length !== 1) throw fail(`${keyword} needs one value`);
    return parseCount(values[0], keyword, 'PCD');
  };
  let width = count('WIDTH');
  let height = count('HEIGHT');
  let points = count('POINTS');
  if (points === undefined) {
    if (width === undefined) throw fail('neither POINTS nor WIDTH');
    points = width * (height ?? 1);
    if (!Number.isSafeInteger(points)) throw fail(`WIDTH ${width} × HEIGHT ${height} is too large`);
  }
  height ??= 1;
  if (width === undefined) {
    if (height > 0 && points % height !== 0)
      throw fail(`POINTS ${points} is not a multiple of HEIGHT ${height}`);
    width = height === 0 ? 0 : points / height;
  }
  if (width === 0 && height === 0) [width, height] = [points, 1];
  if (width * height !== points) throw fail(`WIDTH ${width} × HEIGHT ${height} is not POINTS ${points}`);
  return { width, height, points };
}

function parseViewpoint(values: string[]): PointCloudViewpoint {
  const numbers = values.map(Number);
  if (numbers.length !== 7 || numbers.some((value) => !Number.isFinite(value))) {
    throw fail(`VIEWPOINT needs 7 numbers (tx ty tz qw qx qy qz), not ${quote(values.join(' '))}`);
  }
  return numbers as PointCloudViewpoint;
}
