import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { checkCloudSize, checkPointFields, MAX_POINT_FIELDS } from './cloud-limits';
import { quote } from './header-text';
import { createField, FIELD_TYPES, isPointFieldType, type PointCloud, type PointField } from './point-cloud';
import { parseNumberToken, textColumn } from './text-values';
import { isWhiteSpace } from '../white-space';
import { countTokens, lineTokens, tokensCanFit } from './text-tokens';
import { canonicalColumnName, defaultColumnNames, inferColumnType, type XyzColumn } from './xyz-columns';

const fail = (message: string) => AdapterError.unprocessable(`XYZ: ${message}`);

/** What a first pass over the lines found, before anything is allocated for the points. */
interface XyzLayout {
  /** Data lines (the points). */
  count: number;
  /** Values on the first data line, and its line number. */
  firstWidth?: number;
  firstLine?: number;
  /** The line of the header row, when there is one. */
  headerLine?: number;
  headerNames?: string[];
  declared?: XyzColumn[];
  grid?: { width: number; height: number };
}

/** A line with something other than a comment: where its content is, and whether it starts with `//`. */
interface XyzRow {
  start: number;
  end: number;
  number: number;
  slashes: boolean;
}

/**
 * Decodes XYZ text: one point per line, values separated by spaces, tabs, commas or
 * semicolons, at least x y z. `#` starts a comment. An optional first row of names (`x y z r g
 * b`, CloudCompare's `//X,Y,Z,R,G,B`) names the columns; without one, the columns after x y z
 * are named by `defaultColumnNames`. The writer's `# fields: x:float32 ...` comment restores
 * names and types exactly. Two passes: the first counts the points and reads the names, the
 * second, once the count is checked against `limits`, reads the values.
 */
export function readXyz(data: Uint8Array, limits: InputLimits = DEFAULT_INPUT_LIMITS): PointCloud {
  let text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const layout = scanLayout(text);
  const width = layout.declared?.length ?? layout.firstWidth ?? layout.headerNames?.length ?? 0;
  if (!layout.declared) {
    if (layout.count === 0) throw fail('there are no points');
    if (width < 3)
      throw fail(`points need at least 3 columns (x y z), line ${layout.firstLine} has ${width}`);
  }
  if (layout.headerNames && layout.headerNames.length !== width) {
    throw fail(`the header row names ${layout.headerNames.length} columns, the data has ${width}`);
  }
  const count = layout.count;
  // Only the first line's width is known yet: one line of 4096 values over a million short
  // ones is refused for what it is, not allocated for (or refused as too large).
  if (!tokensCanFit(count * width, text.length)) {
    throw fail(`${count} lines of ${width} values cannot fit in ${text.length} characters`);
  }
  // Inferred columns are read as float64 first.
  const bytesPerPoint = layout.declared
    ? layout.declared.reduce((sum, column) => sum + FIELD_TYPES[column.type].bytes, 0)
    : 8 * width;
  checkCloudSize(limits, count, bytesPerPoint);
  const fields = layout.declared
    ? readDeclared(text, layout, layout.declared)
    : readInferred(text, layout, width);
  const grid = layout.grid;
  const organized = grid && grid.height > 1 && grid.width * grid.height === count ? grid : undefined;
  return { count, fields, ...(organized && { organized }) };
}

const isLineBreak = (code: number) => code === 0x0a || code === 0x0d;

/** Separators between values: white space, commas, semicolons. */
const isSeparator = (code: number) => code === 0x2c || code === 0x3b || isWhiteSpace(code);

/**
 * Calls `visit` for every line that is not blank and not a `#` comment, with its content (up to
 * a trailing `#` comment; after `//`), and `directive` for every `#` line. Lines end at \n,
 * \r\n or \r. One pass over the text, whatever its runs of spaces or line breaks.
 */
function forEachRow(text: string, visit: (row: XyzRow) => void, directive?: (line: string) => void): void {
  let number = 0;
  for (let lineStart = 0; lineStart <= text.length;) {
    let lineEnd = lineStart;
    while (lineEnd < text.length && !isLineBreak(text.charCodeAt(lineEnd))) lineEnd++;
    number++;
    let start = lineStart;
    let end = lineEnd;
    lineStart = lineEnd + (text.startsWith('\r\n', lineEnd) ? 2 : 1);
    while (start < end && isWhiteSpace(text.charCodeAt(start))) start++;
    while (end > start && isWhiteSpace(text.charCodeAt(end - 1))) end--;
    if (start === end) continue;
    if (text[start] === '#') {
      directive?.(text.slice(start, end));
      continue;
    }
    const slashes = text.startsWith('//', start);
    if (slashes) start += 2;
    else {
      // Within the line: indexOf would look through the rest of the text on every line.
      let comment = start;
      while (comment < end && text[comment] !== '#') comment++;
      end = comment;
    }
    let first = start;
    while (first < end && isSeparator(text.charCodeAt(first))) first++;
    if (first < end) visit({ start: first, end, number, slashes });
  }
}

