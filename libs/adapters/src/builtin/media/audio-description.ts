import type { PitchEstimate } from './pitch';

/** EBU R128 loudness, as ffmpeg's `ebur128` filter sums it up; null where it says `-inf` (digital silence). */
export interface Loudness {
  integratedLufs: number | null;
  rangeLu: number | null;
  truePeakDbfs: number | null;
}

export interface SilenceSegment {
  startS: number;
  endS: number;
}

/** What `describe` reports about a recording. */
export interface AudioDescription {
  /** Seconds of audio described (after `start`/`duration`). */
  durationS: number;
  container: string;
  codec?: string;
  sampleRateHz?: number;
  channels?: number;
  loudness: Loudness;
  silence: {
    thresholdDb: number;
    minDurationS: number;
    segments: SilenceSegment[];
    /** Share of the duration in the segments, 0..1. */
    silentFraction: number;
  };
  /** Absent when no part of the recording is voiced. */
  pitch?: PitchEstimate & { analysedS: number };
}

/**
 * The loudness from the `ebur128` summary ffmpeg logs at the end of a run. Only the text after
 * the filter's own "Summary:" line is read, so tags of the input that ffmpeg echoes earlier in the
 * log cannot pose as a measurement. Undefined when the log holds no summary.
 */
export function parseLoudness(log: string): Loudness | undefined {
  // Bounded runs, within a line: the log echoes the input's tags, so no pattern here may backtrack far.
  const marker = /\[Parsed_ebur128_\d+ @ [^\]\n]{1,64}\] Summary:/g;
  let summaryAt = -1;
  for (const match of log.matchAll(marker)) summaryAt = match.index;
  if (summaryAt < 0) return undefined;
  const summary = log.slice(summaryAt);
  const value = (pattern: RegExp): number | null => {
    const parsed = Number(pattern.exec(summary)?.[1]);
    return Number.isFinite(parsed) ? parsed : null;
  };
  return {
    integratedLufs: value(/^[ \t]*I:[ \t]+(\S+) LUFS/m),
    rangeLu: value(/^[ \t]*LRA:[ \t]+(\S+) LU$/m),
    truePeakDbfs: value(/^[ \t]*Peak:[ \t]+(\S+) dBFS/m),
  };
}

/**
 * The silent spans `silencedetect` logged, clamped to [0, durationS]; a silence still open at
 * the end of the input (no `silence_end`) ends with it.
 */
export function parseSilence(log: string, durationS: number): SilenceSegment[] {
  const segments: SilenceSegment[] = [];
  let openAt: number | undefined;
  const clamp = (seconds: number) => Math.min(durationS, Math.max(0, seconds));
  for (const match of log.matchAll(
    /^\[silencedetect @ [^\]\n]{1,64}\] silence_(start|end): (-?[\d.e+-]+)/gm,
  )) {
    const seconds = clamp(Number(match[2]));
    if (match[1] === 'start') openAt = seconds;
    else if (openAt !== undefined) {
      segments.push({ startS: openAt, endS: seconds });
      openAt = undefined;
    }
  }
  if (openAt !== undefined && openAt < durationS) segments.push({ startS: openAt, endS: durationS });
  return segments;
}

export function silentFraction(segments: readonly SilenceSegment[], durationS: number): number {
  if (durationS <= 0) return 0;
  const silent = segments.reduce((sum, segment) => sum + segment.endS - segment.startS, 0);
  return Math.min(1, silent / durationS);
}

/** Segments listed in the text form; the JSON form has them all. */
const MAX_LISTED_SEGMENTS = 20;

const num = (value: number): string => String(Number(value.toPrecision(4)));
const seconds = (value: number): string => String(Number(value.toFixed(2)));
const percent = (fraction: number): string => `${Math.round(fraction * 100)} %`;
const level = (value: number | null, unit: string): string =>
  value === null ? `-inf ${unit}` : `${value} ${unit}`;

/** The description as plain text, one fact a line. */
export function formatAudioDescription(description: AudioDescription): string {
  const { loudness, silence, pitch } = description;
  const stream = [
    description.codec ? `${description.container} (${description.codec})` : description.container,
    description.sampleRateHz !== undefined ? `${description.sampleRateHz} Hz` : undefined,
    description.channels !== undefined
      ? `${description.channels} channel${description.channels === 1 ? '' : 's'}`
      : undefined,
  ].filter((part) => part !== undefined);
  const lines = [`audio: ${seconds(description.durationS)} s, ${stream.join(', ')}`];
  lines.push(
    `loudness: ${level(loudness.integratedLufs, 'LUFS')} integrated, range ${level(loudness.rangeLu, 'LU')}, true peak ${level(loudness.truePeakDbfs, 'dBFS')}`,
  );
  const spans = silence.segments
    .slice(0, MAX_LISTED_SEGMENTS)
    .map((segment) => `${seconds(segment.startS)}-${seconds(segment.endS)} s`);
  if (silence.segments.length > MAX_LISTED_SEGMENTS) {
    spans.push(`and ${silence.segments.length - MAX_LISTED_SEGMENTS} more`);
  }
  lines.push(
    `silence (under ${silence.thresholdDb} dB for ${silence.minDurationS} s or more): ${percent(silence.silentFraction)}` +
      (spans.length > 0 ? ` in ${silence.segments.length}: ${spans.join(', ')}` : ''),
  );
  lines.push(
    pitch
      ? `pitch: median ${num(pitch.medianHz)} Hz, ${num(pitch.p10Hz)}-${num(pitch.p90Hz)} Hz (10th-90th percentile), voiced ${percent(pitch.voicedFraction)} of ${seconds(pitch.analysedS)} s`
      : 'pitch: none (no voiced part)',
  );
  return `${lines.join('\n')}\n`;
}
