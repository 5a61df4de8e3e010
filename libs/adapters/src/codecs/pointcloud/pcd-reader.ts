import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { readColumns, type BinaryColumn } from './binary-columns';
import { checkCloudSize } from './cloud-limits';
import { quote } from './header-text';
import { LZF_MAX_EXPANSION, lzfDecompress } from './lzf';
import { parsePcdHeader, pcdFieldNames, pcdPointSize, type PcdField, type PcdHeader } from './pcd-header';
import { createField, FIELD_TYPES, type PointCloud, type PointField } from './point-cloud';
import { textColumn } from './text-values';
import { countTokens, isSpaceOrTab, lineTokens, tokensCanFit } from './text-tokens';

const fail = (message: string, cause?: unknown) => AdapterError.unprocessable(`PCD: ${message}`, cause);

/**
 * Decodes a PCD file (DATA ascii, binary or binary_compressed). A field with COUNT n > 1
 * becomes n fields `name_0` .. `name_{n-1}` marked with `component`; HEIGHT > 1 makes the
 * cloud organized; NaN points are kept as they are; VIEWPOINT is kept when present. POINTS
 * is checked against `limits` before the data is checked against POINTS.
 */
export function readPcd(data: Uint8Array, limits: InputLimits = DEFAULT_INPUT_LIMITS): PointCloud {
  const header = parsePcdHeader(data);
  checkCloudSize(limits, header.points, pcdPointSize(header));
  const read = { ascii: readAscii, binary: readBinary, binary_compressed: readCompressed }[header.encoding];
  const fields = read(data, header);
  return {
    count: header.points,
    fields: fields.flat(),
    ...(header.height > 1 && { organized: { width: header.width, height: header.height } }),
    ...(header.viewpoint && { viewpoint: header.viewpoint }),
  };
}

/** The fields one PCD field becomes: itself, or one per element when COUNT > 1. */
function createFields(pcdField: PcdField, points: number): PointField[] {
  const { type, count } = pcdField;
  return pcdFieldNames(pcdField).map((name, index) =>
    count === 1
      ? createField(name, type, points)
      : createField(name, type, points, { field: pcdField.name, index, count }),
  );
}

function readBinary(data: Uint8Array, header: PcdHeader): PointField[][] {
  const stride = pcdPointSize(header);
  const available = data.length - header.dataOffset;
  if (header.points * stride > available) {
    throw fail(
      `${header.points} points of ${stride} bytes need ${header.points * stride} bytes of data, ` +
        `${available} are there (truncated data, or a wrong POINTS)`,
    );
  }
  const fields = header.fields.map((field) => createFields(field, header.points));
  const columns: BinaryColumn[] = [];
  let offset = header.dataOffset;
  for (const field of fields.flat()) {
    columns.push({ field, offset, stride });
    offset += FIELD_TYPES[field.type].bytes;
  }
  readColumns(data, columns, header.points, true);
  return fields;
}

function readCompressed(data: Uint8Array, header: PcdHeader): PointField[][] {
  const expected = header.points * pcdPointSize(header);
  const start = header.dataOffset;
  if (expected === 0 && data.length - start < 8) return header.fields.map((field) => createFields(field, 0));
  if (data.length - start < 8) throw fail('binary_compressed data ends before its two size words');
  const view = new DataView(data.buffer, data.byteOffset + start, 8);
  const compressedSize = view.getUint32(0, true);
  const uncompressedSize = view.getUint32(4, true);
  if (uncompressedSize !== expected) {
    throw fail(
      `the compressed block says it holds ${uncompressedSize} bytes, but ${header.points} points ` +
        `need ${expected} (a wrong POINTS, or corrupt data)`,
    );
  }
  if (compressedSize > data.length - start - 8) {
    throw fail(`the compressed block says ${compressedSize} bytes, ${data.length - start - 8} are there`);
  }
  if (uncompressedSize > compressedSize * LZF_MAX_EXPANSION) {
    throw fail(`${compressedSize} compressed bytes cannot expand to ${uncompressedSize}`);
  }
  let block: Uint8Array;
  try {
    block = lzfDecompress(data.subarray(start + 8, start + 8 + compressedSize), uncompressedSize);
  } catch (error) {
    throw fail(`corrupt LZF data: ${errorMessage(error)}`, error);
  }
  // Field-major inside the block: all points' values of the first field, then the next field's.
  const fields = header.fields.map((field) => createFields(field, header.points));
  const columns: BinaryColumn[] = [];
  let offset = 0;
  header.fields.forEach((pcdField, f) => {
    const size = FIELD_TYPES[pcdField.type].bytes;
    fields[f].forEach((field, k) =>
      columns.push({ field, offset: offset + k * size, stride: size * pcdField.count }),
    );
    offset += header.points * size * pcdField.count;
  });
  readColumns(block, columns, header.points, true);
  return fields;
}

function readAscii(data: Uint8Array, header: PcdHeader): PointField[][] {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString(
    'latin1',
    header.dataOffset,
  );
  const perPoint = header.fields.reduce((sum, field) => sum + field.count, 0);
  if (!tokensCanFit(header.points * perPoint, text.length)) {
    throw fail(
      `${header.points} points of ${perPoint} values cannot fit in ${text.length} characters ` +
        '(truncated data, or a wrong POINTS)',
    );
  }
  const fields = header.fields.map((field) => createFields(field, header.points));
  const columns = fields.flat().map(textColumn);
  const names = fields.flat().map((field) => field.name);
  let point = 0;
  let lineStart = 0;
  let lineNumber = 0;
  while (point < header.points) {
    if (lineStart >= text.length) {
      throw fail(
        `the data ends after ${point} of ${header.points} points (truncated data, or a wrong POINTS)`,
      );
    }
    const start = lineStart;
    let lineEnd = text.indexOf('\n', start);
    if (lineEnd < 0) lineEnd = text.length;
    lineStart = lineEnd + 1;
    lineNumber++;
    // At most perPoint + 1 tokens: a line of a million values is known as too long after one more.
    const tokens = lineTokens(text, start, lineEnd, isSpaceOrTab, perPoint);
    if (tokens.length === 0) continue;
    if (tokens.length !== perPoint) {
      const found = countTokens(text, start, lineEnd, isSpaceOrTab);
      throw fail(`data line ${lineNumber} has ${found} values, ${perPoint} expected`);
    }
    for (let c = 0; c < perPoint; c++) {
      if (!columns[c].parse(point, tokens[c])) {
        throw fail(`data line ${lineNumber}: ${quote(tokens[c])} is not a valid ${names[c]}`);
      }
    }
    point++;
  }
  return fields;
}
