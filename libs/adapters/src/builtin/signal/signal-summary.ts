import type { Signal } from './signal';
import { dominantFrequency, fftSizeFor } from './dominant-frequency';

/** Statistics of one channel; frequencies are null when unknown (no sample rate) or undefined (constant). */
export interface ChannelSummary {
  name: string;
  unit?: string;
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
  samples: number;
  sampleRateHz: number | null;
  durationS: number | null;
  /** Points of the transform the dominant frequencies come from. */
  fftSize: number;
  /** Spacing of the transform's bins in Hz; null without a sample rate. */
  binSpacingHz: number | null;
  channels: ChannelSummary[];
}

export function summarizeSignal(signal: Signal): SignalSummary {
  const samples = signal.channels[0]?.values.length ?? 0;
  const rate = signal.sampleRateHz ?? null;
  const fftSize = fftSizeFor(samples);
  return {
    samples,
    sampleRateHz: rate,
    durationS: rate === null ? null : samples / rate,
    fftSize,
    binSpacingHz: rate === null ? null : rate / fftSize,
    channels: signal.channels.map(({ name, unit, values }) => {
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
      const cycles = dominantFrequency(values, mean, fftSize);
      return {
        name,
        ...(unit === undefined ? {} : { unit }),
        min: single(min),
        max: single(max),
        mean: single(mean),
        rms: single(Math.sqrt(sumSquares / values.length)),
        dominantFrequencyHz: cycles === null || rate === null ? null : cycles * rate,
        dominantCyclesPerSample: cycles,
      };
    }),
  };
}

/** The summary as plain text for people and for text models downstream. */
export function formatSignalSummary(summary: SignalSummary): string {
  const { samples, sampleRateHz: rate, channels } = summary;
  const lines = [
    `Signal: ${channels.length} ${channels.length === 1 ? 'channel' : 'channels'}, ${samples} samples` +
      (rate === null
        ? ', sample rate unknown (give the sampleRateHz option or a time column)'
        : ` at ${num(rate, 6)} Hz (${num(samples / rate, 6)} s)`),
    `Channels: ${channels.map((c) => (c.unit ? `${c.name} (${c.unit})` : c.name)).join(', ')}`,
    `Spectrum: ${summary.fftSize}-point FFT, ` +
      (summary.binSpacingHz === null
        ? `bin spacing ${num(1 / summary.fftSize)} cycles/sample`
        : `bin spacing ${num(summary.binSpacingHz)} Hz`),
    '',
    ...channels.map((c) => {
      const unit = c.unit ? ` ${c.unit}` : '';
      const dominant =
        c.dominantCyclesPerSample === null
          ? 'none (constant)'
          : c.dominantFrequencyHz === null
            ? `${num(c.dominantCyclesPerSample)} cycles/sample`
            : `${num(c.dominantFrequencyHz)} Hz`;
      return (
        `${c.name}: min ${num(c.min)}${unit}, max ${num(c.max)}${unit}, mean ${num(c.mean)}${unit}, ` +
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
