import { describe, expect, it } from 'vitest';
import { createField } from './point-cloud';
import { formatFloat32, formatFloat64, parseNumberToken, textColumn } from './text-values';

describe('formatFloat32', () => {
  it('writes short decimals that read back as the same float32', () => {
    const bits = new Uint32Array(1);
    const float = new Float32Array(bits.buffer);
    let state = 99;
    for (let i = 0; i < 20_000; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      bits[0] = state ^ (state << 13);
      const value = float[0];
      if (Number.isNaN(value)) continue;
      const text = formatFloat32(value);
      expect(
        text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length,
      ).toBeLessThanOrEqual(9);
      expect(Object.is(Math.fround(parseNumberToken(text) as number), value)).toBe(true);
    }
  });

  it.each([
    [Math.fround(0.1), '0.1'],
    [Math.fround(0.0054215998), '0.0054216'],
    [1.5e30, '1.5e+30'],
    [-0, '-0'],
    [NaN, 'nan'],
    [-Infinity, '-inf'],
    [16777216, '16777216'],
    [Math.fround(1e-45), '1.401298e-45'],
  ])('writes %s as %s', (value, text) => {
    expect(formatFloat32(value)).toBe(text);
  });

  it('leaves float64 in its shortest exact form', () => {
    expect(formatFloat64(0.1)).toBe('0.1');
    expect(formatFloat64(Math.PI)).toBe('3.141592653589793');
  });
});

describe('parseNumberToken', () => {
  it.each([
    ['1', 1],
    ['-2.5e-3', -0.0025],
    ['nan', NaN],
    ['-nan', NaN],
    ['NaN', NaN],
    ['nan(ind)', NaN],
    ['inf', Infinity],
    ['-inf', -Infinity],
    ['-Infinity', -Infinity],
    ['1.#QNAN', NaN],
  ])('reads %s', (token, value) => {
    expect(parseNumberToken(token)).toBe(value);
  });

  it.each(['', 'abc', '1.2.3', '--1', 'infinite'])('refuses %j', (token) => {
    expect(parseNumberToken(token)).toBeUndefined();
  });
});

describe('textColumn', () => {
  it('refuses integers out of range or with a fraction', () => {
    const column = textColumn(createField('n', 'int8', 1));
    expect(column.parse(0, '-128')).toBe(true);
    expect(column.parse(0, '128')).toBe(false);
    expect(column.parse(0, '1.5')).toBe(false);
    expect(column.parse(0, 'nan')).toBe(false);
  });

  it('reads and writes a packed rgb float by its bits', () => {
    const field = createField('rgb', 'float32', 1);
    const column = textColumn(field);
    expect(column.parse(0, '4294967295')).toBe(true);
    expect(new Uint32Array(field.values.buffer)[0]).toBe(0xffffffff);
    expect(column.format(0)).toBe('4294967295');
    expect(column.parse(0, '4294967296')).toBe(false);
  });
});
