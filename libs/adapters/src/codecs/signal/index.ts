export { decodeSignal, type DecodeSignalOptions } from './decode-signal';
export { encodeSignal, type EncodeSignalOptions } from './encode-signal';
export { probeSignal } from './probe-signal';
export { channelSampleRate, type Signal, type SignalChannel } from './signal';
export {
  signalFormatOf,
  sniffSignalFormat,
  type SignalFormat,
  type WritableSignalFormat,
} from './signal-format';
export type { SignalProbe, SignalProbeChannel } from './signal-probe';
export { selectChannels } from './select-channels';
