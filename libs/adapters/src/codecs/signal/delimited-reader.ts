import { parse } from 'csv-parse/sync';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import type { Signal, SignalChannel } from './signal';
import { timeColumnScale, unitFromHeader } from './delimited-columns';
import { sampleRateFromTimes } from './sample-rate';

const DELIMITERS = [',', '\t', ';', '|'] as const;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** A delimited table read as a signal, and whether its first row was a header. */
export interface DelimitedTable {
  signal: Signal;
  hasHeader: boolean;
}

/**
 * Reads delimited numeric text (CSV, TSV, `;` or `|` separated): an optional header row,
 * an optional time column (when there is a header naming it), every other column a channel.
 */
export function parseDelimitedSignal(text: string, opts: { sampleRateHz?: number; tab?: boolean }): Signal {
  return readDelimitedTable(text, opts).signal;
}

/** As `parseDelimitedSignal`, also saying whether the first row was a header (for probing). */
export function readDelimitedTable(
  text: string,
  opts: { sampleRateHz?: number; tab?: boolean },
): DelimitedTable {
  const delimiter = detectDelimiter(text, opts.tab ?? false);
  let rows: string[][];
  try {
    rows = parse(text, {
      delimiter,
      comment: '#',
      comment_no_infix: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (error) {
    throw AdapterError.unprocessable(`malformed delimited signal: ${errorMessage(error)}`, error);
  }
  if (rows.length === 0) throw AdapterError.unprocessable('the signal has no rows');

  const hasHeader = !rows[0].every((cell) => NUMBER.test(cell));
  const header = hasHeader ? rows[0] : rows[0].map((_cell, i) => `ch${i + 1}`);
  const data = hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw AdapterError.unprocessable('the signal has a header row but no data rows');

  const names = uniqueNames(header);
  const timeIndex = hasHeader ? names.findIndex((name) => timeColumnScale(name) !== undefined) : -1;
  const columns = names.map(() => new Float64Array(data.length));
  data.forEach((row, r) => {
    row.forEach((cell, c) => {
      if (!NUMBER.test(cell)) {
        const shown = cell === '' ? 'an empty cell' : `"${cell.slice(0, 40)}"`;
        throw AdapterError.unprocessable(`data row ${r + 1}, column "${names[c]}": ${shown} is not a number`);
      }
      columns[c][r] = Number(cell);
    });
  });

  const channels: SignalChannel[] = [];
  names.forEach((name, c) => {
    if (c === timeIndex) return;
    const unit = hasHeader ? unitFromHeader(name) : undefined;
    channels.push({ name, ...(unit ? { unit } : {}), values: Float32Array.from(columns[c]) });
  });
  if (channels.length === 0) {
    throw AdapterError.unprocessable('the signal has a time column but no data columns');
  }

  const sampleRateHz =
    timeIndex >= 0
      ? sampleRateFromTimes(columns[timeIndex], timeColumnScale(names[timeIndex]) ?? 1, names[timeIndex])
      : undefined;
  return { signal: { sampleRateHz: sampleRateHz ?? opts.sampleRateHz, channels }, hasHeader };
}

/**
 * The delimiter that splits the first lines into the same number of fields, the most fields
 * winning; tab first for TSV. Quoted delimiters are rare in numeric data and only cost a guess.
 */
function detectDelimiter(text: string, tab: boolean): string {
  const lines = text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .slice(0, 20);
  const counts = (delimiter: string) => lines.map((line) => line.split(delimiter).length - 1);
  const candidates = tab ? ['\t', ...DELIMITERS.filter((d) => d !== '\t')] : [...DELIMITERS];
  let best: { delimiter: string; fields: number } | undefined;
  for (const delimiter of candidates) {
    const perLine = counts(delimiter);
    const consistent = perLine.length > 0 && perLine.every((count) => count === perLine[0]) && perLine[0] > 0;
    if (consistent && (!best || perLine[0] > best.fields)) best = { delimiter, fields: perLine[0] };
  }
  if (best) return best.delimiter;
  // No consistent split: the most frequent candidate, so the parser reports the ragged row.
  const total = (delimiter: string) => counts(delimiter).reduce((sum, count) => sum + count, 0);
  return candidates.reduce((a, b) => (total(b) > total(a) ? b : a));
}

/** Header names, blanks named by position and repeats numbered, so channels stay distinct. */
function uniqueNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    const name = raw === '' ? `ch${i + 1}` : raw;
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}_${count}`;
  });
}
