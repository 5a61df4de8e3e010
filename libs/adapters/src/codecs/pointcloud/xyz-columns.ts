import type { PointFieldType } from './point-cloud';

/** One XYZ column as it will become a field. */
export interface XyzColumn {
  name: string;
  type: PointFieldType;
}

const ALIASES: Readonly<Record<string, string>> = {
  r: 'red',
  g: 'green',
  b: 'blue',
  nx: 'normal_x',
  ny: 'normal_y',
  nz: 'normal_z',
  i: 'intensity',
};

/** A header row's name made canonical: lower case, common short forms (R, Nx, I) spelled out. */
export function canonicalColumnName(name: string): string {
  const lower = name.toLowerCase();
  return Object.hasOwn(ALIASES, lower) ? ALIASES[lower] : lower;
}

/** Whether a column holds only whole numbers from 0 to 255 (colour channels). */
function isByteColumn(values: Float64Array | undefined): boolean {
  if (!values) return false;
  for (const value of values) if (!(Number.isInteger(value) && value >= 0 && value <= 255)) return false;
  return true;
}

/**
 * Names for columns without a header: x y z, then by what follows: one extra is `intensity`;
 * three whole 0-255 extras are `red green blue` and three others are normals (then, after
 * colours, three more are normals too); four extras whose last three are colours are
 * `intensity red green blue` (the PTS order); anything else is `column_3`, `column_4` ...
 */
export function defaultColumnNames(columns: Float64Array[]): string[] {
  const extras = columns.length - 3;
  const bytes = (from: number) => [0, 1, 2].every((k) => isByteColumn(columns[from + k]));
  const generic = (from: number) =>
    Array.from({ length: columns.length - from }, (_v, k) => `column_${from + k}`);
  const normals = ['normal_x', 'normal_y', 'normal_z'];
  const colours = ['red', 'green', 'blue'];
  let names: string[];
  if (extras === 1) names = ['intensity'];
  else if (extras === 4 && bytes(4)) names = ['intensity', ...colours];
  else if (extras >= 3 && bytes(3)) names = [...colours, ...(extras === 6 ? normals : generic(6))];
  else if (extras === 3) names = normals;
  else names = generic(3);
  return ['x', 'y', 'z', ...names];
}

/** Colour channels of whole 0-255 values are uint8; every other column is float32. */
export function inferColumnType(name: string, values: Float64Array): PointFieldType {
  return (name === 'red' || name === 'green' || name === 'blue') && isByteColumn(values)
    ? 'uint8'
    : 'float32';
}
