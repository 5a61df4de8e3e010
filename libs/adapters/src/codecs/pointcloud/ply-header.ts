import { AdapterError } from '../../sdk/adapter-error';
import { checkPointFields } from './cloud-limits';
import { parseCount, quote, readHeaderLines, words } from './header-text';
import type { PointFieldType } from './point-cloud';

/** The three PLY encodings. */
export type PlyEncoding = 'ascii' | 'binary_little_endian' | 'binary_big_endian';

/** PLY scalar type names, old (char, uchar ...) and new (int8, uint8 ...). */
const PLY_TYPES: Readonly<Record<string, PointFieldType>> = {
  char: 'int8',
  uchar: 'uint8',
  short: 'int16',
  ushort: 'uint16',
  int: 'int32',
  uint: 'uint32',
  float: 'float32',
  double: 'float64',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  float32: 'float32',
  float64: 'float64',
};

/** The classic PLY name of each type, which every PLY reader knows. */
export const PLY_TYPE_NAMES: Readonly<Record<PointFieldType, string>> = {
  int8: 'char',
  uint8: 'uchar',
  int16: 'short',
  uint16: 'ushort',
  int32: 'int',
  uint32: 'uint',
  float32: 'float',
  float64: 'double',
};

/** A PLY property: a scalar, or a list (a count of `countType`, then that many `type` items). */
export type PlyProperty =
  | { name: string; type: PointFieldType; list?: undefined }
  | { name: string; type: PointFieldType; list: { countType: PointFieldType } };

/** One `element` of the header with its properties, in file order. */
export interface PlyElement {
  name: string;
  count: number;
  properties: PlyProperty[];
}

/** A parsed PLY header and where its data starts. */
export interface PlyHeader {
  encoding: PlyEncoding;
  elements: PlyElement[];
  /** From `obj_info num_cols` / `num_rows` (PCL writes them for organized clouds). */
  grid?: { width: number; height: number };
  dataOffset: number;
}

const fail = (message: string) => AdapterError.unprocessable(`PLY header: ${message}`);

function plyType(name: string | undefined, property: string): PointFieldType {
  if (name === undefined || !Object.hasOwn(PLY_TYPES, name)) {
    throw fail(`unknown type ${quote(name ?? '')} for property ${quote(property)}`);
  }
  return PLY_TYPES[name];
}

/** Parses the header at the start of `data` (`ply` ... `end_header`). */
export function parsePlyHeader(data: Uint8Array): PlyHeader {
  if (!(data[0] === 0x70 && data[1] === 0x6c && data[2] === 0x79 && (data[3] === 0x0a || data[3] === 0x0d))) {
    throw fail('the data does not start with "ply"');
  }
  const lines = readHeaderLines(data, 'PLY', (line) => line === 'end_header');
  let encoding: PlyEncoding | undefined;
  const elements: PlyElement[] = [];
  const names = new Set<string>();
  const info = new Map<string, string>();
  for (const { text } of lines.slice(1, -1)) {
    const [keyword, ...rest] = words(text);
    if (keyword === undefined || keyword === 'comment') continue;
    if (keyword === 'obj_info') {
      if (rest.length === 2) info.set(rest[0], rest[1]);
    } else if (keyword === 'format') {
      if (encoding) throw fail('more than one format line');
      const [name, version] = rest;
      if (name !== 'ascii' && name !== 'binary_little_endian' && name !== 'binary_big_endian') {
        throw fail(`unknown format ${quote(name ?? '')}`);
      }
      if (version !== '1.0' && version !== '1') throw fail(`unsupported version ${quote(version ?? '')}`);
      encoding = name;
    } else if (keyword === 'element') {
      if (rest.length !== 2) throw fail(`bad element line ${quote(text)}`);
      const [name, count] = rest;
      if (names.has(name)) throw fail(`element ${quote(name)} appears twice`);
      names.add(name);
      elements.push({
        name,
        count: parseCount(count, `count for element ${quote(name)}`, 'PLY'),
        properties: [],
      });
    } else if (keyword === 'property') {
      const element = elements.at(-1);
      if (!element) throw fail(`property before any element: ${quote(text)}`);
      element.properties.push(parseProperty(rest, text));
      checkPointFields(element.properties.length, `PLY element ${quote(element.name)}`);
    } else {
      throw fail(`unexpected line ${quote(text)}`);
    }
  }
  if (!encoding) throw fail('no format line');
  const vertices = elements.find((element) => element.name === 'vertex')?.count;
  const width = Number(info.get('num_cols'));
  const height = Number(info.get('num_rows'));
  const grid =
    Number.isSafeInteger(width) && Number.isSafeInteger(height) && height > 1 && width * height === vertices
      ? { width, height }
      : undefined;
  return { encoding, elements, ...(grid && { grid }), dataOffset: lines[lines.length - 1].end };
}

function parseProperty(rest: string[], text: string): PlyProperty {
  if (rest[0] === 'list') {
    if (rest.length !== 4) throw fail(`bad list property ${quote(text)}`);
    const name = rest[3];
    const countType = plyType(rest[1], name);
    if (countType === 'float32' || countType === 'float64') {
      throw fail(`the count of list ${quote(name)} has a floating-point type`);
    }
    return { name, type: plyType(rest[2], name), list: { countType } };
  }
  if (rest.length !== 2) throw fail(`bad property ${quote(text)}`);
  return { name: rest[1], type: plyType(rest[0], rest[1]) };
}
