import { decodeUtf8 } from '../../sdk/utf8';
import { AdapterError } from '../../sdk/adapter-error';
import type { SignalFormat } from './signal-format';

/** How much of the start is searched for NUL bytes before reading a text format. */
const SNIFF_BYTES = 4096;

/** The bytes of a text signal format as a string; binary data or invalid UTF-8 is bad input. */
export function signalText(data: Buffer, format: SignalFormat): string {
  if (data.subarray(0, SNIFF_BYTES).includes(0)) {
    throw AdapterError.unprocessable(`the signal is binary data, not ${format.toUpperCase()} text`);
  }
  return decodeUtf8(data, 'the signal');
}
