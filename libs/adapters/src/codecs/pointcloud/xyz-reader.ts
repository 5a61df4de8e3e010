import { AdapterError } from '../../sdk/adapter-error';
import { createField, isPointFieldType, type PointCloud, type PointField } from './point-cloud';
import { parseNumberToken, textColumn } from './text-values';
import {
  canonicalColumnName,
  defaultColumnNames,
  FIELDS_DIRECTIVE,
  GRID_DIRECTIVE,
  inferColumnType,
  type XyzColumn,
} from './xyz-columns';

const fail = (message: string) => AdapterError.unprocessable(`XYZ: ${message}`);

/** What a first pass over the lines found: the data lines, and the header's say on columns. */
interface XyzLayout {
  dataLines: string[][];
  lineNumbers: number[];
  declared?: XyzColumn[];
  headerNames?: string[];
  grid?: { width: number; height: number };
}

/**
 * Decodes XYZ text: one point per line, values separated by spaces, tabs, commas or
 * semicolons, at least x y z. `#` starts a comment. An optional first row of names (`x y z r g
 * b`, CloudCompare's `//X,Y,Z,R,G,B`) names the columns; without one, the columns after x y z
 * are named by `defaultColumnNames`. The writer's `# fields: x:float32 ...` comment restores
 * names and types exactly.
 */
export function readXyz(data: Uint8Array): PointCloud {
  const layout = scanLines(data);
  const width = layout.declared?.length ?? layout.dataLines[0]?.length ?? layout.headerNames?.length ?? 0;
  if (!layout.declared) {
    if (layout.dataLines.length === 0) throw fail('there are no points');
    if (width < 3)
      throw fail(`points need at least 3 columns (x y z), line ${layout.lineNumbers[0]} has ${width}`);
  }
  if (layout.headerNames && layout.headerNames.length !== width) {
    throw fail(`the header row names ${layout.headerNames.length} columns, the data has ${width}`);
  }
  layout.dataLines.forEach((tokens, i) => {
    if (tokens.length !== width) {
      throw fail(`line ${layout.lineNumbers[i]} has ${tokens.length} values, ${width} expected`);
    }
  });
  const fields = layout.declared ? readDeclared(layout, layout.declared) : readInferred(layout, width);
  const count = layout.dataLines.length;
  const grid = layout.grid;
  const organized = grid && grid.height > 1 && grid.width * grid.height === count ? grid : undefined;
  return { count, fields, ...(organized && { organized }) };
}

function scanLines(data: Uint8Array): XyzLayout {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const layout: XyzLayout = { dataLines: [], lineNumbers: [] };
  text.split(/\r\n|\n|\r/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      readDirective(line, layout);
      return;
    }
    const content = line.startsWith('//') ? line.slice(2) : line.replace(/#.*$/, '');
    const tokens = content
      .trim()
      .split(/[\s,;]+/)
      .filter((token) => token !== '');
    if (tokens.length === 0) return;
    const isFirst = layout.dataLines.length === 0 && !layout.headerNames;
    if (isFirst && (line.startsWith('//') || tokens.some((token) => parseNumberToken(token) === undefined))) {
      layout.headerNames = tokens.map(canonicalColumnName);
      return;
    }
    if (line.startsWith('//')) return; // a later `//` line is a comment
    layout.dataLines.push(tokens);
    layout.lineNumbers.push(index + 1);
  });
  return layout;
}

function readDirective(line: string, layout: XyzLayout): void {
  const fields = FIELDS_DIRECTIVE.exec(line);
  if (fields) {
    layout.declared = fields[1]
      .trim()
      .split(/\s+/)
      .filter((entry) => entry !== '')
      .map((entry) => {
        const colon = entry.lastIndexOf(':');
        const [name, type] = colon < 0 ? [entry, 'float32'] : [entry.slice(0, colon), entry.slice(colon + 1)];
        if (!name || !isPointFieldType(type)) throw fail(`bad column ${JSON.stringify(entry)} in "${line}"`);
        return { name, type };
      });
    return;
  }
  const grid = GRID_DIRECTIVE.exec(line);
  if (grid) layout.grid = { width: Number(grid[1]), height: Number(grid[2]) };
}

function readDeclared(layout: XyzLayout, declared: XyzColumn[]): PointField[] {
  const count = layout.dataLines.length;
  const fields = declared.map(({ name, type }) => createField(name, type, count));
  const columns = fields.map(textColumn);
  layout.dataLines.forEach((tokens, i) => {
    tokens.forEach((token, c) => {
      if (!columns[c].parse(i, token)) {
        throw fail(
          `line ${layout.lineNumbers[i]}: ${JSON.stringify(token)} is not a valid ${declared[c].name}`,
        );
      }
    });
  });
  return fields;
}

function readInferred(layout: XyzLayout, width: number): PointField[] {
  const count = layout.dataLines.length;
  const columns = Array.from({ length: width }, () => new Float64Array(count));
  layout.dataLines.forEach((tokens, i) => {
    tokens.forEach((token, c) => {
      const value = parseNumberToken(token);
      if (value === undefined)
        throw fail(`line ${layout.lineNumbers[i]}: ${JSON.stringify(token)} is not a number`);
      columns[c][i] = value;
    });
  });
  const names = layout.headerNames ?? defaultColumnNames(columns);
  return names.map((name, c) => {
    const field = createField(name, inferColumnType(name, columns[c]), count);
    field.values.set(columns[c]);
    return field;
  });
}
