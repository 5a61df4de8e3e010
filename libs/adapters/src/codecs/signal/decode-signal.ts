import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { parseDelimitedSignal } from './delimited-reader';
import { readEdfSignal } from './edf-reader';
import { parseJsonSignal } from './json-reader';
import type { Signal } from './signal';
import type { SignalFormat } from './signal-format';
import { signalText } from './signal-text';
import { readWavSignal } from './wav-reader';

/** Options for decoding a signal. */
export interface DecodeSignalOptions {
  /** Sample rate to assume when the data carries none (CSV without a time column, bare JSON arrays). */
  sampleRateHz?: number;
  /**
   * What the signal may hold (LIMIT_SIGNAL_VALUES), checked from the header or as values are
   * counted, before the samples are stored; default the gateway's defaults.
   */
  limits?: InputLimits;
}

/**
 * Reads a signal from bytes in the given format (see `signalFormatOf`). The data's own sample
 * rate (time column, JSON `sampleRateHz`, EDF/WAV header) wins over `options.sampleRateHz`.
 * Malformed input throws `AdapterError` with code `unprocessable_input`, a signal over the limits
 * `payload_too_large`, before the samples are stored.
 */
export function decodeSignal(data: Buffer, format: SignalFormat, options: DecodeSignalOptions = {}): Signal {
  const signal = decodeFormat(data, format, options);
  const empty = signal.channels.filter((channel) => channel.values.length === 0);
  if (empty.length === signal.channels.length) throw AdapterError.unprocessable('the signal has no samples');
  if (empty.length > 0) throw AdapterError.unprocessable(`channel "${empty[0].name}" has no samples`);
  return signal;
}

function decodeFormat(data: Buffer, format: SignalFormat, options: DecodeSignalOptions): Signal {
  const { sampleRateHz, limits = DEFAULT_INPUT_LIMITS } = options;
  switch (format) {
    case 'edf':
      return readEdfSignal(data, limits);
    case 'wav':
      return readWavSignal(data, limits);
    case 'json':
      return parseJsonSignal(signalText(data, format), { sampleRateHz, limits });
    case 'csv':
    case 'tsv':
      return parseDelimitedSignal(signalText(data, format), { sampleRateHz, limits, tab: format === 'tsv' });
  }
}
