import { AdapterError } from '../../sdk/adapter-error';

/** Longest header read before giving up: real PLY and PCD headers are a few hundred bytes. */
export const MAX_HEADER_BYTES = 1 << 20;

/** One header line: its text (trimmed) and the offset just past its line break. */
export interface HeaderLine {
  text: string;
  end: number;
}

/**
 * Reads ASCII header lines from the start of `data` until `isLast` accepts one, and returns
 * them. The data after the last line may be binary, so it is never decoded as text.
 */
export function readHeaderLines(
  data: Uint8Array,
  format: string,
  isLast: (line: string) => boolean,
): HeaderLine[] {
  const lines: HeaderLine[] = [];
  const window = data.subarray(0, MAX_HEADER_BYTES);
  let start = 0;
  while (start < window.length) {
    let newline = window.indexOf(0x0a, start);
    if (newline < 0) {
      if (window.length < data.length) break;
      newline = data.length; // the last line of the data, without a line break
    }
    const text = Buffer.from(data.buffer, data.byteOffset + start, newline - start)
      .toString('latin1')
      .trim();
    const end = Math.min(newline + 1, data.length);
    lines.push({ text, end });
    if (isLast(text)) return lines;
    start = end;
  }
  const where =
    data.length > MAX_HEADER_BYTES ? `in the first ${MAX_HEADER_BYTES} bytes` : 'before the end of the data';
  throw AdapterError.unprocessable(`the ${format} header does not end ${where}`);
}

/** The words of a header line, split on any run of spaces or tabs. */
export function words(line: string): string[] {
  return line.split(/[ \t]+/).filter((word) => word !== '');
}

/** A whole, non-negative count from a header, or an AdapterError naming what it counts. */
export function parseCount(text: string | undefined, what: string, format: string): number {
  const value = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw AdapterError.unprocessable(`the ${format} header has a bad ${what}: ${JSON.stringify(text ?? '')}`);
  }
  return value;
}
