import { isWhiteSpace } from '../white-space';

/** Spaces and tabs: what separates the words of a header line and the values of PCD ASCII data. */
export const isSpaceOrTab = (code: number) => code === 0x20 || code === 0x09;

/**
 * Reads whitespace-separated tokens from a text one at a time, without splitting it all up
 * front (a scanner, not a regular expression: one pass over the text, whatever its runs).
 */
export class TextTokens {
  private position = 0;

  constructor(private readonly text: string) {}

  /** The next token, or undefined at the end of the text. */
  next(): string | undefined {
    const text = this.text;
    let i = this.position;
    while (i < text.length && isWhiteSpace(text.charCodeAt(i))) i++;
    const start = i;
    while (i < text.length && !isWhiteSpace(text.charCodeAt(i))) i++;
    this.position = i;
    return i > start ? text.slice(start, i) : undefined;
  }

  /** Characters not read yet (an upper bound on what the remaining tokens can hold). */
  get remaining(): number {
    return this.text.length - this.position;
  }
}

/**
 * The tokens of `text` from `start` to `end`, white space trimmed from both ends, separated by
 * runs of the characters `isSeparator` accepts. At most `max + 1` tokens are made, so that a
 * line with too many is known as such without splitting all of it.
 */
export function lineTokens(
  text: string,
  start: number,
  end: number,
  isSeparator: (code: number) => boolean,
  max: number,
): string[] {
  const tokens: string[] = [];
  forEachToken(text, start, end, isSeparator, (from, to) => tokens.push(text.slice(from, to)) <= max);
  return tokens;
}

/** How many tokens `lineTokens` would find with no maximum (for an error message: nothing is kept). */
export function countTokens(
  text: string,
  start: number,
  end: number,
  isSeparator: (code: number) => boolean,
): number {
  let count = 0;
  forEachToken(text, start, end, isSeparator, () => ++count > 0);
  return count;
}

/** Calls `visit` with the bounds of each token until it returns false. */
function forEachToken(
  text: string,
  start: number,
  end: number,
  isSeparator: (code: number) => boolean,
  visit: (from: number, to: number) => boolean,
): void {
  while (start < end && isWhiteSpace(text.charCodeAt(start))) start++;
  while (end > start && isWhiteSpace(text.charCodeAt(end - 1))) end--;
  for (let i = start; i < end;) {
    while (i < end && isSeparator(text.charCodeAt(i))) i++;
    const from = i;
    while (i < end && !isSeparator(text.charCodeAt(i))) i++;
    if (i > from && !visit(from, i)) return;
  }
}

/**
 * Whether `tokens` tokens can fit in `chars` characters: each takes one character and all but
 * the last a separator. Checked before allocating arrays for a count that a header claims.
 */
export function tokensCanFit(tokens: number, chars: number): boolean {
  return tokens === 0 || 2 * tokens - 1 <= chars;
}
