import { describe, expect, it } from 'vitest';
import { parseJsonWithin } from './bounded-json';

describe('parseJsonWithin', () => {
  it('parses JSON within the depth, brackets inside strings not counted', () => {
    expect(parseJsonWithin('{"a":[[1]],"s":"[[[[\\"{{{{"}', 3)).toEqual({ a: [[1]], s: '[[[["{{{{' });
  });

  it('refuses deeper nesting before parsing it', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parseJsonWithin(deep)).toThrow(/deeper than 64/);
    expect(() => parseJsonWithin('[[[1]]]', 2)).toThrow(SyntaxError);
  });

  it('throws JSON.parse’s SyntaxError for what is not JSON', () => {
    expect(() => parseJsonWithin('{"a":')).toThrow(SyntaxError);
  });
});
