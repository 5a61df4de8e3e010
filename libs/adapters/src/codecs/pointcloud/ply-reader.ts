import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { readColumns, readValue, type BinaryColumn } from './binary-columns';
import { checkCloudSize } from './cloud-limits';
import { clip, quote } from './header-text';
import { createField, FIELD_TYPES, type PointCloud, type PointField } from './point-cloud';
import { parsePlyHeader, type PlyElement, type PlyHeader } from './ply-header';
import { textColumn } from './text-values';
import { TextTokens, tokensCanFit } from './text-tokens';

const fail = (message: string) => AdapterError.unprocessable(`PLY: ${message}`);

/**
 * Decodes a PLY file (ascii or binary, either byte order) into its vertices: every scalar
 * property of the `vertex` element becomes a field. Other elements (faces, edges ...) are read
 * past, list properties included, and reported in `skippedElements`; list properties of the
 * vertex element are read past too, as a field cannot hold them. The vertex count is checked
 * against `limits` before the data is checked against the counts.
 */
export function readPly(data: Uint8Array, limits: InputLimits = DEFAULT_INPUT_LIMITS): PointCloud {
  const header = parsePlyHeader(data);
  const vertex = header.elements.find((element) => element.name === 'vertex');
  if (!vertex) throw fail('there is no vertex element');
  if (vertex.count > 0 && vertex.properties.every((property) => property.list)) {
    throw fail('the vertex element has no scalar properties');
  }
  const pointBytes = vertex.properties.reduce(
    (size, property) => size + (property.list ? 0 : FIELD_TYPES[property.type].bytes),
    0,
  );
  checkCloudSize(limits, vertex.count, pointBytes);
  const fields =
    header.encoding === 'ascii'
      ? readAsciiBody(data, header, vertex)
      : readBinaryBody(data, header, vertex, header.encoding === 'binary_little_endian');
  const skippedElements = header.elements
    .filter((element) => element !== vertex)
    .map(({ name, count }) => ({ name, count }));
  return {
    count: vertex.count,
    fields,
    ...(header.grid && { organized: header.grid }),
    ...(skippedElements.length > 0 && { skippedElements }),
  };
}

function createVertexFields(vertex: PlyElement): (PointField | undefined)[] {
  return vertex.properties.map((property) =>
    property.list ? undefined : createField(property.name, property.type, vertex.count),
  );
}

const present = (fields: (PointField | undefined)[]) =>
  fields.filter((field): field is PointField => field !== undefined);

/** Smallest size of one instance of an element: lists count as their (empty) count alone. */
function minimumRecordSize(element: PlyElement): number {
  return element.properties.reduce(
    (size, property) => size + FIELD_TYPES[property.list ? property.list.countType : property.type].bytes,
    0,
  );
}

function readBinaryBody(
  data: Uint8Array,
  header: PlyHeader,
  vertex: PlyElement,
  littleEndian: boolean,
): PointField[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = header.dataOffset;
  let fields: (PointField | undefined)[] = [];
  for (const element of header.elements) {
    const recordSize = minimumRecordSize(element);
    if (element.count * recordSize > data.length - offset) {
      throw fail(
        `the ${clip(element.name)} element needs at least ${element.count * recordSize} bytes, ` +
          `${data.length - offset} are left (truncated data, or a wrong count in the header)`,
      );
    }
    const fixed = element.properties.every((property) => !property.list);
    if (element === vertex) fields = createVertexFields(vertex);
    if (fixed && element === vertex) {
      let at = 0;
      const columns: BinaryColumn[] = [];
      for (const field of present(fields)) {
        columns.push({ field, offset: offset + at, stride: recordSize });
        at += FIELD_TYPES[field.type].bytes;
      }
      readColumns(data, columns, element.count, littleEndian);
    }
    if (fixed) {
      offset += element.count * recordSize;
      continue;
    }
    for (let i = 0; i < element.count; i++) {
      element.properties.forEach((property, p) => {
        if (property.list) {
          const countType = property.list.countType;
          const countBytes = FIELD_TYPES[countType].bytes;
          if (offset + countBytes > data.length) throw truncated(element, i);
          const items = readInteger(view, offset, countType, littleEndian);
          offset += countBytes;
          if (items < 0) throw fail(`a negative list length in ${clip(element.name)} ${i}`);
          const itemBytes = items * FIELD_TYPES[property.type].bytes;
          if (offset + itemBytes > data.length) throw truncated(element, i);
          offset += itemBytes;
        } else {
          const size = FIELD_TYPES[property.type].bytes;
          if (offset + size > data.length) throw truncated(element, i);
          const field = fields[p];
          if (element === vertex && field) readValue(data, offset, field, i, littleEndian);
          offset += size;
        }
      });
    }
  }
  return present(fields);
}

function truncated(element: PlyElement, index: number): AdapterError {
  return fail(`the data ends inside ${clip(element.name)} ${index} of ${element.count}`);
}

function readInteger(view: DataView, at: number, type: string, littleEndian: boolean): number {
  switch (type) {
    case 'int8':
      return view.getInt8(at);
    case 'uint8':
      return view.getUint8(at);
    case 'int16':
      return view.getInt16(at, littleEndian);
    case 'uint16':
      return view.getUint16(at, littleEndian);
    case 'int32':
      return view.getInt32(at, littleEndian);
    default:
      return view.getUint32(at, littleEndian);
  }
}

function readAsciiBody(data: Uint8Array, header: PlyHeader, vertex: PlyElement): PointField[] {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString(
    'latin1',
    header.dataOffset,
  );
  const tokens = new TextTokens(text);
  let fields: (PointField | undefined)[] = [];
  for (const element of header.elements) {
    const perRecord = element.properties.length;
    if (perRecord === 0) continue;
    if (!tokensCanFit(element.count * perRecord, tokens.remaining)) {
      throw fail(
        `the ${clip(element.name)} element needs at least ${element.count * perRecord} values, ` +
          `more than the remaining ${tokens.remaining} characters hold (truncated data, or a wrong count)`,
      );
    }
    if (element === vertex) fields = createVertexFields(vertex);
    const columns = fields.map((field) => (field && element === vertex ? textColumn(field) : undefined));
    for (let i = 0; i < element.count; i++) {
      element.properties.forEach((property, p) => {
        const token = tokens.next();
        if (token === undefined) throw truncated(element, i);
        if (property.list) {
          const items = Number(token);
          if (!/^\d+$/.test(token) || items > tokens.remaining) {
            throw fail(`bad list length ${quote(token)} in ${clip(element.name)} ${i}`);
          }
          for (let k = 0; k < items; k++) {
            if (tokens.next() === undefined) throw truncated(element, i);
          }
          return;
        }
        const column = columns[p];
        if (column && !column.parse(i, token)) {
          throw fail(`${quote(token)} is not a ${property.type} (${clip(property.name)} of vertex ${i})`);
        }
      });
    }
  }
  return present(fields);
}
