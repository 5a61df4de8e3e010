/** The fundamental frequency of the voiced parts of a recording. */
export interface PitchEstimate {
  /** Share of the analysed frames that are voiced (loud enough and periodic), 0..1. */
  voicedFraction: number;
  medianHz: number;
  /** 10th and 90th percentile of the voiced frames' pitch: the usual range. */
  p10Hz: number;
  p90Hz: number;
}

export interface PitchSettings {
  minHz: number;
  maxHz: number;
  /** Frames quieter than this RMS (linear, full scale 1) are unvoiced. */
  minRms: number;
}

const FRAME_S = 0.04;
const HOP_S = 0.02;
/** YIN's absolute threshold on the cumulative mean normalised difference; 0.1–0.15 in the paper. */
const YIN_THRESHOLD = 0.15;

/**
 * The pitch of one frame by YIN (de Cheveigné & Kawahara, 2002): the first lag whose cumulative
 * mean normalised difference dips under the threshold, refined by parabolic interpolation.
 * `frame` must hold `window + maxLag` samples; undefined when the frame is not periodic.
 */
export function yinPitch(
  frame: Float32Array,
  sampleRateHz: number,
  window: number,
  minLag: number,
  maxLag: number,
): number | undefined {
  const difference = new Float64Array(maxLag + 2);
  for (let lag = 1; lag <= maxLag + 1; lag++) {
    let sum = 0;
    for (let i = 0; i < window; i++) {
      const delta = frame[i] - frame[i + lag];
      sum += delta * delta;
    }
    difference[lag] = sum;
  }
  const normalised = new Float64Array(maxLag + 2);
  normalised[0] = 1;
  let running = 0;
  for (let lag = 1; lag <= maxLag + 1; lag++) {
    running += difference[lag];
    normalised[lag] = running > 0 ? (difference[lag] * lag) / running : 1;
  }
  for (let lag = minLag; lag <= maxLag; lag++) {
    if (normalised[lag] >= YIN_THRESHOLD) continue;
    // The bottom of this dip, not its first sample under the threshold.
    let best = lag;
    while (best + 1 <= maxLag && normalised[best + 1] < normalised[best]) best++;
    const [a, b, c] = [normalised[best - 1], normalised[best], normalised[best + 1]];
    const curvature = a - 2 * b + c;
    const shift = curvature > 0 ? (a - c) / (2 * curvature) : 0;
    return sampleRateHz / (best + shift);
  }
  return undefined;
}

/** YIN over 40 ms frames every 20 ms; `estimate` is absent when no frame is voiced. */
export function estimatePitch(
  samples: Float32Array,
  sampleRateHz: number,
  settings: PitchSettings,
): { estimate?: PitchEstimate; frames: number } {
  const window = Math.round(FRAME_S * sampleRateHz);
  const hop = Math.round(HOP_S * sampleRateHz);
  const minLag = Math.max(2, Math.floor(sampleRateHz / settings.maxHz));
  const maxLag = Math.ceil(sampleRateHz / settings.minHz);
  const span = window + maxLag + 2;
  const pitches: number[] = [];
  let frames = 0;
  for (let start = 0; start + span <= samples.length; start += hop) {
    frames++;
    const frame = samples.subarray(start, start + span);
    if (rms(frame, window) < settings.minRms) continue;
    const hz = yinPitch(frame, sampleRateHz, window, minLag, maxLag);
    if (hz !== undefined && hz >= settings.minHz && hz <= settings.maxHz) pitches.push(hz);
  }
  if (pitches.length === 0) return { frames };
  pitches.sort((a, b) => a - b);
  return {
    frames,
    estimate: {
      voicedFraction: pitches.length / frames,
      medianHz: quantile(pitches, 0.5),
      p10Hz: quantile(pitches, 0.1),
      p90Hz: quantile(pitches, 0.9),
    },
  };
}

function rms(values: Float32Array, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += values[i] * values[i];
  return Math.sqrt(sum / length);
}

/** Linear interpolation between the closest ranks of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}
