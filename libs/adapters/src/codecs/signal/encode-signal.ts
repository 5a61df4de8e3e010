import { writeCsvSignal } from './csv-writer';
import { writeJsonSignal } from './json-writer';
import type { Signal } from './signal';
import type { WritableSignalFormat } from './signal-format';
import { writeWavSignal } from './wav-writer';

/** Options for encoding a signal. */
export interface EncodeSignalOptions {
  /** CSV and JSON longer than this are refused (`payload_too_large`) while they are written. */
  maxBytes?: number;
}

/**
 * Writes a signal as CSV (header row, `time_s` column when the rate is known), JSON (the
 * documented channels form) or WAV (32-bit float at the rate rounded to whole hertz). Every
 * sample reads back exactly (float32). A signal a format cannot hold (channels at different
 * rates for CSV/WAV, NaN for CSV/JSON, no rate for WAV) throws `unprocessable_input`.
 */
export function encodeSignal(
  signal: Signal,
  format: WritableSignalFormat,
  options: EncodeSignalOptions = {},
): Buffer {
  switch (format) {
    case 'csv':
      return writeCsvSignal(signal, options.maxBytes);
    case 'json':
      return writeJsonSignal(signal, options.maxBytes);
    case 'wav':
      return writeWavSignal(signal);
  }
}
