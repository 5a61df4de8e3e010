import { channelSampleRate, type Signal } from '../../codecs/signal';
import { dominantFrequency, fftSizeFor, MAX_ZERO_PADDING } from './dominant-frequency';

/** Statistics of one channel; frequencies are null when unknown (no sample rate) or undefined (constant). */
export interface ChannelSummary {
  name: string;
  unit?: string;
  /** Set only when the channels differ in rate or length: this channel's own samples. */
  samples?: number;
  /** Set only when the channels differ in rate or length: this channel's own rate. */
  sampleRateHz?: number;
  min: number;
  max: number;
  mean: number;
  rms: number;
  /** The strongest non-DC frequency in Hz; null without a sample rate or for a constant channel. */
  dominantFrequencyHz: number | null;
  /** The same frequency in cycles per sample, known even without a sample rate. */
  dominantCyclesPerSample: number | null;
}

/** What `builtin.signal` says about a signal; the JSON output is this object. */
export interface SignalSummary {
  /** Samples per channel; when channels differ, the most any channel has. */
  samples: number;
  /** Null when unknown, or when channels differ in rate (each channel then gives its own). */
  sampleRateHz: number | null;
  /** The longest channel's duration; null when a rate is unknown. */
  durationS: number | null;
  /**
   * Points of the transform the dominant frequencies come from (a channel much shorter than the
   * longest is padded to at most MAX_ZERO_PADDING times its length instead).
   */
  fftSize: number;
  /** Spacing of the transform's bins in Hz; null without a shared sample rate. */
  binSpacingHz: number | null;
  channels: ChannelSummary[];
}

/** Statistics and dominant frequency of every channel, each at its own rate. */
export function summarizeSignal(signal: Signal): SignalSummary {
  const rates = signal.channels.map((channel) => channelSampleRate(signal, channel));
  const lengths = signal.channels.map((channel) => channel.values.length);
  const mixed = rates.some((rate, i) => rate !== rates[0] || lengths[i] !== lengths[0]);
  let samples = 0;
  let durationS: number | null = 0;
  lengths.forEach((length, i) => {
    const channelRate = rates[i];
    samples = Math.max(samples, length);
    durationS =
      channelRate === undefined || durationS === null ? null : Math.max(durationS, length / channelRate);
  });
  const rate = mixed ? null : (rates[0] ?? null);
  const fftSize = fftSizeFor(samples);
  return {
    samples,
    sampleRateHz: rate,
    durationS,
    fftSize,
    binSpacingHz: rate === null ? null : rate / fftSize,
    channels: signal.channels.map(({ name, unit, values }, c) => {
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      let sumSquares = 0;
      for (const value of values) {
        if (value < min) min = value;
        if (value > max) max = value;
        sum += value;
        sumSquares += value * value;
      }
      const mean = sum / values.length;
      // Bounds the work of many short channels beside a long one: each costs about its own length.
      const cycles = dominantFrequency(
        values,
        mean,
        Math.min(fftSize, fftSizeFor(values.length * MAX_ZERO_PADDING)),
      );
      const channelRate = rates[c];
      return {
        name,
        ...(unit === undefined ? {} : { unit }),
        ...(mixed ? { samples: values.length } : {}),
        ...(mixed && channelRate !== undefined ? { sampleRateHz: channelRate } : {}),
        min: single(min),
        max: single(max),
        mean: single(mean),
        rms: single(Math.sqrt(sumSquares / values.length)),
        dominantFrequencyHz: cycles === null || channelRate === undefined ? null : cycles * channelRate,
        dominantCyclesPerSample: cycles,
      };
    }),
  };
}

/** The summary as plain text for people and for text models downstream. */
export function formatSignalSummary(summary: SignalSummary): string {
  const { samples, sampleRateHz: rate, durationS, channels } = summary;
  const mixed = channels.some((c) => c.samples !== undefined);
  const count = `${channels.length} ${channels.length === 1 ? 'channel' : 'channels'}`;
  const lines = [
    mixed
      ? `Signal: ${count} at different sample rates` + (durationS === null ? '' : ` (${num(durationS, 6)} s)`)
      : `Signal: ${count}, ${samples} samples` +
        (rate === null
          ? ', sample rate unknown (give the sampleRateHz option or a time column)'
          : ` at ${num(rate, 6)} Hz (${num(samples / rate, 6)} s)`),
    `Channels: ${channels.map((c) => (c.unit ? `${c.name} (${c.unit})` : c.name)).join(', ')}`,
    `Spectrum: ${summary.fftSize}-point FFT, ` +
      (summary.binSpacingHz !== null
        ? `bin spacing ${num(summary.binSpacingHz)} Hz`
        : mixed
          ? `bin spacing ${num(1 / summary.fftSize)} of each channel's rate`
          : `bin spacing ${num(1 / summary.fftSize)} cycles/sample`),
    '',
    ...channels.map((c) => {
      const unit = c.unit ? ` ${c.unit}` : '';
      const dominant =
        c.dominantCyclesPerSample === null
          ? 'none (constant)'
          : c.dominantFrequencyHz === null
            ? `${num(c.dominantCyclesPerSample)} cycles/sample`
            : `${num(c.dominantFrequencyHz)} Hz`;
      const own =
        c.samples === undefined
          ? ''
          : ` (${c.samples} samples${c.sampleRateHz === undefined ? '' : ` at ${num(c.sampleRateHz, 6)} Hz`})`;
      return (
        `${c.name}${own}: min ${num(c.min)}${unit}, max ${num(c.max)}${unit}, mean ${num(c.mean)}${unit}, ` +
        `RMS ${num(c.rms)}${unit}, dominant frequency ${dominant}`
      );
    }),
  ];
  return `${lines.join('\n')}\n`;
}

/** Samples are float32: digits past its precision (about 7) would only show rounding noise. */
function single(value: number): number {
  return Number(value.toPrecision(7));
}

function num(value: number, digits = 4): string {
  return String(Number(value.toPrecision(digits)));
}
