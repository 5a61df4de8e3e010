import { channelSampleRate, type Signal } from './signal';
import type { SignalFormat } from './signal-format';

/** A channel as a probe sees it. */
export interface SignalProbeChannel {
  name: string;
  unit?: string;
  /** Set only when the channels of the signal are sampled at different rates. */
  sampleRateHz?: number;
}

/** What can be said about a signal from the start of its bytes, without decoding it all. */
export interface SignalProbe {
  format: SignalFormat;
  channels: SignalProbeChannel[];
  /** True when the sample ended before the list of channels did (a cut-off JSON document). */
  channelsIncomplete?: boolean;
  /** Shared by every channel; absent when unknown or when channels differ. */
  sampleRateHz?: number;
  /** Samples per channel; absent when unknown or when channels differ in rate. */
  samples?: number;
  /** True when `samples` (and `durationS`) are estimated from the bytes per row of a partial sample. */
  samplesEstimated?: boolean;
  durationS?: number;
  startTime?: string;
}

/** The probe of a signal that was decoded whole (text formats whose whole file fits in the sample). */
export function probeOfSignal(signal: Signal, format: SignalFormat): SignalProbe {
  const channels = signal.channels.map(({ name, unit, sampleRateHz }) => ({
    name,
    ...(unit === undefined ? {} : { unit }),
    ...(sampleRateHz === undefined ? {} : { sampleRateHz }),
  }));
  const uniform = signal.channels.every(
    (channel) =>
      channel.sampleRateHz === undefined && channel.values.length === signal.channels[0].values.length,
  );
  let durationS: number | undefined = 0;
  for (const channel of signal.channels) {
    const rate = channelSampleRate(signal, channel);
    durationS =
      rate === undefined || durationS === undefined
        ? undefined
        : Math.max(durationS, channel.values.length / rate);
  }
  return {
    format,
    channels,
    ...(signal.sampleRateHz === undefined ? {} : { sampleRateHz: signal.sampleRateHz }),
    ...(uniform ? { samples: signal.channels[0].values.length } : {}),
    ...(durationS === undefined ? {} : { durationS: roundDuration(durationS) }),
    ...(signal.startTime === undefined ? {} : { startTime: signal.startTime }),
  };
}

/** A duration without float noise (`0.30000000000000004` is 0.3). */
export function roundDuration(seconds: number): number {
  return Number(seconds.toPrecision(12));
}

/**
 * The size of the whole file as far as it is known: undefined when the caller does not know it
 * (Number.MAX_SAFE_INTEGER or anything that is not a size), and never less than the sample.
 */
export function knownSize(sample: Buffer, totalBytes: number): number | undefined {
  if (!Number.isSafeInteger(totalBytes) || totalBytes < 0 || totalBytes === Number.MAX_SAFE_INTEGER) {
    return undefined;
  }
  return Math.max(totalBytes, sample.length);
}
