import { AdapterError } from '../../sdk/adapter-error';
import { isWhiteSpace } from '../white-space';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const HASH = 0x23;

/**
 * Delimited text read record by record in one linear pass, without building rows or cells: a
 * record ends at a line break (\n, \r\n or \r) outside quotes; fields are split at the delimiter
 * and trimmed of whitespace; `"` quotes a field (`""` is a quote inside it); blank lines and
 * lines whose first character is `#` are skipped. This is how csv-parse reads with `trim`,
 * `comment: '#'`, `comment_no_infix` and `skip_empty_lines`.
 *
 * At most `maxFields` fields of a record are kept; `fields` still counts them all, so a reader
 * can refuse a record that is too wide without this holding it.
 */
export class DelimitedRecords {
  /** Fields in the current record. */
  fields = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly escaped: boolean[] = [];
  private readonly delimiter: number;
  private pos = 0;
  private recordStart = 0;

  constructor(
    private readonly text: string,
    delimiter: string,
    private readonly maxFields: number,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Moves to the next record; false at the end of the text. */
  next(): boolean {
    const { text } = this;
    let p = this.skipRecordGap(this.pos);
    if (p >= text.length) {
      this.pos = text.length;
      return false;
    }
    this.recordStart = p;
    this.fields = 0;
    for (;;) {
      p = this.skipBlanks(p);
      p = text.charCodeAt(p) === QUOTE ? this.quotedField(p) : this.plainField(p);
      const c = text.charCodeAt(p);
      if (c === this.delimiter) {
        p++;
        continue;
      }
      if (c === CR && text.charCodeAt(p + 1) === LF) p += 2;
      else if (c === CR || c === LF) p++;
      break;
    }
    this.pos = p;
    return true;
  }

  /** Field `i` (below `maxFields`) of the current record: trimmed, unquoted. */
  field(i: number): string {
    const value = this.text.slice(this.starts[i], this.ends[i]);
    return this.escaped[i] ? value.replaceAll('""', '"') : value;
  }

  /** The 1-based line the current record starts on (counted when asked, for messages). */
  line(): number {
    return lineOf(this.text, this.recordStart);
  }

  /** Past blank lines and comment lines, to the first character of the next record. */
  private skipRecordGap(from: number): number {
    const { text } = this;
    let p = from;
    for (;;) {
      p = this.skipBlanks(p);
      if (p >= text.length) return p;
      const c = text.charCodeAt(p);
      if (c === LF || c === CR) p++;
      else if (c === HASH) p = lineEnd(text, p);
      else return p;
    }
  }

  /** Past whitespace that is neither the delimiter nor a line break. */
  private skipBlanks(from: number): number {
    const { text } = this;
    let p = from;
    for (; p < text.length; p++) {
      const c = text.charCodeAt(p);
      if (c === this.delimiter || c === LF || c === CR || !isWhiteSpace(c)) break;
    }
    return p;
  }

  /** A field that opens with a quote at `open`; returns the position after it (and trailing blanks). */
  private quotedField(open: number): number {
    const { text } = this;
    let escaped = false;
    let close = text.indexOf('"', open + 1);
    while (close >= 0 && text.charCodeAt(close + 1) === QUOTE) {
      escaped = true;
      close = text.indexOf('"', close + 2);
    }
    if (close < 0) throw this.malformed(open, 'a quoted field is not closed');
    this.push(open + 1, close, escaped);
    const after = this.skipBlanks(close + 1);
    const c = text.charCodeAt(after);
    if (after < text.length && c !== this.delimiter && c !== LF && c !== CR) {
      throw this.malformed(after, 'a character follows the closing quote of a field');
    }
    return after;
  }

  /** An unquoted field starting at `start`; returns the position of the delimiter or line break after it. */
  private plainField(start: number): number {
    const { text } = this;
    let p = start;
    for (; p < text.length; p++) {
      const c = text.charCodeAt(p);
      if (c === this.delimiter || c === LF || c === CR) break;
      if (c === QUOTE) throw this.malformed(p, 'a quote inside an unquoted field');
    }
    let end = p;
    while (end > start && isWhiteSpace(text.charCodeAt(end - 1))) end--;
    this.push(start, end, false);
    return p;
  }

  private push(start: number, end: number, escaped: boolean): void {
    const i = this.fields++;
    if (i >= this.maxFields) return;
    this.starts[i] = start;
    this.ends[i] = end;
    this.escaped[i] = escaped;
  }

  private malformed(at: number, problem: string): AdapterError {
    return AdapterError.unprocessable(
      `malformed delimited signal: ${problem} (line ${lineOf(this.text, at)})`,
    );
  }
}

/** The position of the line break that ends the line holding `from` (or the end of the text). */
function lineEnd(text: string, from: number): number {
  let p = from;
  while (p < text.length && text.charCodeAt(p) !== LF && text.charCodeAt(p) !== CR) p++;
  return p;
}

/** The 1-based line of position `at`; \r\n counts as one line break. */
function lineOf(text: string, at: number): number {
  let line = 1;
  for (let p = 0; p < at; p++) {
    const c = text.charCodeAt(p);
    if (c === LF || (c === CR && text.charCodeAt(p + 1) !== LF)) line++;
  }
  return line;
}
