import type { Detection } from '@omnigate/contracts';
import { type ContentVerdict, recognised } from './content-verdict';
import { readJson } from './json-content';
import type { MagicMatch } from './magic-bytes';
import { POINT_CLOUD_MEDIA_TYPES, TEXT_MEDIA_TYPES } from './media-types';
import { isTimeColumnName, type NumericTable, readNumericTable } from './numeric-table';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** C0 controls that text may contain: tab, line feed, vertical tab, form feed, carriage return, escape. */
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b]);

/**
 * The sample as text when it is valid UTF-8 without binary control characters, else undefined.
 * When the sample is a prefix, a multibyte sequence cut at its end is dropped rather than refused.
 */
export function decodeTextSample(sample: Buffer, truncated: boolean): string | undefined {
  if (hasBinaryControls(sample)) return undefined;
  try {
    return utf8.decode(truncated ? withoutCutSequence(sample) : sample);
  } catch {
    return undefined;
  }
}

/** Bytes below 0x20 never occur inside a UTF-8 multibyte sequence, so the raw bytes can be checked. */
function hasBinaryControls(bytes: Buffer): boolean {
  // An indexed loop: this runs over every sample, and an iterator per byte costs more than the check.
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte < 0x20 && !TEXT_CONTROLS.has(byte)) return true;
  }
  return false;
}

/** `bytes` without a trailing incomplete UTF-8 sequence (at most 3 bytes long). */
function withoutCutSequence(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

/**
 * Readings of UTF-8 content by its structure: JSON (a signal, a point cloud, or text), a numeric table (a
 * signal, or an XYZ point cloud when whitespace-separated with 3+ columns), else plain text.
 * `text` is the sample of content of `totalBytes`, `truncated` when that is more than the sample;
 * `lookalike` is a binary signature that matched this text by coincidence or a text format.
 */
export function sniffText(
  text: string,
  totalBytes: number,
  truncated: boolean,
  lookalike?: MagicMatch,
): ContentVerdict {
  const json = readJson(text, totalBytes, !truncated);
  if (json?.kind === 'signal') {
    const how = json.complete ? 'JSON signal' : 'JSON that opens like a signal (larger than the sample)';
    return recognised(
      {
        modality: 'signal',
        mediaType: TEXT_MEDIA_TYPES.json,
        confidence: json.complete ? 0.9 : 0.7,
        reason: how,
        meta: json.meta,
      },
      jsonText(json.complete),
    );
  }
  if (json?.kind === 'pointcloud') return recognised(jsonPointCloud(json), jsonText(json.complete));
  if (json) return recognised(jsonText(json.complete));

  const table = readNumericTable(text, truncated);
  if (table) return tableReadings(table);
  return recognised(plainText(lookalike));
}

/** A JSON point cloud is a point cloud first, and the JSON text it is when declared text. */
function jsonPointCloud(json: {
  meta: Record<string, unknown>;
  points?: number;
  complete: boolean;
}): Detection {
  const { points, complete } = json;
  const count = points === undefined ? '' : ` (${points} point${points === 1 ? '' : 's'})`;
  return {
    modality: 'pointcloud',
    mediaType: TEXT_MEDIA_TYPES.json,
    confidence: complete ? 0.9 : 0.7,
    reason: complete
      ? `JSON point cloud${count}`
      : `JSON that opens like a point cloud${count} (larger than the sample)`,
    meta: json.meta,
  };
}

function jsonText(complete: boolean): Detection {
  return {
    modality: 'text',
    mediaType: TEXT_MEDIA_TYPES.json,
    confidence: complete ? 0.9 : 0.7,
    reason: complete ? 'JSON document' : 'opens like JSON (larger than the sample)',
  };
}

/**
 * A comma or tab table is a signal first; a whitespace table with 3+ columns is an XYZ point
 * cloud first. Either may be read as the other when declared (a point cloud needs 3 columns).
 */
function tableReadings(table: NumericTable): ContentVerdict {
  const signal = tableAsSignal(table);
  const cloud = table.columns >= 3 ? tableAsPointCloud(table) : undefined;
  if (!cloud) return recognised(signal);
  return table.delimiter === ' ' ? recognised(cloud, signal) : recognised(signal, cloud);
}

function tableAsSignal(table: NumericTable): Detection {
  const names = table.header ?? Array.from({ length: table.columns }, (_, i) => `ch${i + 1}`);
  const timeColumn = table.header && table.columns > 1 && isTimeColumnName(names[0]) ? names[0] : undefined;
  return {
    modality: 'signal',
    mediaType: tableMediaType(table, TEXT_MEDIA_TYPES.plain),
    confidence: 0.9,
    reason: describeTable(table, timeColumn),
    meta: {
      format: tableFormat(table),
      columns: table.columns,
      header: table.header !== undefined,
      channels: timeColumn ? names.slice(1) : names,
      ...(timeColumn ? { timeColumn } : {}),
      rowsSampled: table.rows,
    },
  };
}

function tableAsPointCloud(table: NumericTable): Detection {
  return {
    modality: 'pointcloud',
    mediaType: tableMediaType(table, POINT_CLOUD_MEDIA_TYPES.xyz),
    confidence: table.delimiter === ' ' ? 0.8 : 0.9,
    reason: describeTable(table),
    meta: {
      format: tableFormat(table),
      columns: table.columns,
      ...(table.header ? { fields: table.header } : {}),
      pointsSampled: table.rows,
    },
  };
}

/** CSV and TSV keep their own types; a whitespace table is XYZ as a cloud and plain text as a signal. */
function tableMediaType(table: NumericTable, whitespaceType: string): string {
  if (table.delimiter === ',') return TEXT_MEDIA_TYPES.csv;
  if (table.delimiter === '\t') return TEXT_MEDIA_TYPES.tsv;
  return whitespaceType;
}

function tableFormat(table: NumericTable): string {
  return table.delimiter === ',' ? 'csv' : table.delimiter === '\t' ? 'tsv' : 'xyz';
}

function describeTable(table: NumericTable, timeColumn?: string): string {
  const kind =
    table.delimiter === ',' ? 'CSV' : table.delimiter === '\t' ? 'TSV' : 'whitespace-separated table';
  const columns = `${table.columns} numeric column${table.columns === 1 ? '' : 's'}`;
  const header = table.header ? ' and a header' : '';
  const time = timeColumn ? ` (time column "${timeColumn}")` : '';
  return `${kind} with ${columns}${header}${time}`;
}

/** The fallback reading of any UTF-8 content. */
export function plainTextReading(): Detection {
  return { modality: 'text', mediaType: TEXT_MEDIA_TYPES.plain, confidence: 0.6, reason: 'valid UTF-8 text' };
}

/** Text formats file-type names keep their type; a binary signature that is a coincidence is noted. */
function plainText(lookalike?: MagicMatch): Detection {
  if (!lookalike) return plainTextReading();
  if (lookalike.mime.startsWith('text/') || lookalike.mime === 'application/xml') {
    const reason = `UTF-8 text with a ${lookalike.ext.toUpperCase()} signature`;
    return { modality: 'text', mediaType: lookalike.mime, confidence: 0.9, reason };
  }
  return {
    ...plainTextReading(),
    reason: `valid UTF-8 text (its first bytes resemble ${lookalike.mime})`,
    meta: { resembles: lookalike.mime },
  };
}
