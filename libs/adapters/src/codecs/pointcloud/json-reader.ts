import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { decodeUtf8 } from '../../sdk/utf8';
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

/**
 * Decodes a JSON point cloud (UTF-8) in either form (see the README):
 * (a) `{"points": [[x, y, z, ...], ...], "fields"?: [names], "types"?: [field types]}`;
 * (b) `{"positions": [x0, y0, z0, ...], "colors"?: [r, g, b, ...], "normals"?: [...], "intensity"?: [...]}`.
 * Either may have `organized: {width, height}` and `viewpoint: [7 numbers]`; any other key, or
 * both forms at once, is refused. Bad input throws AdapterError('unprocessable_input').
 */
export function readJsonPointCloud(data: Uint8Array): PointCloud {
  const text = decodeUtf8(data, 'the JSON point cloud');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw AdapterError.unprocessable(`malformed JSON point cloud: ${errorMessage(error)}`, error);
  }
  return readJsonPointCloudDocument(document);
}

/** The same, from a parsed JSON document. */
function readJsonPointCloudDocument(document: unknown): PointCloud {
  const object = jsonObject(document);
  const form = jsonPointCloudForm(Object.keys(object));
  const cloud = form === 'rows' ? readRows(object) : readArrays(object);
  const organized = readOrganized(object.organized, cloud.count);
  const viewpoint = readViewpoint(object.viewpoint);
  return { ...cloud, ...(organized && { organized }), ...(viewpoint && { viewpoint }) };
}

function jsonObject(document: unknown): Record<string, unknown> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw jsonFail(
      `the document is ${Array.isArray(document) ? 'an array' : 'not an object'}; ${JSON_POINT_CLOUD_FORMS}`,
    );
  }
  return document as Record<string, unknown>;
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
      `unknown key ${JSON.stringify(unknown)} (this form has ${allowed.map((key) => `"${key}"`).join(', ')})`,
    );
  }
  return rows ? 'rows' : 'arrays';
}

function readRows(object: Record<string, unknown>): PointCloud {
  const rows = object.points;
  if (!Array.isArray(rows)) throw jsonFail('"points" is not an array of rows');
  const names = optionalArray(
    object.fields,
    'fields',
    (value) => typeof value === 'string' && value !== '',
    'a non-empty string',
  ) as string[] | undefined;
  const types = optionalArray(
    object.types,
    'types',
    (value) => typeof value === 'string' && isPointFieldType(value),
    'a field type (int8 … float64)',
  ) as PointFieldType[] | undefined;
  if (names && types && names.length !== types.length) {
    throw jsonFail(`"fields" names ${names.length} fields, "types" ${types.length}`);
  }
  const first: unknown = rows[0];
  const width = names?.length ?? types?.length ?? (Array.isArray(first) ? first.length : 3);
  if (!names && !types && width < 3)
    throw jsonFail(`points need at least 3 values (x y z), points[0] has ${width}`);
  if ((names || types) && width === 0) throw jsonFail('"fields" is empty');
  // Every row is checked before anything is allocated for them.
  rows.forEach((row: unknown, i) => {
    if (!Array.isArray(row)) throw jsonFail(`points[${i}] is not an array`);
    if (row.length !== width) throw jsonFail(`points[${i}] has ${row.length} values, ${width} expected`);
  });
  const count = rows.length;
  const columns = Array.from({ length: width }, () => new Float64Array(count));
  (rows as unknown[][]).forEach((row, i) => {
    row.forEach((value, c) => {
      const number = jsonPointValue(value);
      if (number === undefined)
        throw jsonFail(`points[${i}][${c}] is ${JSON.stringify(value)}, not a number`);
      columns[c][i] = number;
    });
  });
  const fieldNames = names ?? defaultJsonFieldNames(width);
  const fields = columns.map((column, c) => {
    const field = createField(fieldNames[c], types?.[c] ?? inferColumnType(fieldNames[c], column), count);
    storeColumn(field, column, (i) => `points[${i}][${c}]`);
    return field;
  });
  return { count, fields };
}

function optionalArray(
  value: unknown,
  key: string,
  valid: (item: unknown) => boolean,
  what: string,
): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw jsonFail(`"${key}" is not an array`);
  const bad = value.findIndex((item) => !valid(item));
  if (bad >= 0) throw jsonFail(`${key}[${bad}] is ${JSON.stringify(value[bad])}, not ${what}`);
  return value;
}

function readArrays(object: Record<string, unknown>): PointCloud {
  const positions = object.positions;
  if (!Array.isArray(positions)) throw jsonFail('"positions" is not an array');
  if (positions.length % 3 !== 0) {
    throw jsonFail(`"positions" has ${positions.length} values, not a multiple of 3 (x y z per point)`);
  }
  const count = positions.length / 3;
  const present = ARRAYS_FORM_KEYS.filter((key) => object[key] !== undefined);
  // Every array's length is checked before anything is allocated for them.
  for (const key of present) {
    const values = object[key];
    const expected = count * ARRAY_FIELDS[key].names.length;
    if (!Array.isArray(values)) throw jsonFail(`"${key}" is not an array`);
    if (values.length !== expected) {
      throw jsonFail(`"${key}" has ${values.length} values, ${expected} expected for ${count} points`);
    }
  }
  const fields = present.flatMap((key) => {
    const values = object[key] as unknown[];
    const { names, type } = ARRAY_FIELDS[key];
    return names.map((name, k) => {
      const column = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const value = values[i * names.length + k];
        const number = jsonPointValue(value);
        if (number === undefined) {
          throw jsonFail(`${key}[${i * names.length + k}] is ${JSON.stringify(value)}, not a number`);
        }
        column[i] = number;
      }
      const field = createField(name, type, count);
      storeColumn(field, column, (i) => `${key}[${i * names.length + k}]`);
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
      `"organized" is ${JSON.stringify(value)}, not {"width": w, "height": h} (whole numbers ≥ 1)`,
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
    throw jsonFail(`"viewpoint" is ${JSON.stringify(value)}, not 7 numbers (tx ty tz qw qx qy qz)`);
  }
  return numbers as PointCloudViewpoint;
}
