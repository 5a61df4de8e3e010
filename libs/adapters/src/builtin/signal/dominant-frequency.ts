import FFT from 'fft.js';

/** Longest transform; longer signals average the spectra of consecutive segments (Bartlett). */
export const MAX_FFT_SIZE = 1 << 20;

/** A channel is zero-padded to at most this many times its length, however long the others are. */
export const MAX_ZERO_PADDING = 8;

/** Transform length for a signal of `samples` values: the next power of two, at most MAX_FFT_SIZE. */
export function fftSizeFor(samples: number): number {
  let size = 4;
  while (size < samples && size < MAX_FFT_SIZE) size *= 2;
  return size;
}

/**
 * The strongest non-DC frequency of a channel, in cycles per sample, or null when the channel
 * is constant or too short. The mean is removed, each segment is Hann-windowed and zero-padded
 * to `fftSize`, and the peak bin is refined by a parabola through the log power of its neighbours.
 */
export function dominantFrequency(values: Float32Array, mean: number, fftSize: number): number | null {
  const n = values.length;
  if (n < 4) return null;
  const segment = Math.min(n, fftSize);
  const segments = Math.floor(n / segment);
  const window = hann(segment);
  const fft = new FFT(fftSize);
  const frame = new Float64Array(fftSize);
  const spectrum: number[] = fft.createComplexArray();
  const power = new Float64Array(fftSize / 2 + 1);

  for (let s = 0; s < segments; s++) {
    const offset = s * segment;
    for (let i = 0; i < segment; i++) frame[i] = (values[offset + i] - mean) * window[i];
    fft.realTransform(spectrum, frame);
    for (let k = 0; k <= fftSize / 2; k++) {
      power[k] += spectrum[2 * k] ** 2 + spectrum[2 * k + 1] ** 2;
    }
  }

  let peak = 1;
  for (let k = 2; k <= fftSize / 2; k++) if (power[k] > power[peak]) peak = k;
  // A constant channel is exactly zero once its mean is removed: no frequency to report.
  if (!(power[peak] > 0)) return null;

  let delta = 0;
  if (peak < fftSize / 2 && power[peak - 1] > 0 && power[peak + 1] > 0) {
    const [a, b, c] = [Math.log(power[peak - 1]), Math.log(power[peak]), Math.log(power[peak + 1])];
    const curvature = a - 2 * b + c;
    if (curvature < 0) delta = Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / curvature));
  }
  return (peak + delta) / fftSize;
}

function hann(length: number): Float64Array {
  const window = new Float64Array(length);
  for (let i = 0; i < length; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (length - 1));
  return window;
}
