import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { decodeUtf8 } from '../../sdk/utf8';
import { checkCloudSize, checkPointFields, maxPoints } from './cloud-limits';
import { clip, quote } from './header-text';
import { JsonScanner } from './json-scanner';
import {
  createField,
  FIELD_TYPES,
  isPackedColorField,
  isPointFieldType,
  type PointCloud,
  type PointCloudViewpoint,
  type PointField,
  type PointFieldType,
} from './point-cloud';
import { inferColumnType } from './xyz-columns';

/** The two JSON forms, for error messages. */
export const JSON_POINT_CLOUD_FORMS =
  'a JSON point cloud is {"points": [[x, y, z, ...], ...], "fields"?: [...], "types"?: [...]} or ' +
  '{"positions": [x0, y0, z0, x1, ...], "colors"?: [r0, g0, b0, ...], "normals"?: [...], "intensity"?: [...]}';

/** Keys of the rows form (a); `points` names it. */
export const ROWS_FORM_KEYS = ['points', 'fields', 'types'] as const;
/** Keys of the flat arrays form (b); `positions` names it. */
export const ARRAYS_FORM_KEYS = ['positions', 'colors', 'normals', 'intensity'] as const;
/** Keys either form may have. */
export const SHARED_KEYS = ['organized', 'viewpoint'] as const;

/** The fields each per-point array of form (b) becomes, in the order the fields are made. */
export const ARRAY_FIELDS = {
  positions: { names: ['x', 'y', 'z'], type: 'float32' },
  colors: { names: ['red', 'green', 'blue'], type: 'uint8' },
  normals: { names: ['normal_x', 'normal_y', 'normal_z'], type: 'float32' },
  intensity: { names: ['intensity'], type: 'float32' },
} as const satisfies Record<(typeof ARRAYS_FORM_KEYS)[number], { names: string[]; type: PointFieldType }>;

export const jsonFail = (message: string) => AdapterError.unprocessable(`JSON point cloud: ${message}`);

const NON_FINITE = /^([+-]?)(nan|inf|infinity)$/i;

/**
 * A JSON value as a point value, or undefined when it is not one: a number; `null` is NaN
 * (what JSON.stringify makes of NaN); the strings "nan", "inf", "-inf" (any case, also
 * "Infinity", "NaN") are the non-finite values JSON has no number for.
 */
export function jsonPointValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === null) return NaN;
  if (typeof value !== 'string') return undefined;
  const match = NON_FINITE.exec(value);
  if (!match) return undefined;
  if (match[2].toLowerCase() === 'nan') return NaN;
  return match[1] === '-' ? -Infinity : Infinity;
}

/** Default names of the columns of form (a) without `fields`: x y z, then column_3, column_4 ... */
export function defaultJsonFieldNames(width: number): string[] {
  return Array.from({ length: width }, (_v, c) => ['x', 'y', 'z'][c] ?? `column_${c}`);
}

/** A point value where one should be: a number, or the text of what stands there instead. */
type PointValue = number | { text: string };

/** Values of one column appended one at a time, in a Float64Array that doubles, up to `maxLength`. */
class ValueColumn {
  private buffer = new Float64Array(64);
  length = 0;

  constructor(
    private readonly maxLength: number,
    private readonly overflow: () => void,
  ) {}

