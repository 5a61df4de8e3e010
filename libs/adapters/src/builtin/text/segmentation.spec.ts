import { describe, expect, it } from 'vitest';
import { paragraphsOf, piecesOf, sentencesOf, wordsOf, wordsOfEach } from './segmentation';

/** The regular-expression paragraphs this module replaced (quadratic on long whitespace runs): the reference on small texts. */
function regexParagraphs(text: string): string[] {
  return text
    .split(/\n\s*\n|\n(?=\s*(?:[-*#>]|\d+[.)])\s)/)
    .map((paragraph) => paragraph.replace(/\s*\n\s*/g, ' ').trim())
    .filter((paragraph) => paragraph !== '');
}

const samples = [
  'One line.',
  'First line\nsecond line of the same paragraph.\n\nA new paragraph.',
  '  Indented\t \n   continued  \n \t \n\n\nAfter blank lines with spaces.\n',
  'A list:\n- one\n- two\n* three\n1. four\n2) five\n# Heading\n> quote\nplain again',
  'Not a list:\n-dash\n1.5 is a number\n12 apples\n\u00a0\u3000\nwide spaces around\u2028here',
  '全模态大模型能够理解语音。\n\n实现任意输入、任意输出。',
];

describe('paragraphsOf', () => {
  it.each(samples)('splits %j as the regular expressions did', (text) => {
    expect(paragraphsOf(text)).toEqual(regexParagraphs(text));
  });
});

describe('piecesOf', () => {
  const join = (text: string, length: number) => [...piecesOf(text, length)];

  it('returns the whole text in pieces no longer than asked for', () => {
    const text = 'The cat sat. '.repeat(100) + 'x'.repeat(333) + '全模态。'.repeat(50);
    const pieces = join(text, 64);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(64);
    for (const piece of pieces.slice(0, -1)) expect(piece.length).toBeGreaterThanOrEqual(32);
  });

  it('cuts after a sentence rather than at a space, and at a space rather than inside a word', () => {
    expect(join('aaaa bbbbb. cc dd eeee', 16)).toEqual(['aaaa bbbbb.', ' cc dd eeee']);
    expect(join('aaaaaaa bbbbbbb ccccccc', 16)).toEqual(['aaaaaaa bbbbbbb ', 'ccccccc']);
    expect(join('这是第一句。这是第二句', 8)).toEqual(['这是第一句。', '这是第二句']);
  });

  it('cuts text without any break at the length, never inside a surrogate pair', () => {
    expect(join('x'.repeat(10), 4)).toEqual(['xxxx', 'xxxx', 'xx']);
    const emoji = 'a' + '😀'.repeat(4);
    const pieces = join(emoji, 4);
    expect(pieces.join('')).toBe(emoji);
    // A lone surrogate would not survive a round trip through UTF-8.
    for (const piece of pieces) expect(Buffer.from(piece, 'utf8').toString('utf8')).toBe(piece);
  });
});

describe('words and sentences', () => {
  it('finds the words of text longer than a piece', () => {
    const text = 'alpha beta, gamma! '.repeat(500);
    expect(wordsOf(text)).toEqual(Array.from({ length: 500 }, () => ['alpha', 'beta', 'gamma']).flat());
  });

  it('gives each text of many its own words', () => {
    expect(wordsOfEach(['one two', '', 'three', 'four five six'])).toEqual([
      ['one', 'two'],
      [],
      ['three'],
      ['four', 'five', 'six'],
    ]);
  });

  it('finds the sentences of a long paragraph, wherever the pieces were cut', () => {
    const sentence = 'This sentence is one of many in a long paragraph.';
    const text = Array.from({ length: 2000 }, () => sentence).join(' ');
    const sentences = sentencesOf(text);
    expect(sentences).toHaveLength(2000);
    expect(new Set(sentences)).toEqual(new Set([sentence]));
  });
});