function scanLayout(text: string): XyzLayout {
  const layout: XyzLayout = { count: 0 };
  forEachRow(
    text,
    (row) => {
      const isFirst = layout.count === 0 && !layout.headerNames;
      if (row.slashes && !isFirst) return; // a later `//` line is a comment
      if (layout.firstWidth === undefined) {
        const tokens = lineTokens(text, row.start, row.end, isSeparator, MAX_POINT_FIELDS);
        checkPointFields(tokens.length, `XYZ line ${row.number}`);
        if (isFirst && (row.slashes || tokens.some((token) => parseNumberToken(token) === undefined))) {
          layout.headerNames = tokens.map(canonicalColumnName);
          layout.headerLine = row.number;
          return;
        }
        layout.firstWidth = tokens.length;
        layout.firstLine = row.number;
      }
      layout.count++;
    },
    (line) => readDirective(line, layout),
  );
  return layout;
}

/** The data lines' values, `width` a line; `visit` gets each value's column and token. */
function forEachValue(
  text: string,
  layout: XyzLayout,
  width: number,
  visit: (point: number, column: number, token: string, line: number) => void,
): void {
  let point = 0;
  forEachRow(text, (row) => {
    if (row.slashes || row.number === layout.headerLine) return;
    const tokens = lineTokens(text, row.start, row.end, isSeparator, width);
    if (tokens.length !== width) {
      const found = countTokens(text, row.start, row.end, isSeparator);
      throw fail(`line ${row.number} has ${found} values, ${width} expected`);
    }
    tokens.forEach((token, column) => visit(point, column, token, row.number));
    point++;
  });
}

/** `# fields: name:type ...` (the writer's) and `# organized: WxH`; other comments are skipped. */
function readDirective(line: string, layout: XyzLayout): void {
  const fields = directiveValue(line, 'fields:');
  if (fields !== undefined) {
    const entries = lineTokens(fields, 0, fields.length, isWhiteSpace, MAX_POINT_FIELDS);
    checkPointFields(entries.length, 'XYZ # fields');
    layout.declared = entries.map((entry) => {
      const colon = entry.lastIndexOf(':');
      const [name, type] = colon < 0 ? [entry, 'float32'] : [entry.slice(0, colon), entry.slice(colon + 1)];
      if (!name || !isPointFieldType(type)) throw fail(`bad column ${quote(entry)} in ${quote(line)}`);
      return { name, type };
    });
    return;
  }
  const grid = directiveValue(line, 'organized:')?.toLowerCase();
  const x = grid?.indexOf('x') ?? -1;
  if (grid === undefined || x < 0) return;
  const [width, height] = [grid.slice(0, x).trim(), grid.slice(x + 1).trim()];
  if (/^\d+$/.test(width) && /^\d+$/.test(height)) {
    layout.grid = { width: Number(width), height: Number(height) };
  }
}

/** What follows `#`, white space and `keyword` (any case) on a comment line; undefined for another comment. */
function directiveValue(line: string, keyword: string): string | undefined {
  let i = 1;
  while (i < line.length && isWhiteSpace(line.charCodeAt(i))) i++;
  return line.slice(i, i + keyword.length).toLowerCase() === keyword
    ? line.slice(i + keyword.length)
    : undefined;
}

function readDeclared(text: string, layout: XyzLayout, declared: XyzColumn[]): PointField[] {
  const fields = declared.map(({ name, type }) => createField(name, type, layout.count));
  const columns = fields.map(textColumn);
  forEachValue(text, layout, declared.length, (point, c, token, line) => {
    if (!columns[c].parse(point, token)) {
      throw fail(`line ${line}: ${quote(token)} is not a valid ${declared[c].name}`);
    }
  });
  return fields;
}

function readInferred(text: string, layout: XyzLayout, width: number): PointField[] {
  const count = layout.count;
  const columns = Array.from({ length: width }, () => new Float64Array(count));
  forEachValue(text, layout, width, (point, c, token, line) => {
    const value = parseNumberToken(token);
    if (value === undefined) throw fail(`line ${line}: ${quote(token)} is not a number`);
    columns[c][point] = value;
  });
  const names = layout.headerNames ?? defaultColumnNames(columns);
  return names.map((name, c) => {
    const field = createField(name, inferColumnType(name, columns[c]), count);
    field.values.set(columns[c]);
    return field;
  });
}