  push(value: number): void {
    if (this.length === this.buffer.length) {
      if (this.length >= this.maxLength) this.overflow();
      const grown = new Float64Array(Math.min(this.maxLength, 2 * this.buffer.length));
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = value;
  }

  get values(): Float64Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** The columns of a cloud of `width` float64 values a point, each as long as `limits` let it be. */
function valueColumns(width: number, limits: InputLimits): ValueColumn[] {
  const bytesPerPoint = 8 * width;
  const most = maxPoints(limits, bytesPerPoint);
  return Array.from(
    { length: width },
    () => new ValueColumn(most, () => checkCloudSize(limits, most + 1, bytesPerPoint)),
  );
}

/** The parts of a document, as its keys came. */
interface JsonParts {
  keys: string[];
  rows?: { columns?: ValueColumn[]; count: number };
  names?: string[];
  types?: PointFieldType[];
  arrays: Partial<Record<(typeof ARRAYS_FORM_KEYS)[number], { columns: ValueColumn[]; length: number }>>;
  organized?: unknown;
  viewpoint?: unknown;
}

/** Longest `organized` or `viewpoint` value read (as text): both are a few numbers. */
const MAX_SMALL_VALUE_CHARS = 4096;

/**
 * Decodes a JSON point cloud (UTF-8) in either form (see the README):
 * (a) `{"points": [[x, y, z, ...], ...], "fields"?: [names], "types"?: [field types]}`;
 * (b) `{"positions": [x0, y0, z0, ...], "colors"?: [r, g, b, ...], "normals"?: [...], "intensity"?: [...]}`.
 * Either may have `organized: {width, height}` and `viewpoint: [7 numbers]`; any other key, or
 * both forms at once, is refused. Bad input throws AdapterError('unprocessable_input'). The
 * text is read in one pass straight into typed arrays (no document tree: JSON.parse of a cloud
 * takes ten times its size), and the points are checked against `limits` as they come.
 */
export function readJsonPointCloud(data: Uint8Array, limits: InputLimits = DEFAULT_INPUT_LIMITS): PointCloud {
  const scanner = new JsonScanner(decodeUtf8(data, 'the JSON point cloud'), 'JSON point cloud');
  const parts = readParts(scanner, limits);
  const cloud =
    jsonPointCloudForm(parts.keys) === 'rows' ? rowsCloud(parts, limits) : arraysCloud(parts, limits);
  const organized = readOrganized(parts.organized, cloud.count);
  const viewpoint = readViewpoint(parts.viewpoint);
  return { ...cloud, ...(organized && { organized }), ...(viewpoint && { viewpoint }) };
}

function readParts(scanner: JsonScanner, limits: InputLimits): JsonParts {
  const first = scanner.peek();
  if (first === 0x5b) throw jsonFail(`the document is an array; ${JSON_POINT_CLOUD_FORMS}`);
  if (first !== 0x7b) {
    scanner.skipValue(); // malformed JSON is named as such
    throw jsonFail(`the document is not an object; ${JSON_POINT_CLOUD_FORMS}`);
  }
  scanner.expect('{');
  const parts: JsonParts = { keys: [], arrays: {} };
  const seen = new Set<string>();
  if (!scanner.accept('}')) {
    do {
      const key = scanner.string();
      if (seen.has(key)) throw jsonFail(`the key ${quote(key)} appears twice`);
      seen.add(key);
      parts.keys.push(key);
      scanner.expect(':');
      readPart(scanner, key, parts, limits);
    } while (scanner.accept(','));
    scanner.expect('}');
  }
  scanner.expectEnd();
  return parts;
}

function readPart(scanner: JsonScanner, key: string, parts: JsonParts, limits: InputLimits): void {
  switch (key) {
    case 'points':
      parts.rows = readRows(scanner, parts.names?.length ?? parts.types?.length, limits);
      return;
    case 'fields':
      parts.names = readNames(scanner, key, (name) => name !== '', 'a non-empty string');
      return;
    case 'types':
      parts.types = readNames(
        scanner,
        key,
        isPointFieldType,
        'a field type (int8 … float64)',
      ) as PointFieldType[];
      return;
    case 'positions':
    case 'colors':
    case 'normals':
    case 'intensity':
      parts.arrays[key] = readValues(scanner, key, ARRAY_FIELDS[key].names.length, limits);
      return;
    case 'organized':
    case 'viewpoint':
      parts[key] = scanner.smallValue(MAX_SMALL_VALUE_CHARS);
      return;
    default:
      scanner.skipValue(); // refused once the form is known, with the message the form gives
  }
}

/**
 * Which form the top-level keys make: `points` is the rows form, `positions` the arrays form;
 * a key of neither form, or keys of both, is refused.
 */
export function jsonPointCloudForm(keys: readonly string[]): 'rows' | 'arrays' {
  const rows = keys.includes('points');
  const arrays = keys.includes('positions');
  if (rows && arrays)
    throw jsonFail('it has both "points" and "positions"; it must be one form or the other');
  if (!rows && !arrays) throw jsonFail(`there is no "points" or "positions" key; ${JSON_POINT_CLOUD_FORMS}`);
  const allowed: readonly string[] = [...(rows ? ROWS_FORM_KEYS : ARRAYS_FORM_KEYS), ...SHARED_KEYS];
  const unknown = keys.find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw jsonFail(
      `unknown key ${quote(unknown)} (this form has ${allowed.map((key) => `"${key}"`).join(', ')})`,
    );
  }
  return rows ? 'rows' : 'arrays';
}

function readPointValue(scanner: JsonScanner): PointValue {
  if (scanner.peek() === 0x22) {
    const text = scanner.string();
    return jsonPointValue(text) ?? { text: quote(text) };
  }
  const number = scanner.number();
  if (number !== undefined) return number;
  const literal = scanner.literal();
  if (literal === null) return NaN;
  return { text: literal === undefined ? scanner.excerpt() : String(literal) };
}

/** `points`: rows of `width` values (the first row's width when no `fields` or `types` came first). */
function readRows(
  scanner: JsonScanner,
  width: number | undefined,
  limits: InputLimits,
): NonNullable<JsonParts['rows']> {
  if (!scanner.accept('[')) throw jsonFail('"points" is not an array of rows');
  let columns = width === undefined ? undefined : valueColumns(width, limits);
  let count = 0;
  if (scanner.accept(']')) return { columns, count };
  do {
    if (!scanner.accept('[')) throw jsonFail(`points[${count}] is not an array`);
    const firstRow: number[] = [];
    let c = 0;
    if (!scanner.accept(']')) {
      do {
        const value = readPointValue(scanner);
        if (typeof value !== 'number')
          throw jsonFail(`points[${count}][${c}] is ${value.text}, not a number`);
        if (columns === undefined) {
          firstRow.push(value);
          checkPointFields(firstRow.length, 'JSON points[0]');
        } else if (c < columns.length) {
          columns[c].push(value);
        }
        c++;
      } while (scanner.accept(','));
      scanner.expect(']');
    }
    if (columns === undefined) {
      columns = valueColumns(c, limits);
      firstRow.forEach((value, k) => columns?.[k].push(value));
    }
    if (c !== columns.length) throw jsonFail(`points[${count}] has ${c} values, ${columns.length} expected`);
    count++;
  } while (scanner.accept(','));
  scanner.expect(']');
  return { columns, count };
}

/** `fields` or `types`: an array of strings `valid` accepts. */
function readNames(
  scanner: JsonScanner,
  key: string,
  valid: (name: string) => boolean,
  what: string,
): string[] {
  if (!scanner.accept('[')) throw jsonFail(`"${key}" is not an array`);
  const names: string[] = [];
  if (scanner.accept(']')) return names;
  do {
    const name = scanner.peek() === 0x22 ? scanner.string() : undefined;
    if (name === undefined || !valid(name)) {
      const text = name === undefined ? scanner.excerpt() : quote(name);
      throw jsonFail(`${key}[${names.length}] is ${text}, not ${what}`);
    }
    names.push(name);
    checkPointFields(names.length, `JSON "${key}"`);
  } while (scanner.accept(','));
  scanner.expect(']');
  return names;
}

/** A per-point array of form (b): `components` values a point, interleaved. */
function readValues(
  scanner: JsonScanner,
  key: string,
  components: number,
  limits: InputLimits,
): { columns: ValueColumn[]; length: number } {
  if (!scanner.accept('[')) throw jsonFail(`"${key}" is not an array`);
  const columns = valueColumns(components, limits);
  let length = 0;
  if (scanner.accept(']')) return { columns, length };
  do {
    const value = readPointValue(scanner);
    if (typeof value !== 'number') throw jsonFail(`${key}[${length}] is ${value.text}, not a number`);
    columns[length % components].push(value);
    length++;
  } while (scanner.accept(','));
  scanner.expect(']');
  return { columns, length };
}

function rowsCloud({ rows, names, types }: JsonParts, limits: InputLimits): PointCloud {
  if (!rows) throw jsonFail('"points" is missing');
  if (names && types && names.length !== types.length) {
    throw jsonFail(`"fields" names ${names.length} fields, "types" ${types.length}`);
  }
  const declared = names?.length ?? types?.length;
  const { count } = rows;
  const seen = rows.columns?.length;
  // `fields` or `types` after `points`: the rows were read at their own width.
  if (declared !== undefined && seen !== undefined && seen !== declared && count > 0) {
    throw jsonFail(`points[0] has ${seen} values, ${declared} expected`);
  }
  const width = declared ?? (count > 0 ? (seen ?? 0) : 3);
  if (declared === undefined && width < 3)
    throw jsonFail(`points need at least 3 values (x y z), points[0] has ${width}`);
  if (width === 0) throw jsonFail('"fields" is empty');
  checkCloudSize(limits, count, 8 * width);
  const columns = count > 0 && rows.columns ? rows.columns : valueColumns(width, limits);
  const fieldNames = names ?? defaultJsonFieldNames(width);
  const fields = columns.map(({ values }, c) => {
    const field = createField(fieldNames[c], types?.[c] ?? inferColumnType(fieldNames[c], values), count);
    storeColumn(field, values, (i) => `points[${i}][${c}]`);
    return field;
  });
  return { count, fields };
}

function arraysCloud({ arrays }: JsonParts, limits: InputLimits): PointCloud {
  const positions = arrays.positions;
  if (!positions) throw jsonFail('"positions" is missing');
  if (positions.length % 3 !== 0) {
    throw jsonFail(`"positions" has ${positions.length} values, not a multiple of 3 (x y z per point)`);
  }
  const count = positions.length / 3;
  const present = ARRAYS_FORM_KEYS.filter((key) => arrays[key] !== undefined);
  // Every array's length is checked before anything more is allocated for them.
  for (const key of present) {
    const { length } = arrays[key] ?? positions;
    const expected = count * ARRAY_FIELDS[key].names.length;
    if (length !== expected) {
      throw jsonFail(`"${key}" has ${length} values, ${expected} expected for ${count} points`);
    }
  }
  const components = present.reduce((sum, key) => sum + ARRAY_FIELDS[key].names.length, 0);
  checkCloudSize(limits, count, 8 * components);
  const fields = present.flatMap((key) => {
    const { columns } = arrays[key] ?? positions;
    const { names, type } = ARRAY_FIELDS[key];
    return names.map((name, k) => {
      const field = createField(name, type, count);
      storeColumn(field, columns[k].values, (i) => `${key}[${i * names.length + k}]`);
      return field;
    });
  });
  return { count, fields };
}

/**
 * Stores the values of a column in its field: integers must be whole and in range; in a float32
 * packed colour (`rgb`, `rgba`) a whole number from 0 to 2^32 - 1 is the 0xAARRGGBB bit pattern,
 * as the writer and the text encodings write it.
 */
function storeColumn(field: PointField, column: Float64Array, where: (index: number) => string): void {
  const info = FIELD_TYPES[field.type];
  const values = field.values;
  const bits =
    field.type === 'float32' && isPackedColorField(field)
      ? new Uint32Array(values.buffer, values.byteOffset, values.length)
      : undefined;
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    const whole = Number.isInteger(value);
    if (info.integer && !(whole && value >= info.min && value <= info.max)) {
      throw jsonFail(`${where(i)} is ${value}, not a valid ${field.type} ${field.name}`);
    }
    if (bits && whole && value >= 0 && !Object.is(value, -0)) {
      if (value > 0xffffffff) throw jsonFail(`${where(i)} is ${value}, not a packed ${field.name} colour`);
      bits[i] = value;
    } else {
      values[i] = value;
    }
  }
}

function readOrganized(value: unknown, count: number): { width: number; height: number } | undefined {
  if (value === undefined) return undefined;
  const keys = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  const { width, height } = value as { width?: unknown; height?: unknown };
  const dimension = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 1;
  if (keys.length !== 2 || !dimension(width) || !dimension(height)) {
    throw jsonFail(
      `"organized" is ${clip(JSON.stringify(value))}, not {"width": w, "height": h} (whole numbers ≥ 1)`,
    );
  }
  if (width * height !== count) {
    throw jsonFail(`an organized grid of ${width} × ${height} does not hold ${count} points`);
  }
  return { width, height };
}

function readViewpoint(value: unknown): PointCloudViewpoint | undefined {
  if (value === undefined) return undefined;
  const numbers = Array.isArray(value) ? value.map(jsonPointValue) : [];
  if (numbers.length !== 7 || numbers.some((number) => number === undefined)) {
    throw jsonFail(`"viewpoint" is ${clip(JSON.stringify(value))}, not 7 numbers (tx ty tz qw qx qy qz)`);
  }
  return numbers as PointCloudViewpoint;
}
