/**
 * Small, dependency-free signal processing for `builtin.signal-tools`: linear resampling,
 * Butterworth biquad filters run forward and backward (zero phase), normalisation and delay
 * embedding. Every function returns new arrays and leaves its input alone.
 */

/** The length a channel of `length` samples at `fromHz` has at `toHz`: the same duration, rounded. */
export function resampledLength(length: number, fromHz: number, toHz: number): number {
  if (length === 0) return 0;
  return Math.max(1, Math.round((length * toHz) / fromHz));
}

/**
 * Resamples by linear interpolation: output sample j is at time j / toHz, read between the two
 * input samples around it (the last input sample is held past the end). No anti-aliasing is done
 * here; low-pass first when the rate goes down.
 */
export function resampleLinear(values: Float32Array, fromHz: number, toHz: number): Float32Array {
  const length = resampledLength(values.length, fromHz, toHz);
  const out = new Float32Array(length);
  const last = values.length - 1;
  const step = fromHz / toHz;
  for (let j = 0; j < length; j++) {
    const position = j * step;
    const i = Math.floor(position);
    if (i >= last) {
      out[j] = values[last];
      continue;
    }
    const fraction = position - i;
    out[j] = values[i] + (values[i + 1] - values[i]) * fraction;
  }
  return out;
}

/** Coefficients of a direct-form-I biquad, normalised so that a0 = 1. */
interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
  /** Output of a constant input of 1 once settled (1 for low-pass, 0 for high-pass). */
  dcGain: number;
}

/** A second-order Butterworth (Q = 1/√2) low- or high-pass section, from the Audio EQ Cookbook. */
export function butterworthBiquad(
  kind: 'lowpass' | 'highpass',
  cutoffHz: number,
  sampleRateHz: number,
): Biquad {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRateHz;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
  const a0 = 1 + alpha;
  const b1 = kind === 'lowpass' ? 1 - cos : -(1 + cos);
  const b0 = kind === 'lowpass' ? (1 - cos) / 2 : (1 + cos) / 2;
  return {
    b0: b0 / a0,
    b1: b1 / a0,
    b2: b0 / a0,
    a1: (-2 * cos) / a0,
    a2: (1 - alpha) / a0,
    dcGain: kind === 'lowpass' ? 1 : 0,
  };
}

/** One causal pass, its state started as if the first sample had always been there (no start-up transient). */
function biquadPass(values: Float64Array, q: Biquad): Float64Array {
  const out = new Float64Array(values.length);
  if (values.length === 0) return out;
  let x1 = values[0];
  let x2 = values[0];
  let y1 = values[0] * q.dcGain;
  let y2 = y1;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const y = q.b0 * x + q.b1 * x1 + q.b2 * x2 - q.a1 * y1 - q.a2 * y2;
    out[i] = y;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
  }
  return out;
}

/**
 * Filters with a Butterworth biquad run forward then backward (as scipy's `filtfilt`): zero phase,
 * and the magnitude response squared, so the cutoff is where the gain is −6 dB (12 dB/octave each way).
 */
export function filterZeroPhase(
  values: Float32Array,
  kind: 'lowpass' | 'highpass',
  cutoffHz: number,
  sampleRateHz: number,
): Float32Array {
  const q = butterworthBiquad(kind, cutoffHz, sampleRateHz);
  const forward = biquadPass(Float64Array.from(values), q).reverse();
  const backward = biquadPass(forward, q).reverse();
  return Float32Array.from(backward);
}

/** The mean and population standard deviation of the finite values. */
export function meanAndStd(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  const mean = count === 0 ? 0 : sum / count;
  let squares = 0;
  for (const v of values) if (Number.isFinite(v)) squares += (v - mean) ** 2;
  return { mean, std: count === 0 ? 0 : Math.sqrt(squares / count) };
}

/** The smallest and largest finite values (both 0 when there are none). */
export function finiteRange(values: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min > max ? { min: 0, max: 0 } : { min, max };
}

/**
 * `zscore`: (x − mean) / std; `minmax`: (x − min) / (max − min), into [0, 1]. A constant
 * channel becomes zeros (`constant` is then true) since neither scale exists.
 */
export function normalize(
  values: Float32Array,
  method: 'zscore' | 'minmax',
): { values: Float32Array; constant: boolean } {
  const out = new Float32Array(values.length);
  if (method === 'zscore') {
    const { mean, std } = meanAndStd(values);
    if (std === 0) return { values: out, constant: true };
    for (let i = 0; i < values.length; i++) out[i] = (values[i] - mean) / std;
    return { values: out, constant: false };
  }
  const { min, max } = finiteRange(values);
  if (max === min) return { values: out, constant: true };
  for (let i = 0; i < values.length; i++) out[i] = (values[i] - min) / (max - min);
  return { values: out, constant: false };
}

/** Points (x(t), x(t+τ), x(t+2τ)) for every t with t + 2τ inside the channel: n − 2τ points (none if fewer). */
export function delayEmbedding(
  values: Float32Array,
  delay: number,
): { x: Float32Array; y: Float32Array; z: Float32Array } {
  const count = Math.max(0, values.length - 2 * delay);
  const x = values.slice(0, count);
  const y = values.slice(delay, delay + count);
  const z = values.slice(2 * delay, 2 * delay + count);
  return { x, y, z };
}
