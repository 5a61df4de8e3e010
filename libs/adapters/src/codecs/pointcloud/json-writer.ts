import type { PointCloud } from './point-cloud';
import { TextOutput } from './text-output';
import { formatFloat64, textColumn } from './text-values';
import { assertWritableCloud } from './validate-cloud';

/** A text codec token as JSON: NaN is `null`, the infinities are the strings "inf" and "-inf". */
function jsonToken(token: string): string {
  if (token === 'nan') return 'null';
  if (token === 'inf' || token === '-inf') return `"${token}"`;
  return token;
}

/**
 * Encodes a cloud as the rows form of JSON: `{"fields": [...], "types": [...], "organized"?:
 * {...}, "viewpoint"?: [...], "points": [[...], ...]}`, one point per line and `points` last, so
 * that a probe reading the start of the file sees the names first. Values are written as the
 * text encodings write them (float32 in the fewest digits that read back to the same float32,
 * float64 in JavaScript's shortest exact form, packed colour floats as their uint32 bit pattern),
 * so names, types and values round trip exactly (NaN payloads aside).
 */
export function writeJsonPointCloud(cloud: PointCloud): Buffer {
  assertWritableCloud(cloud);
  const head: Record<string, unknown> = {
    fields: cloud.fields.map((field) => field.name),
    types: cloud.fields.map((field) => field.type),
  };
  if (cloud.organized) head.organized = { width: cloud.organized.width, height: cloud.organized.height };
  const viewpoint =
    cloud.viewpoint && `[${cloud.viewpoint.map((v) => jsonToken(formatFloat64(v))).join(',')}]`;
  const output = new TextOutput('utf8');
  output.write(
    `${JSON.stringify(head).slice(0, -1)}${viewpoint ? `,"viewpoint":${viewpoint}` : ''},"points":[`,
  );
  const columns = cloud.fields.map(textColumn);
  for (let i = 0; i < cloud.count; i++) {
    output.write(
      `${i === 0 ? '\n' : ',\n'}[${columns.map((column) => jsonToken(column.format(i))).join(',')}]`,
    );
  }
  output.write(cloud.count === 0 ? ']}\n' : '\n]}\n');
  return output.toBuffer();
}
