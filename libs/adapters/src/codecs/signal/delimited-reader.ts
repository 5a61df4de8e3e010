import { AdapterError } from '../../sdk/adapter-error';
import type { InputLimits } from '../../sdk/input-limits';
import type { Signal, SignalChannel } from './signal';
import { timeColumnScale, unitFromHeader } from './delimited-columns';
import { DelimitedRecords } from './delimited-records';
import { checkChannelCount, checkSignalValues, MAX_SIGNAL_CHANNELS } from './signal-limits';
import { sampleRateFromTimes } from './sample-rate';

const DELIMITERS = [',', '\t', ';', '|'] as const;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
/** The delimiter is guessed from the first lines within this many characters. */
const DELIMITER_SNIFF_CHARS = 1 << 20;
const DELIMITER_SNIFF_LINES = 20;

/** How to read delimited text. */
export interface DelimitedOptions {
  /** Sample rate to assume without a time column. */
  sampleRateHz?: number;
  /** TSV: tab wins a tie between delimiters. */
  tab?: boolean;
  limits: InputLimits;
}

/** A delimited table read as a signal, and whether its first row was a header. */
export interface DelimitedTable {
  signal: Signal;
  hasHeader: boolean;
}

/**
 * Reads delimited numeric text (CSV, TSV, `;` or `|` separated): an optional header row,
 * an optional time column (when there is a header naming it), every other column a channel.
 */
export function parseDelimitedSignal(text: string, opts: DelimitedOptions): Signal {
  return readDelimitedTable(text, opts).signal;
}

/**
 * As `parseDelimitedSignal`, also saying whether the first row was a header (for probing).
 * Two linear passes: the first counts rows and checks their width, the channel count and
 * LIMIT_SIGNAL_VALUES as it goes; the second parses the cells into arrays of exactly that size.
 */
export function readDelimitedTable(text: string, opts: DelimitedOptions): DelimitedTable {
  const delimiter = detectDelimiter(text, opts.tab ?? false);
  // One column more than the channels: the time column.
  const maxFields = MAX_SIGNAL_CHANNELS + 1;
  const records = new DelimitedRecords(text, delimiter, maxFields);
  if (!records.next()) throw AdapterError.unprocessable('the signal has no rows');
  const width = records.fields;
  checkChannelCount(width - 1);

  const first = Array.from({ length: width }, (_unused, i) => records.field(i));
  const hasHeader = !first.every((cell) => NUMBER.test(cell));
  const names = uniqueNames(hasHeader ? first : first.map((_cell, i) => `ch${i + 1}`));
  const timeIndex = hasHeader ? names.findIndex((name) => timeColumnScale(name) !== undefined) : -1;
  const channelCount = width - (timeIndex >= 0 ? 1 : 0);
  checkChannelCount(channelCount);

  let rows = hasHeader ? 0 : 1;
  const maxRows = Math.floor(opts.limits.signalValues / Math.max(1, channelCount));
  while (records.next()) {
    if (records.fields !== width) {
      throw AdapterError.unprocessable(
        `malformed delimited signal: line ${records.line()} has ${records.fields} fields, expected ${width}`,
      );
    }
    if (++rows > maxRows) checkSignalValues(opts.limits, rows * channelCount);
  }
  checkSignalValues(opts.limits, rows * channelCount);
  if (rows === 0) throw AdapterError.unprocessable('the signal has a header row but no data rows');
  if (channelCount === 0) {
    throw AdapterError.unprocessable('the signal has a time column but no data columns');
  }

  const times = new Float64Array(timeIndex >= 0 ? rows : 0);
  const channels: SignalChannel[] = [];
  const columns = names.map((name, c) => {
    if (c === timeIndex) return times;
    const unit = hasHeader ? unitFromHeader(name) : undefined;
    const values = new Float32Array(rows);
    channels.push({ name, ...(unit ? { unit } : {}), values });
    return values;
  });
  const cells = new DelimitedRecords(text, delimiter, maxFields);
  if (hasHeader) cells.next();
  for (let r = 0; cells.next(); r++) {
    for (let c = 0; c < width; c++) {
      const cell = cells.field(c);
      if (!NUMBER.test(cell)) {
        const shown = cell === '' ? 'an empty cell' : `"${cell.slice(0, 40)}"`;
        throw AdapterError.unprocessable(`data row ${r + 1}, column "${names[c]}": ${shown} is not a number`);
      }
      columns[c][r] = Number(cell);
    }
  }

  const sampleRateHz =
    timeIndex >= 0
      ? sampleRateFromTimes(times, timeColumnScale(names[timeIndex]) ?? 1, names[timeIndex])
      : undefined;
  return { signal: { sampleRateHz: sampleRateHz ?? opts.sampleRateHz, channels }, hasHeader };
}

/**
 * The delimiter that splits the first lines into the same number of fields, the most fields
 * winning; tab first for TSV. Quoted delimiters are rare in numeric data and only cost a guess.
 * Only the start of the text is looked at, so the guess costs the same for any size.
 */
function detectDelimiter(text: string, tab: boolean): string {
  const lines = firstLines(text);
  const counts = (delimiter: string) => lines.map((line) => occurrences(line, delimiter));
  const candidates = tab ? ['\t', ...DELIMITERS.filter((d) => d !== '\t')] : [...DELIMITERS];
  let best: { delimiter: string; fields: number } | undefined;
  for (const delimiter of candidates) {
    const perLine = counts(delimiter);
    const consistent = perLine.length > 0 && perLine.every((count) => count === perLine[0]) && perLine[0] > 0;
    if (consistent && (!best || perLine[0] > best.fields)) best = { delimiter, fields: perLine[0] };
  }
  if (best) return best.delimiter;
  // No consistent split: the most frequent candidate, so the reader reports the ragged row.
  const total = (delimiter: string) => counts(delimiter).reduce((sum, count) => sum + count, 0);
  return candidates.reduce((a, b) => (total(b) > total(a) ? b : a));
}

/**
 * Up to DELIMITER_SNIFF_LINES lines that are neither blank nor comments, from the first
 * DELIMITER_SNIFF_CHARS characters: whole lines, or the start of the first one when it is longer.
 */
function firstLines(text: string): string[] {
  const window = text.slice(0, DELIMITER_SNIFF_CHARS);
  const cut = window.length < text.length;
  const lines: string[] = [];
  for (let start = 0; start < window.length && lines.length < DELIMITER_SNIFF_LINES;) {
    const newline = window.indexOf('\n', start);
    if (newline < 0 && cut && lines.length > 0) break;
    const end = newline < 0 ? window.length : newline;
    const line = window.slice(start, end);
    if (line.trim() !== '' && !line.startsWith('#')) lines.push(line);
    start = end + 1;
  }
  return lines;
}

function occurrences(line: string, delimiter: string): number {
  let count = 0;
  for (let i = line.indexOf(delimiter); i >= 0; i = line.indexOf(delimiter, i + 1)) count++;
  return count;
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
