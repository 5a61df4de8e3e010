import { AdapterError } from '../../sdk/adapter-error';
import { checkInputLimit, type InputLimits } from '../../sdk/input-limits';

/**
 * The most channels one signal may have: WAV holds at most 65,535 and EDF 9,999, and the widest
 * electrode arrays in use are well under it. Text formats could otherwise declare millions of
 * one-sample channels, each an object of its own, within a few megabytes.
 */
export const MAX_SIGNAL_CHANNELS = 65_536;

/**
 * Refuses more than MAX_SIGNAL_CHANNELS channels as `unprocessable_input` (a fixed bound of the
 * reader, not a configured limit). Readers call it as they count, so they stop at the first one over.
 */
export function checkChannelCount(channels: number): void {
  if (channels > MAX_SIGNAL_CHANNELS) {
    throw new AdapterError(
      'unprocessable_input',
      `the signal has more than ${MAX_SIGNAL_CHANNELS} channels, the most a signal may have`,
      { details: { maxChannels: MAX_SIGNAL_CHANNELS } },
    );
  }
}

/** Refuses a signal of more values (samples × channels, declared or counted) than LIMIT_SIGNAL_VALUES. */
export function checkSignalValues(limits: InputLimits, values: number): void {
  checkInputLimit(limits, 'signalValues', 'signal samples × channels', values);
}
