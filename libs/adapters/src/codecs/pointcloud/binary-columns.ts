import { FIELD_TYPES, fieldBytes, type PointField } from './point-cloud';

/** Whether this machine stores typed arrays little-endian (every platform Node runs on today). */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Where one field's values sit in a binary block: value i starts at `offset + i * stride`. */
export interface BinaryColumn {
  field: PointField;
  offset: number;
  stride: number;
}

/**
 * Copies `count` values of each column from `source` into the fields, byte for byte (so float
 * bit patterns, NaN payloads included, are kept). The caller has checked that the block fits.
 */
export function readColumns(
  source: Uint8Array,
  columns: BinaryColumn[],
  count: number,
  littleEndian: boolean,
): void {
  for (const column of columns) copyColumn(source, column, count, littleEndian, 'read');
}

/** Copies `count` values of each field into `target` at the columns' places, byte for byte. */
export function writeColumns(
  target: Uint8Array,
  columns: BinaryColumn[],
  count: number,
  littleEndian: boolean,
): void {
  for (const column of columns) copyColumn(target, column, count, littleEndian, 'write');
}

function copyColumn(
  block: Uint8Array,
  { field, offset, stride }: BinaryColumn,
  count: number,
  littleEndian: boolean,
  direction: 'read' | 'write',
): void {
  const values = fieldBytes(field);
  const size = FIELD_TYPES[field.type].bytes;
  const swap = littleEndian !== HOST_LITTLE_ENDIAN && size > 1;
  if (!swap && stride === size) {
    // Contiguous (PCD binary_compressed is field-major): one copy.
    if (direction === 'read') values.set(block.subarray(offset, offset + count * size));
    else block.set(values, offset);
    return;
  }
  for (let i = 0; i < count; i++) {
    const at = offset + i * stride;
    const own = i * size;
    for (let b = 0; b < size; b++) {
      const other = at + (swap ? size - 1 - b : b);
      if (direction === 'read') values[own + b] = block[other];
      else block[other] = values[own + b];
    }
  }
}

/** Copies one value of `size` bytes (reversed when `swap`) from `source` into a field. */
export function readValue(
  source: Uint8Array,
  at: number,
  field: PointField,
  index: number,
  littleEndian: boolean,
): void {
  const values = fieldBytes(field);
  const size = FIELD_TYPES[field.type].bytes;
  const swap = littleEndian !== HOST_LITTLE_ENDIAN;
  const own = index * size;
  for (let b = 0; b < size; b++) values[own + b] = source[at + (swap ? size - 1 - b : b)];
}
