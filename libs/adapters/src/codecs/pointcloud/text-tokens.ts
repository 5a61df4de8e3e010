/** Reads whitespace-separated tokens from a text one at a time, without splitting it all up front. */
export class TextTokens {
  private readonly pattern = /\S+/g;

  constructor(private readonly text: string) {}

  /** The next token, or undefined at the end of the text. */
  next(): string | undefined {
    const match = this.pattern.exec(this.text);
    return match ? match[0] : undefined;
  }

  /** Characters not read yet (an upper bound on what the remaining tokens can hold). */
  get remaining(): number {
    return this.text.length - this.pattern.lastIndex;
  }
}

/**
 * Whether `tokens` tokens can fit in `chars` characters: each takes one character and all but
 * the last a separator. Checked before allocating arrays for a count that a header claims.
 */
export function tokensCanFit(tokens: number, chars: number): boolean {
  return tokens === 0 || 2 * tokens - 1 <= chars;
}
