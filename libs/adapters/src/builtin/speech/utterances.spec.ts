import { describe, expect, it } from 'vitest';
import { boundedUtterances } from './utterances';

const utterances = (text: string) => boundedUtterances(text).split('\n\n');
const letters = (text: string) => text.replace(/\s/g, '');

describe('boundedUtterances', () => {
  it('leaves short sentences as they are', () => {
    expect(boundedUtterances('Hello there. How are you?\nFine.')).toBe('Hello there. How are you? Fine.');
  });

  it('keeps the blank lines between paragraphs', () => {
    expect(utterances('One paragraph.\n\n\nAnother one.')).toEqual(['One paragraph.', 'Another one.']);
  });

  it('ends a long utterance after a sentence, else between words, and cuts long tokens', () => {
    const text = `${'A sentence of some words. '.repeat(10)}${'word '.repeat(300)}${'9'.repeat(300)} ${'ABCDEFGHIJ'.repeat(50)}`;
    const result = utterances(text);
    expect(letters(result.join(''))).toBe(letters(text));
    for (const utterance of result) {
      expect(letters(utterance).length).toBeLessThanOrEqual(100);
      for (const token of utterance.split(' ')) expect(token.length).toBeLessThanOrEqual(20);
    }
    // The prose breaks at its full stops.
    expect(result[0]).toMatch(/\.$/);
  });

  it('never cuts inside a surrogate pair', () => {
    const result = boundedUtterances('😀'.repeat(30));
    expect(Buffer.from(result, 'utf8').toString('utf8')).toBe(result);
  });
});
