/** One channel of a signal: its samples, in order, at the signal's sample rate. */
export interface SignalChannel {
  name: string;
  /** Physical unit when the source says it (`mV`, `g`, ...). */
  unit?: string;
  values: Float32Array;
}

/** The canonical in-memory form of the `signal` modality: channels of equal length. */
export interface Signal {
  /** Unknown when neither the source nor the caller gives it. */
  sampleRateHz?: number;
  channels: SignalChannel[];
}
