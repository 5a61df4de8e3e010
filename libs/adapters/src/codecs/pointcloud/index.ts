export {
  createField,
  fieldBytes,
  findField,
  isPackedColorField,
  isPointFieldType,
  FIELD_TYPES,
  type PointCloud,
  type PointCloudViewpoint,
  type PointField,
  type PointFieldArrays,
  type PointFieldComponent,
  type PointFieldType,
  type PointFieldValues,
} from './point-cloud';
export { boundingBox, colors, positions, type BoundingBox } from './point-cloud-views';
export {
  decodePointCloud,
  encodePointCloud,
  pointCloudFormatOf,
  POINT_CLOUD_MEDIA_TYPES,
  type EncodePointCloudOptions,
  type PointCloudEncoding,
  type PointCloudFormat,
  type PointCloudFormatHints,
} from './point-cloud-codec';
export { probePointCloud, type DedicatedPointCloudFormat, type PointCloudProbe } from './probe';
export type { PlyEncoding } from './ply-header';
export type { PcdEncoding } from './pcd-header';
