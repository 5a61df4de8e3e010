import { AdapterError } from '../../sdk/adapter-error';
import { clip } from './header-text';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

const isDigit = (code: number) => code >= DIGIT_0 && code <= DIGIT_9;
const isJsonSpace = (code: number) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;

/**
 * A cursor over JSON text that reads one token at a time: no document tree, no recursion (a
 * value nested a million deep is skipped with a stack of a million entries, not a million
 * frames), one pass over every character. Syntax errors are `unprocessable_input`, named for
 * `what` ("JSON point cloud").
 */
export class JsonScanner {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly what: string,
  ) {}

  /** The next character's code after white space (the cursor stays on it), or -1 at the end. */
  peek(): number {
    while (this.i < this.text.length && isJsonSpace(this.text.charCodeAt(this.i))) this.i++;
    return this.i < this.text.length ? this.text.charCodeAt(this.i) : -1;
  }

  /** Consumes `char` when it comes next (after white space). */
  accept(char: string): boolean {
    if (this.peek() !== char.charCodeAt(0)) return false;
    this.i++;
    return true;
  }

  /** Consumes `char`, which must come next. */
  expect(char: string): void {
    if (!this.accept(char)) throw this.syntax(`expected "${char}"`);
  }

  /** Only white space is left. */
  expectEnd(): void {
    if (this.peek() !== -1) throw this.syntax('content after the JSON value');
  }

  /** The string that comes next. */
  string(): string {
    if (this.peek() !== QUOTE) throw this.syntax('expected a string');
    const start = this.i;
    let escaped = false;
    for (let i = start + 1; i < this.text.length; i++) {
      const code = this.text.charCodeAt(i);
      if (code === BACKSLASH) {
        escaped = true;
        i++;
      } else if (code === QUOTE) {
        this.i = i + 1;
        return escaped ? this.parseString(start, i + 1) : this.text.slice(start + 1, i);
      } else if (code < 0x20) {
        throw this.syntax('a control character in a string', i);
      }
    }
    throw this.syntax('a string that does not end', start);
  }

  /** The number that comes next, or undefined (cursor unmoved) when what comes next is not one. */
  number(): number | undefined {
    this.peek();
    const start = this.i;
    let i = start;
    const at = (k: number) => (k < this.text.length ? this.text.charCodeAt(k) : -1);
    if (at(i) === MINUS) i++;
    if (at(i) === DIGIT_0) i++;
    else if (isDigit(at(i))) while (isDigit(at(i))) i++;
    else return i === start ? undefined : this.fail(i, 'a bad number');
    if (at(i) === DOT) {
      if (!isDigit(at(++i))) this.fail(i, 'a bad number');
      while (isDigit(at(i))) i++;
    }
    if (at(i) === 0x65 || at(i) === 0x45) {
      i++;
      if (at(i) === 0x2b || at(i) === MINUS) i++;
      if (!isDigit(at(i))) this.fail(i, 'a bad number');
      while (isDigit(at(i))) i++;
    }
    this.i = i;
    return Number(this.text.slice(start, i));
  }

  /** `true`, `false` or `null` when it comes next (consumed), else undefined. */
  literal(): boolean | null | undefined {
    this.peek();
    for (const [word, value] of LITERALS) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    return undefined;
  }

  /** Any value, containers included, read past without keeping it. */
  skipValue(): void {
    const closers: string[] = [];
    for (;;) {
      if (this.accept('{')) {
        if (!this.accept('}')) {
          this.string();
          this.expect(':');
          closers.push('}');
          continue;
        }
      } else if (this.accept('[')) {
        if (!this.accept(']')) {
          closers.push(']');
          continue;
        }
      } else if (this.peek() === QUOTE) {
        this.string();
      } else if (this.number() === undefined && this.literal() === undefined) {
        throw this.syntax('expected a value');
      }
      // After a value: close what ends here, up to a comma that brings the next item.
      for (;;) {
        const closer = closers.at(-1);
        if (closer === undefined) return;
        if (this.accept(',')) {
          if (closer === '}') {
            this.string();
            this.expect(':');
          }
          break;
        }
        this.expect(closer);
        closers.pop();
      }
    }
  }

  /** The next value's text, cut short, read past: for saying what stands where a number should. */
  excerpt(): string {
    this.peek();
    const start = this.i;
    this.skipValue();
    return clip(this.text.slice(start, this.i));
  }

  /**
   * The next value, read past: parsed when its text is at most `maxChars` long, else that text
   * cut short (a string, for values that should be a few numbers: no check of them accepts it).
   */
  smallValue(maxChars: number): unknown {
    this.peek();
    const start = this.i;
    this.skipValue();
    const text = this.text.slice(start, this.i);
    return text.length <= maxChars ? (JSON.parse(text) as unknown) : clip(text);
  }

  private parseString(start: number, end: number): string {
    try {
      return JSON.parse(this.text.slice(start, end)) as string;
    } catch (error) {
      throw AdapterError.unprocessable(`malformed ${this.what}: a bad string at offset ${start}`, error);
    }
  }

  private fail(offset: number, problem: string): never {
    throw this.syntax(problem, offset);
  }

  private syntax(problem: string, offset = this.i): AdapterError {
    return AdapterError.unprocessable(`malformed ${this.what} at offset ${offset}: ${problem}`);
  }
}

const LITERALS: readonly (readonly [string, boolean | null])[] = [
  ['true', true],
  ['false', false],
  ['null', null],
];
