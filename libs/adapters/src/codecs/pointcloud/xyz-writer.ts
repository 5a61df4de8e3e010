import type { PointCloud } from './point-cloud';
import { TextOutput } from './text-output';
import { textColumn } from './text-values';
import { assertWritableCloud } from './validate-cloud';

/**
 * Encodes a cloud as XYZ text: a `# fields: name:type ...` comment (so that reading it back
 * restores names and types; other tools skip it as a comment), `# organized: WxH` for an
 * organized cloud, then one line per point with every field, space-separated.
 */
export function writeXyz(cloud: PointCloud): Buffer {
  assertWritableCloud(cloud);
  const output = new TextOutput('utf8');
  output.write(`# fields: ${cloud.fields.map((field) => `${field.name}:${field.type}`).join(' ')}\n`);
  if (cloud.organized) output.write(`# organized: ${cloud.organized.width}x${cloud.organized.height}\n`);
  const columns = cloud.fields.map(textColumn);
  for (let i = 0; i < cloud.count; i++)
    output.write(`${columns.map((column) => column.format(i)).join(' ')}\n`);
  return output.toBuffer();
}
