import { AdapterError } from '../../sdk/adapter-error';
import { MAX_POINT_FIELDS } from './cloud-limits';
import { isSpaceOrTab, lineTokens } from './text-tokens';

/** Longest header read before giving up: real PLY and PCD headers are a few hundred bytes. */
export const MAX_HEADER_BYTES = 1 << 20;

/** One header line: its text (trimmed) and the offset just past its line break. */
export interface HeaderLine {
  text: string;
  end: number;
}

/**
 * Reads ASCII header lines from the start of `data` until `isLast` accepts one, and returns
 * the lines that are not blank. The data after the last line may be binary, so it is never
 * decoded as text: only the first MAX_HEADER_BYTES are, once.
 */
export function readHeaderLines(
  data: Uint8Array,
  format: string,
  isLast: (line: string) => boolean,
): HeaderLine[] {
  const lines: HeaderLine[] = [];
  const window = Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, MAX_HEADER_BYTES)).toString(
    'latin1',
  );
  let start = 0;
  while (start < window.length) {
    let newline = window.indexOf('\n', start);
    if (newline < 0) {
      if (window.length < data.length) break;
      newline = window.length; // the last line of the data, without a line break
    }
    const text = window.slice(start, newline).trim();
    start = Math.min(newline + 1, data.length);
    if (text === '') continue;
    lines.push({ text, end: start });
    if (isLast(text)) return lines;
  }
  const where =
    data.length > MAX_HEADER_BYTES ? `in the first ${MAX_HEADER_BYTES} bytes` : 'before the end of the data';
  throw AdapterError.unprocessable(`the ${format} header does not end ${where}`);
}

/** Input text cut short for an error message: a message never carries a megabyte of input. */
export function clip(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Input text quoted for an error message, cut short. */
export function quote(text: string, max = 64): string {
  return JSON.stringify(clip(text, max));
}

/**
 * The words of a header line, split on any run of spaces or tabs: at most MAX_POINT_FIELDS + 2
 * of them (a keyword, a field per value of a point, one too many), so that a line of a million
 * words costs no more than one of a few thousand.
 */
export function words(line: string): string[] {
  return lineTokens(line, 0, line.length, isSpaceOrTab, MAX_POINT_FIELDS + 1);
}

/** A whole, non-negative count from a header, or an AdapterError naming what it counts. */
export function parseCount(text: string | undefined, what: string, format: string): number {
  const value = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw AdapterError.unprocessable(`the ${format} header has a bad ${what}: ${quote(text ?? '')}`);
  }
  return value;
}
