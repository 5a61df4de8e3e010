import { finiteRange, meanAndStd } from './signal-dsp';

/** The audio rate `sonify` writes. */
export const SONIFY_RATE_HZ = 8000;

/** Writes mono 16-bit PCM WAV (format 1, the most widely read) from samples in [−1, 1]. */
export function pcm16Wav(samples: Float32Array, sampleRateHz: number): Buffer {
  const dataBytes = samples.length * 2;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRateHz, 24);
  wav.writeUInt32LE(sampleRateHz * 2, 28); // byte rate
  wav.writeUInt16LE(2, 32); // block align
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) {
    const v = Number.isFinite(samples[i]) ? Math.max(-1, Math.min(1, samples[i])) : 0;
    wav.writeInt16LE(Math.round(v * 32767), 44 + 2 * i);
  }
  return wav;
}

/**
 * `samples` mode: the channel itself, one value per audio sample, mean removed and scaled so the
 * largest magnitude is 0.9 (a constant channel is silence).
 */
export function directSamples(values: Float32Array): Float32Array {
  const { mean } = meanAndStd(values);
  let peak = 0;
  for (const v of values) if (Number.isFinite(v)) peak = Math.max(peak, Math.abs(v - mean));
  const out = new Float32Array(values.length);
  if (peak === 0) return out;
  for (let i = 0; i < values.length; i++)
    out[i] = Number.isFinite(values[i]) ? ((values[i] - mean) / peak) * 0.9 : 0;
  return out;
}

/**
 * `tone` mode: a sine whose pitch follows the channel, from `lowHz` at its minimum to `highHz`
 * at its maximum, lasting `durationS` (each audio sample reads the channel by linear
 * interpolation at the same relative time). The phase is accumulated, so the pitch glides without
 * clicks; amplitude 0.5 with 10 ms fades at both ends.
 */
export function toneSamples(
  values: Float32Array,
  durationS: number,
  lowHz: number,
  highHz: number,
  rateHz = SONIFY_RATE_HZ,
): Float32Array {
  const length = Math.max(1, Math.round(durationS * rateHz));
  const { min, max } = finiteRange(values);
  const span = max - min;
  const out = new Float32Array(length);
  const fade = Math.min(Math.round(0.01 * rateHz), Math.floor(length / 2));
  let phase = 0;
  for (let j = 0; j < length; j++) {
    const position = values.length <= 1 ? 0 : (j / Math.max(1, length - 1)) * (values.length - 1);
    const i = Math.min(Math.floor(position), Math.max(0, values.length - 1));
    const next = Math.min(i + 1, values.length - 1);
    const raw = values.length === 0 ? min : values[i] + (values[next] - values[i]) * (position - i);
    const level = span > 0 && Number.isFinite(raw) ? (raw - min) / span : 0.5;
    phase += (2 * Math.PI * (lowHz + (highHz - lowHz) * level)) / rateHz;
    const envelope = fade > 0 ? Math.min(1, j / fade, (length - 1 - j) / fade) : 1;
    out[j] = 0.5 * envelope * Math.sin(phase);
  }
  return out;
}
