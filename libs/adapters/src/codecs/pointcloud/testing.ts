import { fieldBytes, type PointCloud } from './point-cloud';

/**
 * Differences between two clouds, for tests (not exported from the package): count, field
 * names, types and values, NaN-aware (NaN equals NaN, -0 differs from 0). With `exactBits`,
 * values must match byte for byte (NaN payloads and packed colour floats included).
 */
export function cloudDifferences(
  actual: PointCloud,
  expected: PointCloud,
  options: { exactBits?: boolean } = {},
): string[] {
  const differences: string[] = [];
  if (actual.count !== expected.count) differences.push(`count ${actual.count} ≠ ${expected.count}`);
  const names = (cloud: PointCloud) => cloud.fields.map((field) => `${field.name}:${field.type}`).join(' ');
  if (names(actual) !== names(expected)) differences.push(`fields [${names(actual)}] ≠ [${names(expected)}]`);
  expected.fields.forEach((want, f) => {
    const got = actual.fields[f];
    if (!got || got.values.length !== want.values.length) return;
    if (options.exactBits) {
      if (!Buffer.from(fieldBytes(got)).equals(Buffer.from(fieldBytes(want)))) {
        differences.push(`field ${want.name}: bytes differ`);
      }
      return;
    }
    for (let i = 0; i < want.values.length; i++) {
      if (!Object.is(got.values[i], want.values[i])) {
        differences.push(`field ${want.name}[${i}]: ${got.values[i]} ≠ ${want.values[i]}`);
        return;
      }
    }
  });
  return differences;
}
