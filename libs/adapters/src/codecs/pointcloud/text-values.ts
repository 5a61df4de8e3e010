import { FIELD_TYPES, isPackedColorField, type PointField } from './point-cloud';

/**
 * A number written as text, or undefined when the token is not one. Besides decimal notation it
 * accepts what C libraries print for non-finite floats: nan, -nan, nan(ind), inf, infinity.
 */
export function parseNumberToken(token: string): number | undefined {
  const value = Number(token);
  if (!Number.isNaN(value)) return token === '' ? undefined : value;
  const word = token.toLowerCase();
  const unsigned = word.startsWith('-') || word.startsWith('+') ? word.slice(1) : word;
  if (unsigned.startsWith('nan') || unsigned.startsWith('1.#qnan') || unsigned.startsWith('1.#ind'))
    return NaN;
  if (unsigned === 'inf' || unsigned === 'infinity' || unsigned.startsWith('1.#inf')) {
    return word.startsWith('-') ? -Infinity : Infinity;
  }
  return undefined;
}

/** Reads and writes one field's values as text tokens. */
export interface TextColumn {
  /** Stores the token as value `index`; false when it is not a valid value of the field's type. */
  parse(index: number, token: string): boolean;
  format(index: number): string;
}

/**
 * Text access to a field. Integers must be whole and in range; floats are written with the
 * fewest digits that read back to the same value. A packed colour float (`rgb`, `rgba`) is
 * written as its uint32 bit pattern, as PCL does, and an integer token in it is read as one.
 */
export function textColumn(field: PointField): TextColumn {
  const values = field.values;
  const info = FIELD_TYPES[field.type];
  if (info.integer) {
    return {
      parse(index, token) {
        const value = parseNumberToken(token);
        if (value === undefined || !Number.isInteger(value) || value < info.min || value > info.max)
          return false;
        values[index] = value;
        return true;
      },
      format: (index) => String(values[index]),
    };
  }
  const formatFloat = field.type === 'float32' ? formatFloat32 : formatFloat64;
  const bits =
    field.type === 'float32' && isPackedColorField(field)
      ? new Uint32Array(values.buffer, values.byteOffset, values.length)
      : undefined;
  return {
    parse(index, token) {
      if (bits && /^\d+$/.test(token)) {
        const pattern = Number(token);
        if (pattern > 0xffffffff) return false;
        bits[index] = pattern;
        return true;
      }
      const value = parseNumberToken(token);
      if (value === undefined) return false;
      values[index] = value;
      return true;
    },
    format: bits ? (index) => String(bits[index]) : (index) => formatFloat(values[index]),
  };
}

function formatSpecial(value: number): string | undefined {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  return undefined;
}

/**
 * A short decimal that reads back as the same float32: 7 significant digits when they do,
 * else 8, else 9 (always enough for a float32), trailing zeros dropped. (`String(value)` would
 * give the double's 17-digit form, and is several times slower.)
 */
export function formatFloat32(value: number): string {
  const special = formatSpecial(value);
  if (special !== undefined) return special;
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 24) return String(value);
  for (let digits = 7; digits < 9; digits++) {
    const decimal = value.toPrecision(digits);
    if (Math.fround(Number(decimal)) === value) return withoutTrailingZeros(decimal);
  }
  return withoutTrailingZeros(value.toPrecision(9));
}

/** `1.500000e+8` → `1.5e+8`, `2.000000` → `2`. */
function withoutTrailingZeros(decimal: string): string {
  const e = decimal.indexOf('e');
  const mantissa = e < 0 ? decimal : decimal.slice(0, e);
  if (!mantissa.includes('.')) return decimal;
  let end = mantissa.length;
  while (mantissa[end - 1] === '0') end--;
  if (mantissa[end - 1] === '.') end--;
  return mantissa.slice(0, end) + (e < 0 ? '' : decimal.slice(e));
}

/** JavaScript's shortest round-trip form, with nan/inf and -0 spelled out. */
export function formatFloat64(value: number): string {
  return formatSpecial(value) ?? String(value);
}
