import { AdapterError } from '../../sdk/adapter-error';
import { FIELD_TYPES, type PointCloud } from './point-cloud';

/**
 * Checks what every writer relies on: a whole count, one value per point in each field, arrays
 * of the declared types, names a header can carry, and a grid that covers the points.
 */
export function assertWritableCloud(cloud: PointCloud): void {
  const fail = (message: string) => {
    throw AdapterError.unprocessable(`cannot encode the point cloud: ${message}`);
  };
  if (!Number.isSafeInteger(cloud.count) || cloud.count < 0) fail(`bad point count ${cloud.count}`);
  if (cloud.count > 0 && cloud.fields.length === 0) fail(`${cloud.count} points but no fields`);
  for (const field of cloud.fields) {
    if (!/^[\x21-\x7e]+$/.test(field.name)) {
      fail(`field name ${JSON.stringify(field.name)} is empty or has spaces or non-ASCII characters`);
    }
    const expected = FIELD_TYPES[field.type]?.create(0).constructor;
    if (!expected || field.values.constructor !== expected) {
      fail(`field "${field.name}" is declared ${field.type} but holds a ${field.values.constructor.name}`);
    }
    if (field.values.length !== cloud.count) {
      fail(`field "${field.name}" has ${field.values.length} values for ${cloud.count} points`);
    }
  }
  const grid = cloud.organized;
  if (grid && (!(grid.width >= 1 && grid.height >= 1) || grid.width * grid.height !== cloud.count)) {
    fail(`an organized grid of ${grid.width} × ${grid.height} does not hold ${cloud.count} points`);
  }
}
