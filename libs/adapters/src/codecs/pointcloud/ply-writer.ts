import { writeColumns, type BinaryColumn } from './binary-columns';
import { FIELD_TYPES, type PointCloud } from './point-cloud';
import { PLY_TYPE_NAMES, type PlyEncoding } from './ply-header';
import { TextOutput } from './text-output';
import { textColumn } from './text-values';
import { assertWritableCloud } from './validate-cloud';

/**
 * Encodes a cloud as PLY: one `vertex` element with a property per field, in order. An
 * organized cloud's grid goes into `obj_info num_cols` / `num_rows`, as PCL writes it.
 */
export function writePly(cloud: PointCloud, encoding: PlyEncoding = 'binary_little_endian'): Buffer {
  assertWritableCloud(cloud);
  const lines = ['ply', `format ${encoding} 1.0`, 'comment written by omnigate'];
  if (cloud.organized) {
    lines.push(`obj_info num_cols ${cloud.organized.width}`, `obj_info num_rows ${cloud.organized.height}`);
  }
  lines.push(`element vertex ${cloud.count}`);
  for (const field of cloud.fields) lines.push(`property ${PLY_TYPE_NAMES[field.type]} ${field.name}`);
  lines.push('end_header', '');
  const header = Buffer.from(lines.join('\n'), 'latin1');

  if (encoding === 'ascii') {
    const columns = cloud.fields.map(textColumn);
    const rows = new TextOutput('latin1');
    for (let i = 0; i < cloud.count; i++)
      rows.write(`${columns.map((column) => column.format(i)).join(' ')}\n`);
    return Buffer.concat([header, rows.toBuffer()]);
  }

  const recordSize = cloud.fields.reduce((size, field) => size + FIELD_TYPES[field.type].bytes, 0);
  const output = Buffer.alloc(header.length + recordSize * cloud.count);
  header.copy(output);
  let at = header.length;
  const columns: BinaryColumn[] = cloud.fields.map((field) => {
    const column = { field, offset: at, stride: recordSize };
    at += FIELD_TYPES[field.type].bytes;
    return column;
  });
  writeColumns(output, columns, cloud.count, encoding === 'binary_little_endian');
  return output;
}
