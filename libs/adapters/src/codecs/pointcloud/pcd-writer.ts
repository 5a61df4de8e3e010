import { writeColumns, type BinaryColumn } from './binary-columns';
import { lzfCompress } from './lzf';
import { PCD_TYPES, type PcdEncoding } from './pcd-header';
import { FIELD_TYPES, type PointCloud, type PointField } from './point-cloud';
import { TextOutput } from './text-output';
import { textColumn } from './text-values';
import { assertWritableCloud } from './validate-cloud';

/** One PCD field and the cloud fields that hold its elements. */
interface PcdGroup {
  name: string;
  fields: PointField[];
}

/**
 * Encodes a cloud as PCD v0.7. Consecutive fields marked as components 0 .. n-1 of the same
 * field (as the reader makes them) become one field with COUNT n again.
 */
export function writePcd(cloud: PointCloud, encoding: PcdEncoding = 'binary'): Buffer {
  assertWritableCloud(cloud);
  const groups = groupFields(cloud.fields);
  const width = cloud.organized?.width ?? cloud.count;
  const height = cloud.organized?.height ?? 1;
  const header = Buffer.from(
    [
      '# .PCD v0.7 - Point Cloud Data file format',
      'VERSION 0.7',
      `FIELDS ${groups.map((group) => group.name).join(' ')}`,
      `SIZE ${groups.map((group) => PCD_TYPES[group.fields[0].type].size).join(' ')}`,
      `TYPE ${groups.map((group) => PCD_TYPES[group.fields[0].type].letter).join(' ')}`,
      `COUNT ${groups.map((group) => group.fields.length).join(' ')}`,
      `WIDTH ${width}`,
      `HEIGHT ${height}`,
      `VIEWPOINT ${(cloud.viewpoint ?? [0, 0, 0, 1, 0, 0, 0]).join(' ')}`,
      `POINTS ${cloud.count}`,
      `DATA ${encoding}`,
      '',
    ].join('\n'),
    'latin1',
  );
  return Buffer.concat([header, writeBody(cloud, groups, encoding)]);
}

function writeBody(cloud: PointCloud, groups: PcdGroup[], encoding: PcdEncoding): Uint8Array {
  const fields = groups.flatMap((group) => group.fields);
  const pointSize = fields.reduce((size, field) => size + FIELD_TYPES[field.type].bytes, 0);
  if (encoding === 'ascii') {
    const columns = fields.map(textColumn);
    const rows = new TextOutput('latin1');
    for (let i = 0; i < cloud.count; i++)
      rows.write(`${columns.map((column) => column.format(i)).join(' ')}\n`);
    return rows.toBuffer();
  }
  const block = new Uint8Array(pointSize * cloud.count);
  const columns: BinaryColumn[] = [];
  let offset = 0;
  if (encoding === 'binary') {
    for (const field of fields) {
      columns.push({ field, offset, stride: pointSize });
      offset += FIELD_TYPES[field.type].bytes;
    }
    writeColumns(block, columns, cloud.count, true);
    return block;
  }
  // binary_compressed: field-major (each PCD field's values for all points together), then LZF.
  for (const group of groups) {
    const size = FIELD_TYPES[group.fields[0].type].bytes;
    group.fields.forEach((field, k) =>
      columns.push({ field, offset: offset + k * size, stride: size * group.fields.length }),
    );
    offset += cloud.count * size * group.fields.length;
  }
  writeColumns(block, columns, cloud.count, true);
  const compressed = lzfCompress(block);
  const output = new Uint8Array(8 + compressed.length);
  const sizes = new DataView(output.buffer);
  sizes.setUint32(0, compressed.length, true);
  sizes.setUint32(4, block.length, true);
  output.set(compressed, 8);
  return output;
}

/** Groups runs of fields that are components 0 .. n-1 of one field; every other field stands alone. */
function groupFields(fields: PointField[]): PcdGroup[] {
  const groups: PcdGroup[] = [];
  for (let i = 0; i < fields.length;) {
    const run = componentRun(fields, i);
    if (run) {
      groups.push({ name: run[0].component?.field ?? run[0].name, fields: run });
      i += run.length;
    } else {
      groups.push({ name: fields[i].name, fields: [fields[i]] });
      i++;
    }
  }
  return groups;
}

function componentRun(fields: PointField[], start: number): PointField[] | undefined {
  const first = fields[start].component;
  if (!first || first.index !== 0 || first.count < 2 || !/^[\x21-\x7e]+$/.test(first.field)) return undefined;
  const run = fields.slice(start, start + first.count);
  const whole =
    run.length === first.count &&
    run.every(
      (field, k) =>
        field.type === fields[start].type &&
        field.component?.field === first.field &&
        field.component.index === k &&
        field.component.count === first.count,
    );
  return whole ? run : undefined;
}
