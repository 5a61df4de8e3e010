/** The scalar types a point field can hold (the union of PLY's and PCD's scalar types). */
export type PointFieldType =
  'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

/** The typed array that holds the values of each field type. */
export interface PointFieldArrays {
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** The values of one field: a typed array of the field's type with one entry per point. */
export type PointFieldValues = PointFieldArrays[PointFieldType];

/**
 * Marks a field that came from one element of a multi-element PCD field (COUNT > 1): PCD
 * `FIELDS fpfh` with `COUNT 33` becomes the fields `fpfh_0` .. `fpfh_32`, each with
 * `component: { field: 'fpfh', index, count: 33 }`, so that writing PCD restores `COUNT 33`.
 */
export interface PointFieldComponent {
  field: string;
  index: number;
  count: number;
}

/** One per-point attribute (a PLY vertex property, a PCD field element, an XYZ column). */
export type PointField = {
  [T in PointFieldType]: {
    name: string;
    type: T;
    values: PointFieldArrays[T];
    component?: PointFieldComponent;
  };
}[PointFieldType];

/** PCD's acquisition viewpoint: translation then orientation quaternion (tx ty tz qw qx qy qz). */
export type PointCloudViewpoint = [number, number, number, number, number, number, number];

/** A decoded point cloud: `count` points, each with every field (structure of arrays). */
export interface PointCloud {
  count: number;
  fields: PointField[];
  /** Row-major grid of an organized cloud (PCD HEIGHT > 1, PLY obj_info num_rows > 1); width × height = count. */
  organized?: { width: number; height: number };
  /** PCD VIEWPOINT, when the file had one. */
  viewpoint?: PointCloudViewpoint;
  /** PLY elements other than `vertex` (faces, edges ...): named and counted, not decoded. */
  skippedElements?: { name: string; count: number }[];
}

interface FieldTypeInfo {
  bytes: number;
  integer: boolean;
  min: number;
  max: number;
  create(length: number): PointFieldValues;
}

/** Size, range and array constructor of each field type. */
export const FIELD_TYPES: Readonly<Record<PointFieldType, FieldTypeInfo>> = {
  int8: { bytes: 1, integer: true, min: -128, max: 127, create: (n) => new Int8Array(n) },
  uint8: { bytes: 1, integer: true, min: 0, max: 255, create: (n) => new Uint8Array(n) },
  int16: { bytes: 2, integer: true, min: -32768, max: 32767, create: (n) => new Int16Array(n) },
  uint16: { bytes: 2, integer: true, min: 0, max: 65535, create: (n) => new Uint16Array(n) },
  int32: { bytes: 4, integer: true, min: -2147483648, max: 2147483647, create: (n) => new Int32Array(n) },
  uint32: { bytes: 4, integer: true, min: 0, max: 4294967295, create: (n) => new Uint32Array(n) },
  float32: { bytes: 4, integer: false, min: -Infinity, max: Infinity, create: (n) => new Float32Array(n) },
  float64: { bytes: 8, integer: false, min: -Infinity, max: Infinity, create: (n) => new Float64Array(n) },
};

/** Whether `value` names a field type. */
export function isPointFieldType(value: string): value is PointFieldType {
  return Object.hasOwn(FIELD_TYPES, value);
}

/** A zero-filled field of `count` points. */
export function createField(
  name: string,
  type: PointFieldType,
  count: number,
  component?: PointFieldComponent,
): PointField {
  // The map above pairs each type with its own array constructor.
  const field = { name, type, values: FIELD_TYPES[type].create(count) } as PointField;
  if (component) field.component = component;
  return field;
}

/** The bytes behind a field's values (a view, not a copy). */
export function fieldBytes(field: PointField): Uint8Array {
  const { buffer, byteOffset, byteLength } = field.values;
  return new Uint8Array(buffer, byteOffset, byteLength);
}

/** The first field called `name`, if any. */
export function findField(cloud: PointCloud, name: string): PointField | undefined {
  return cloud.fields.find((field) => field.name === name);
}

/**
 * Packed PCL colour fields (`rgb`, `rgba`): 0xAARRGGBB in a float32 or uint32. As a float the
 * pattern is often NaN or a denormal, so text encodings carry it as its uint32 bit pattern.
 */
export function isPackedColorField(field: PointField): boolean {
  return (
    (field.name === 'rgb' || field.name === 'rgba') && (field.type === 'float32' || field.type === 'uint32')
  );
}
