import { describe, expect, it } from 'vitest';
import { LzfError, lzfCompress, lzfDecompress } from './lzf';

function pseudoRandom(length: number, seed = 7): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

describe('lzf', () => {
  it('decodes a hand-written stream: a literal run, a short and a long back reference', () => {
    // "abc" literally, then 6 bytes from distance 3 (short form), then 12 from distance 3 (long form).
    const stream = Uint8Array.from([2, 0x61, 0x62, 0x63, (4 << 5) | 0, 2, (7 << 5) | 0, 3, 2]);
    expect(Buffer.from(lzfDecompress(stream, 21)).toString()).toBe('abcabcabcabcabcabcabc');
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.from([42])],
    ['incompressible', pseudoRandom(10_000)],
    ['zeros', new Uint8Array(100_000)],
    ['a repeated pattern', Uint8Array.from({ length: 50_000 }, (_v, i) => (i * 7) % 13)],
    ['text', new TextEncoder().encode('the quick brown fox jumps over the lazy dog. '.repeat(500))],
    ['32 literals exactly', pseudoRandom(32, 3)],
    ['mixed', Uint8Array.from({ length: 20_000 }, (_v, i) => (i % 1000 < 500 ? i & 0xff : (i * 31) & 0xff))],
  ])('round trips %s', (_name, input) => {
    const compressed = lzfCompress(input);
    expect(compressed.length).toBeLessThanOrEqual(input.length + Math.ceil(input.length / 32) + 1);
    expect(Buffer.from(lzfDecompress(compressed, input.length)).equals(Buffer.from(input))).toBe(true);
  });

  it('compresses redundant data', () => {
    expect(lzfCompress(new Uint8Array(100_000)).length).toBeLessThan(1_500);
  });

  it.each([
    ['a literal run past the end', Uint8Array.from([5, 1, 2]), 6, /literal run past the end/],
    ['a reference before the start', Uint8Array.from([0, 1, 0x20, 5]), 4, /before the start/],
    ['a reference missing its distance byte', Uint8Array.from([0, 1, 0x20]), 4, /past the end of the input/],
    [
      'output longer than declared',
      Uint8Array.from([3, 1, 2, 3, 4]),
      2,
      /expands to 4 bytes, not the declared 2/,
    ],
    ['output shorter than declared', Uint8Array.from([1, 1, 2]), 5, /expands to 2 bytes, not the declared 5/],
  ])('refuses %s', (_name, stream, length, message) => {
    expect(() => lzfDecompress(stream, length)).toThrow(LzfError);
    expect(() => lzfDecompress(stream, length)).toThrow(message);
  });

  it('refuses a declared size the input cannot reach, before allocating it', () => {
    expect(() => lzfDecompress(Uint8Array.from([0, 1]), 4_000_000_000)).toThrow(/cannot expand/);
    expect(() => lzfDecompress(Uint8Array.from([0, 1]), -1)).toThrow(LzfError);
  });
});
