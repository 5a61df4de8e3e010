/** A delimited table whose data rows are all numbers, as sampled from the start of a file. */
export interface NumericTable {
  /** `' '` stands for runs of spaces or tabs mixed (XYZ style). */
  delimiter: ',' | '\t' | ' ';
  columns: number;
  /** Column names, when the first row is a header. */
  header?: string[];
  /** Data rows seen in the sample (all of them when the whole file was sampled). */
  rows: number;
}

/** Fewer data rows than this is too little evidence for a table. */
export const MIN_TABLE_ROWS = 3;

const NUMBER = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)$/i;

/** Reads `text` as a numeric table with an optional header row; undefined when it is not one. */
export function readNumericTable(text: string, truncated: boolean): NumericTable | undefined {
  const lines = tableLines(text, truncated);
  if (lines.length < MIN_TABLE_ROWS) return undefined;
  // The second line is data whether or not the first is a header.
  const delimiter = detectDelimiter(lines[1]);
  const rows = lines.map((line) => splitRow(line, delimiter));
  const columns = rows[1].length;
  if (!rows.every((row) => row.length === columns)) return undefined;

  const header = rows[0].every(isNumber) ? undefined : rows[0];
  const data = header ? rows.slice(1) : rows;
  if (data.length < MIN_TABLE_ROWS || !data.every((row) => row.every(isNumber))) return undefined;
  if (header?.some((name) => name === '')) return undefined;
  return { delimiter, columns, rows: data.length, ...(header ? { header } : {}) };
}

/** Enough rows to tell a table from prose; reading more would only make detection cost grow with the sample. */
const MAX_TABLE_LINES = 200;

/** The table's first lines: leading `#` comments and trailing blank lines dropped, and a cut-off last line. */
function tableLines(text: string, truncated: boolean): string[] {
  const lines = text.split(/\r?\n/, MAX_TABLE_LINES + 1);
  if (truncated || lines.length > MAX_TABLE_LINES) lines.pop();
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const firstContent = lines.findIndex((line) => !line.startsWith('#'));
  return firstContent < 0 ? [] : lines.slice(firstContent);
}

/** Comma, else tab (alone), else whitespace runs; a line with none of them is a one-column table. */
function detectDelimiter(line: string): NumericTable['delimiter'] {
  if (line.includes(',')) return ',';
  const trimmed = line.trim();
  if (trimmed.includes('\t') && !trimmed.includes(' ')) return '\t';
  return /\s/.test(trimmed) ? ' ' : ',';
}

function splitRow(line: string, delimiter: NumericTable['delimiter']): string[] {
  if (delimiter === ' ') return line.trim().split(/\s+/);
  return line.split(delimiter).map((field) => field.trim().replace(/^"(.*)"$/, '$1'));
}

function isNumber(field: string): boolean {
  return NUMBER.test(field);
}

/** Whether a column name says it holds time stamps (`time`, `t`, `time_s`, `Time (ms)`, `timestamp`). */
export function isTimeColumnName(name: string): boolean {
  return /^(?:t|time|timestamp|elapsed|seconds|sec|ms)(?:[\s_([-].*)?$/i.test(name.trim());
}
