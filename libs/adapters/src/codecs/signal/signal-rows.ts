import { AdapterError } from '../../sdk/adapter-error';
import { channelSampleRate, type Signal } from './signal';

/** A signal's channels as rows of one sample each: their common length and rate. */
export interface SignalRows {
  samples: number;
  sampleRateHz?: number;
}

/**
 * The common length and sample rate of a signal's channels, for formats that store one row (or
 * frame) per sample time; channels at different rates or of different lengths are refused.
 */
export function signalRows(signal: Signal, format: string): SignalRows {
  if (signal.channels.length === 0) throw AdapterError.unprocessable('the signal has no channels');
  const [first] = signal.channels;
  const sampleRateHz = channelSampleRate(signal, first);
  for (const channel of signal.channels) {
    if (channelSampleRate(signal, channel) !== sampleRateHz) {
      throw AdapterError.unprocessable(
        `${format} holds channels of one sample rate; "${first.name}" is at ${sampleRateHz ?? 'an unknown rate'}, ` +
          `"${channel.name}" at ${channelSampleRate(signal, channel) ?? 'an unknown rate'} (write JSON instead)`,
      );
    }
    if (channel.values.length !== first.values.length) {
      throw AdapterError.unprocessable(
        `${format} holds channels of one length; "${first.name}" has ${first.values.length} samples, ` +
          `"${channel.name}" has ${channel.values.length}`,
      );
    }
  }
  return { samples: first.values.length, ...(sampleRateHz === undefined ? {} : { sampleRateHz }) };
}
