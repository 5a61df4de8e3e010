import { AdapterError } from './adapter-error';

/**
 * What one input may hold: the gateway's `LIMIT_*` variables. Detection checks an input's
 * declared sizes against them before a job is queued; decoders check them again, from the
 * header numbers and from the bytes actually present, before they allocate (a header may lie,
 * and an input may also come from another hop or a remote adapter).
 */
export interface InputLimits {
  /** Pixels of one image frame (width × height). */
  imagePixels: number;
  /** Seconds of audio or video. */
  mediaDurationS: number;
  /** Values of one signal (samples × channels). */
  signalValues: number;
  /** Points of one point cloud. */
  points: number;
  /** Characters (UTF-16 code units) of one text. */
  textChars: number;
}

/** The environment variable that sets each limit, named in every refusal. */
export const INPUT_LIMIT_VARIABLES: Readonly<Record<keyof InputLimits, string>> = {
  imagePixels: 'LIMIT_IMAGE_PIXELS',
  mediaDurationS: 'LIMIT_MEDIA_DURATION_S',
  signalValues: 'LIMIT_SIGNAL_VALUES',
  points: 'LIMIT_POINTS',
  textChars: 'LIMIT_TEXT_CHARS',
};

/** The gateway's defaults (README, Configuration). */
export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = {
  imagePixels: 100_000_000,
  mediaDurationS: 3 * 3600,
  signalValues: 50_000_000,
  points: 20_000_000,
  textChars: 10_000_000,
};

/**
 * 413 `payload_too_large` for an input whose (declared or counted) size is over a limit:
 * `what` says what was counted ("point count", "signal samples × channels").
 */
export function overInputLimit(
  limits: InputLimits,
  limit: keyof InputLimits,
  what: string,
  actual: number,
): AdapterError {
  const variable = INPUT_LIMIT_VARIABLES[limit];
  const max = limits[limit];
  return new AdapterError('payload_too_large', `${what} ${actual} is over ${variable}=${max}`, {
    details: { limit: variable, max, actual },
  });
}

/** Throws `overInputLimit` when `actual` is over the limit; `actual` may be a declared number. */
export function checkInputLimit(
  limits: InputLimits,
  limit: keyof InputLimits,
  what: string,
  actual: number,
): void {
  if (actual > limits[limit]) throw overInputLimit(limits, limit, what, actual);
}
