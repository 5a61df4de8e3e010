import { baseMediaType } from '../../sdk/media-type';
import { isEdfMagic } from './edf-header';
import { isWavMagic } from './wav-header';

/** The container formats the signal codec reads. */
export type SignalFormat = 'csv' | 'tsv' | 'json' | 'edf' | 'wav';

/** The formats the signal codec writes. */
export type WritableSignalFormat = 'csv' | 'json' | 'wav';

const FORMAT_BY_MEDIA_TYPE = new Map<string, SignalFormat>(
  Object.entries({
    'text/csv': 'csv',
    'application/csv': 'csv',
    'text/x-csv': 'csv',
    'text/comma-separated-values': 'csv',
    'text/tab-separated-values': 'tsv',
    'text/tsv': 'tsv',
    'application/json': 'json',
    'text/json': 'json',
    'application/edf': 'edf',
    'application/x-edf': 'edf',
    'audio/wav': 'wav',
    'audio/x-wav': 'wav',
    'audio/wave': 'wav',
    'audio/vnd.wave': 'wav',
  } satisfies Record<string, SignalFormat>),
);

const FORMAT_BY_EXTENSION = new Map<string, SignalFormat>(
  Object.entries({
    csv: 'csv',
    tsv: 'tsv',
    tab: 'tsv',
    json: 'json',
    edf: 'edf',
    wav: 'wav',
    wave: 'wav',
  } satisfies Record<string, SignalFormat>),
);

/**
 * The signal format a media type names, else the one the filename's extension names (browsers
 * send CSV as `application/vnd.ms-excel` or `application/octet-stream`); undefined when neither says.
 */
export function signalFormatOf(mediaType: string, filename?: string): SignalFormat | undefined {
  const type = baseMediaType(mediaType);
  const byType = FORMAT_BY_MEDIA_TYPE.get(type) ?? (type.endsWith('+json') ? 'json' : undefined);
  if (byType !== undefined) return byType;
  const extension = /\.([^./\\]+)$/.exec(filename ?? '')?.[1]?.toLowerCase();
  return extension === undefined ? undefined : FORMAT_BY_EXTENSION.get(extension);
}

/** How much of the start is searched for NUL bytes to tell binary content from text. */
const SNIFF_BYTES = 4096;

/**
 * The signal format the content itself shows: an EDF or RIFF/WAVE header, JSON (text opening
 * with `[` or `{`) or else delimited text; undefined for other binary content.
 */
export function sniffSignalFormat(data: Buffer): SignalFormat | undefined {
  if (isEdfMagic(data)) return 'edf';
  if (isWavMagic(data)) return 'wav';
  if (data.subarray(0, SNIFF_BYTES).includes(0)) return undefined;
  return /^(?:\ufeff)?\s*[[{]/.test(data.subarray(0, SNIFF_BYTES).toString('utf8')) ? 'json' : 'csv';
}
