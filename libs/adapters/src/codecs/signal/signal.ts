/** One channel of a signal: its samples, in order. */
export interface SignalChannel {
  name: string;
  /** Physical unit when the source says it (`mV`, `g`, ...). */
  unit?: string;
  /**
   * This channel's own sample rate, set only when the channels of a signal are sampled at
   * different rates (EDF allows it); otherwise the signal's `sampleRateHz` applies.
   */
  sampleRateHz?: number;
  values: Float32Array;
}

/**
 * The canonical in-memory form of the `signal` modality. Channels have equal length unless
 * they carry their own `sampleRateHz`, in which case they cover the same time at their own rates.
 */
export interface Signal {
  /** Shared by every channel; unknown when neither the source nor the caller gives it. */
  sampleRateHz?: number;
  /** Start of the recording as an ISO 8601 local date-time without zone, when the source says it. */
  startTime?: string;
  channels: SignalChannel[];
}

/** The sample rate of one channel: its own, else the signal's. */
export function channelSampleRate(signal: Signal, channel: SignalChannel): number | undefined {
  return channel.sampleRateHz ?? signal.sampleRateHz;
}
