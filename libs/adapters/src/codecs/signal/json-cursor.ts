import { AdapterError } from '../../sdk/adapter-error';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;
/** How deep a value skipped by `skipValue` may nest (the signal forms themselves nest 4 deep). */
export const MAX_SKIPPED_DEPTH = 64;

/**
 * A position in a JSON text that reads one token at a time, for readers that walk a document of
 * a known shape without building it: linear in the text, no recursion, nothing kept but what the
 * caller keeps. Every token is checked as JSON.parse would; a syntax error is `unprocessable_input`.
 */
export class JsonCursor {
  private pos = 0;

  constructor(private readonly text: string) {}

  /** The next character after whitespace ('' at the end), without consuming it. */
  peek(): string {
    this.skipWhitespace();
    return this.text.charAt(this.pos);
  }

  /** Consumes `char` when it comes next (after whitespace). */
  eat(char: string): boolean {
    if (this.peek() !== char) return false;
    this.pos++;
    return true;
  }

  /** Consumes `char`, which must come next. */
  expect(char: string): void {
    if (!this.eat(char)) throw this.syntax(`expected "${char}"`);
  }

  /** Only whitespace may follow the document. */
  expectEnd(): void {
    if (this.peek() !== '') throw this.syntax('content after the JSON value');
  }

  /** Whether a number comes next. */
  atNumber(): boolean {
    const c = this.peek();
    return c === '-' || (c >= '0' && c <= '9');
  }

  /** The number that comes next (call after `atNumber`). */
  number(): number {
    const start = this.pos;
    this.pos = this.numberEnd();
    return Number(this.text.slice(start, this.pos));
  }

  /** Past the number that comes next, without converting it (call after `atNumber`). */
  skipNumber(): void {
    this.pos = this.numberEnd();
  }

  /** The string that comes next (`peek()` is '"'), unescaped. */
  string(): string {
    const start = this.pos;
    const escaped = this.skipString();
    return escaped
      ? (JSON.parse(this.text.slice(start, this.pos)) as string)
      : this.text.slice(start + 1, this.pos - 1);
  }

  /** Past any JSON value, checking its syntax, nested at most MAX_SKIPPED_DEPTH deep. */
  skipValue(): void {
    const open: ('}' | ']')[] = [];
    for (;;) {
      const c = this.peek();
      if (c === '{' || c === '[') {
        if (open.length === MAX_SKIPPED_DEPTH) {
          throw this.syntax(`a value nests deeper than ${MAX_SKIPPED_DEPTH} levels`);
        }
        this.pos++;
        const close = c === '{' ? '}' : ']';
        if (!this.eat(close)) {
          open.push(close);
          if (close === '}') this.skipKey();
          continue;
        }
      } else {
        this.skipScalar();
      }
      // After a value: close what ends here, then go on after a comma.
      for (;;) {
        const close = open.at(-1);
        if (close === undefined) return;
        if (this.eat(',')) {
          if (close === '}') this.skipKey();
          break;
        }
        this.expect(close);
        open.pop();
      }
    }
  }

  /** A syntax error at the current position. */
  syntax(problem: string): AdapterError {
    return AdapterError.unprocessable(`malformed JSON signal at offset ${this.pos}: ${problem}`);
  }

  private skipWhitespace(): void {
    const { text } = this;
    let p = this.pos;
    for (; p < text.length; p++) {
      const c = text.charCodeAt(p);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    }
    this.pos = p;
  }

  private numberEnd(): number {
    NUMBER.lastIndex = this.pos;
    if (!NUMBER.test(this.text)) throw this.syntax('expected a number');
    return NUMBER.lastIndex;
  }

  /** Past a string (`peek()` is '"'), checking escapes and control characters; true when it had escapes. */
  private skipString(): boolean {
    const { text } = this;
    let escaped = false;
    for (let p = this.pos + 1; p < text.length; p++) {
      const c = text[p];
      if (c === '"') {
        this.pos = p + 1;
        return escaped;
      }
      if (c < ' ') {
        this.pos = p;
        throw this.syntax('a control character in a string');
      }
      if (c === '\\') {
        escaped = true;
        const next = text.charAt(p + 1);
        if (next === 'u' && HEX4.test(text.slice(p + 2, p + 6))) p += 5;
        else if (ESCAPES.has(next)) p++;
        else {
          this.pos = p;
          throw this.syntax('a bad escape in a string');
        }
      }
    }
    throw this.syntax('a string is not closed');
  }

  private skipKey(): void {
    if (this.peek() !== '"') throw this.syntax('expected a key');
    this.skipString();
    this.expect(':');
  }

  private skipScalar(): void {
    const c = this.peek();
    if (c === '"') {
      this.skipString();
      return;
    }
    if (this.atNumber()) {
      this.skipNumber();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    throw this.syntax('expected a value');
  }
}
