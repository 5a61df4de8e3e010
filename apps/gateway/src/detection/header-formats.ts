import {
  AdapterError,
  probePointCloud,
  probeSignal,
  type PointCloudProbe,
  type SignalProbe,
} from '@omnigate/adapters';
import type { Detection } from '@omnigate/contracts';
import { type ContentVerdict, recognised } from './content-verdict';
import { EDF_MEDIA_TYPE, POINT_CLOUD_MEDIA_TYPES } from './media-types';

/** Header-checked formats rank just under magic bytes: their ASCII headers are validated field by field. */
const HEADER_CONFIDENCE = 0.95;

/** How far into the content a PCD's VERSION line is looked for (past comments and blank lines). */
const PCD_SIGNATURE_WINDOW = 512;
/** How far into the content a PLY's `end_header` is looked for. */
const PLY_SIGNATURE_WINDOW = 64 * 1024;
const EDF_RECORD_BYTES = 256;

type HeaderFormat = 'edf' | 'ply' | 'pcd';

/**
 * Formats recognised by an ASCII header that may be followed by binary data (EDF, PLY, PCD),
 * so they are read before (and regardless of) the UTF-8 check. A signature says which format
 * the content claims to be (checked by linear scans: this runs on every upload); the codec's
 * prober then reads the header against the `totalBytes` really there. A header that cannot be
 * read, or that announces more data than there is, is still that format, with
 * `meta.probe: 'failed'` (the caller's 422); a header over a limit throws the codec's 413.
 */
export function sniffHeaderFormat(sample: Buffer, totalBytes: number): ContentVerdict | undefined {
  const format = headerSignature(sample);
  if (!format) return undefined;
  try {
    return recognised(
      format === 'edf'
        ? edf(probeSignal(sample, totalBytes, 'edf'))
        : pointCloud(probePointCloud(sample, totalBytes, format)),
    );
  } catch (error) {
    if (!(error instanceof AdapterError) || error.code === 'payload_too_large') throw error;
    return recognised(unreadable(format, error));
  }
}

/** The header format the first bytes announce, if any. */
function headerSignature(sample: Buffer): HeaderFormat | undefined {
  if (isEdfSignature(sample)) return 'edf';
  if (isPlySignature(sample)) return 'ply';
  if (isPcdSignature(sample)) return 'pcd';
  return undefined;
}

/**
 * EDF: version "0" in 8 bytes, and a header size (bytes 184–191) of 256 bytes per signal plus
 * 256, the signal count being bytes 252–255: a padded numeric table does not agree with itself so.
 */
function isEdfSignature(sample: Buffer): boolean {
  if (sample.length < EDF_RECORD_BYTES || sample.toString('latin1', 0, 8) !== '0       ') return false;
  const headerBytes = asciiInteger(sample.toString('latin1', 184, 192));
  const signals = asciiInteger(sample.toString('latin1', 252, 256));
  return (
    headerBytes !== undefined &&
    signals !== undefined &&
    signals >= 1 &&
    headerBytes === EDF_RECORD_BYTES * (signals + 1)
  );
}

/** A space-padded decimal field, or undefined when it is anything else. */
function asciiInteger(field: string): number | undefined {
  const digits = field.trim();
  if (digits.length === 0) return undefined;
  for (let i = 0; i < digits.length; i++) {
    const code = digits.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return undefined;
  }
  return Number(digits);
}

/** PLY: the `ply` line, and an `end_header` line within the sample. */
function isPlySignature(sample: Buffer): boolean {
  const head = sample.toString('latin1', 0, 5);
  if (!head.startsWith('ply\n') && !head.startsWith('ply\r\n')) return false;
  return sample.subarray(0, PLY_SIGNATURE_WINDOW).includes('end_header');
}

/**
 * PCD: after `#` comments and blank lines, a `VERSION` line followed by a `FIELDS` line (the
 * order PCD prescribes); a text that merely opens with "VERSION" stays text. One pass over the
 * lines of the first 512 bytes: no backtracking pattern runs on the content.
 */
function isPcdSignature(sample: Buffer): boolean {
  const head = sample.toString('latin1', 0, PCD_SIGNATURE_WINDOW);
  const keywords: string[] = [];
  for (let start = 0; start < head.length && keywords.length < 2;) {
    const newline = head.indexOf('\n', start);
    const end = newline < 0 ? head.length : newline;
    const line = head.slice(start, end).trim();
    if (line.length > 0 && !line.startsWith('#')) keywords.push(firstWord(line));
    if (newline < 0) break;
    start = newline + 1;
  }
  return keywords[0] === 'VERSION' && keywords[1] === 'FIELDS';
}

function firstWord(line: string): string {
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) <= 0x20) return line.slice(0, i);
  }
  return line;
}

function edf(header: SignalProbe): Detection {
  const signals = header.channels.length;
  return {
    modality: 'signal',
    mediaType: EDF_MEDIA_TYPE,
    confidence: HEADER_CONFIDENCE,
    reason: `EDF header with ${signals} signal${signals === 1 ? '' : 's'}`,
    meta: { ...header },
  };
}

function pointCloud(header: PointCloudProbe): Detection {
  const { format, ...meta } = header;
  return {
    modality: 'pointcloud',
    mediaType: POINT_CLOUD_MEDIA_TYPES[format],
    confidence: HEADER_CONFIDENCE,
    reason: `${format.toUpperCase()} header (${header.encoding})`,
    meta: { format, ...meta },
  };
}

/** The format its signature claims, whose header its codec refused: bad input of that format. */
function unreadable(format: HeaderFormat, error: AdapterError): Detection {
  return {
    modality: format === 'edf' ? 'signal' : 'pointcloud',
    mediaType: format === 'edf' ? EDF_MEDIA_TYPE : POINT_CLOUD_MEDIA_TYPES[format],
    confidence: HEADER_CONFIDENCE,
    reason: `${format.toUpperCase()} signature with an unreadable header`,
    meta: { format, probe: 'failed', reason: error.message },
  };
}
