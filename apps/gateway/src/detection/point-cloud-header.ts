/** What a PLY or PCD header says about the cloud that follows it. */
export interface PointCloudHeader {
  format: 'ply' | 'pcd';
  /** `ascii`, `binary_little_endian`, `binary_big_endian` (PLY); `ascii`, `binary`, `binary_compressed` (PCD). */
  encoding: string;
  points?: number;
  /** Per-point fields: PLY vertex properties or PCD FIELDS. */
  fields: string[];
  /** PLY only: faces, when the file is a mesh. */
  faces?: number;
}

/** Headers are short; only this many leading bytes are read as header text. */
const HEADER_SCAN_BYTES = 8 * 1024;
const MAX_HEADER_LINES = 200;

/**
 * Both formats put an ASCII header before data that may be binary, so the header is read on
 * its own (latin1) and the rest of the sample is never decoded.
 */
function headerLines(sample: Buffer): string[] {
  return sample
    .toString('latin1', 0, Math.min(sample.length, HEADER_SCAN_BYTES))
    .split(/\r?\n/, MAX_HEADER_LINES)
    .map((line) => line.trim());
}

/** Parses a PLY header (`ply` then `format ...`); undefined when the sample is not PLY. */
export function readPlyHeader(sample: Buffer): PointCloudHeader | undefined {
  if (!/^ply\r?\n/.test(sample.toString('latin1', 0, 5))) return undefined;
  const lines = headerLines(sample);
  const format = /^format (ascii|binary_little_endian|binary_big_endian) \d+(\.\d+)?$/.exec(lines[1] ?? '');
  if (!format) return undefined;

  const counts = new Map<string, number>();
  const fields: string[] = [];
  let element = '';
  for (const line of lines.slice(2)) {
    if (line === 'end_header') break;
    const [keyword, ...words] = line.split(/\s+/);
    if (keyword === 'element' && words.length === 2) {
      element = words[0];
      counts.set(element, Number(words[1]));
    } else if (keyword === 'property' && element === 'vertex') {
      fields.push(words[words.length - 1]);
    }
  }
  return {
    format: 'ply',
    encoding: format[1],
    fields,
    ...optionalCount('points', counts.get('vertex')),
    ...optionalCount('faces', counts.get('face')),
  };
}

/** Parses a PCD header (comments, then VERSION/FIELDS/.../DATA); undefined when it is not PCD. */
export function readPcdHeader(sample: Buffer): PointCloudHeader | undefined {
  const entries = new Map<string, string[]>();
  for (const line of headerLines(sample)) {
    if (line === '' || line.startsWith('#')) continue;
    const [keyword, ...values] = line.split(/\s+/);
    // The spec fixes the order of header entries, and VERSION comes first.
    if (!/^[A-Z]+$/.test(keyword) || (entries.size === 0 && keyword !== 'VERSION')) return undefined;
    entries.set(keyword, values);
    if (keyword === 'DATA') break;
  }
  const fields = entries.get('FIELDS');
  const data = entries.get('DATA');
  if (!fields || fields.length === 0 || !data || data.length !== 1) return undefined;
  return {
    format: 'pcd',
    encoding: data[0],
    fields,
    ...optionalCount('points', Number(entries.get('POINTS')?.[0])),
  };
}

function optionalCount<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value !== undefined && Number.isInteger(value) && value >= 0
    ? ({ [key]: value } as Record<K, number>)
    : {};
}
