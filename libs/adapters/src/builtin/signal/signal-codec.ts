import { AdapterError } from '../../sdk/adapter-error';
import { decodeUtf8 } from '../inputs';
import { baseMediaType } from '../media-type';
import type { Signal } from './signal';
import { parseDelimitedSignal } from './signal-csv';
import { parseJsonSignal } from './signal-json';

export type { Signal, SignalChannel } from './signal';

/** How much of the start is searched for NUL bytes to tell binary formats from text. */
const SNIFF_BYTES = 4096;

/**
 * Reads a signal from CSV/TSV or JSON bytes. The media type picks the format; a vague one
 * (`text/plain`, `application/octet-stream`) lets the content decide. The sample rate comes
 * from the data (time column, `sampleRateHz`) when it has one, else from `opts`, else stays unknown.
 * Malformed input throws `AdapterError` with code `unprocessable_input`.
 */
export function parseSignal(buf: Buffer, mediaType: string, opts: { sampleRateHz?: number } = {}): Signal {
  if (buf.subarray(0, SNIFF_BYTES).includes(0)) {
    throw new AdapterError(
      'unsupported_media',
      `cannot read a binary signal (${mediaType}); send CSV, TSV or JSON`,
      { details: { mediaType } },
    );
  }
  const text = decodeUtf8(buf, 'the signal');
  const type = baseMediaType(mediaType);
  const looksJson = /^\s*[[{]/.test(text);
  const signal =
    type === 'application/json' || type.endsWith('+json') || (looksJson && !isDelimitedType(type))
      ? parseJsonSignal(text, opts)
      : parseDelimitedSignal(text, { ...opts, tab: type === 'text/tab-separated-values' });
  if (signal.channels[0].values.length === 0) {
    throw AdapterError.unprocessable('the signal has no samples');
  }
  return signal;
}

function isDelimitedType(type: string): boolean {
  return type === 'text/csv' || type === 'text/tab-separated-values';
}
