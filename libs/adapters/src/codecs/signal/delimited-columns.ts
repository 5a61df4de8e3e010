/** Seconds per unit of a time column. */
const TIME_UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  ms: 1e-3,
  msec: 1e-3,
  millis: 1e-3,
  milliseconds: 1e-3,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  usec: 1e-6,
  microseconds: 1e-6,
  ns: 1e-9,
  nanoseconds: 1e-9,
  min: 60,
  minutes: 60,
};

const TIME_COLUMN =
  /^(timestamp|time|seconds|secs?|elapsed(?:[ _-]?time)?|sample[ _-]?time|t)(?:\s*\(([^()]+)\)|\s*\[([^[\]]+)\]|[ _-]([a-zµμ]+))?$/i;

/**
 * Seconds per unit of the time column this header names (`t`, `time`, `time_s`, `Time (ms)`,
 * `timestamp`, `seconds`, `elapsed_ms`, ...), or undefined when it names no time column.
 * A time header without a unit is in seconds.
 */
export function timeColumnScale(header: string): number | undefined {
  const match = TIME_COLUMN.exec(header.trim());
  if (!match) return undefined;
  const [, base, parenthesised, bracketed, suffix] = match;
  const unit = parenthesised ?? bracketed ?? suffix;
  if (unit === undefined) return 1;
  const scale = TIME_UNITS[unit.trim().toLowerCase()];
  // `seconds_ms` or `t_x` is not a time column with a unit we know.
  if (scale === undefined || /^(seconds|secs?)$/i.test(base)) return undefined;
  return scale;
}

/** Units recognised as a bare `_suffix` of a header; a bracketed unit is taken as written. */
const KNOWN_UNITS = new Set([
  ...['V', 'mV', 'uV', 'µV', 'μV', 'nV', 'A', 'mA', 'uA', 'µA', 'W', 'mW', 'ohm', 'kohm'],
  ...['Hz', 'kHz', 'bpm', 'rpm', 's', 'ms', 'us'],
  ...['g', 'mg', 'm', 'mm', 'cm', 'km', 'mps', 'mps2', 'ms2', 'rad', 'rads', 'deg', 'dps'],
  ...['degC', 'degF', 'C', 'F', 'K', 'Pa', 'kPa', 'hPa', 'mmHg', 'bar', 'psi', 'N', 'Nm'],
  ...['T', 'mT', 'uT', 'µT', 'lux', 'lx', 'ppm', 'ppb', 'dB', 'dBm', 'pct', 'percent'],
]);

const BRACKETED_UNIT = /^.*?\S\s*(?:\(([^()]+)\)|\[([^[\]]+)\])$/;
const SUFFIX_UNIT = /^.*[^_]_([^_\s]+)$/;

/** The unit a header states: `MLII_mV` and `ECG (mV)` say mV; `lead_II` says nothing. */
export function unitFromHeader(header: string): string | undefined {
  const trimmed = header.trim();
  const bracketed = BRACKETED_UNIT.exec(trimmed);
  if (bracketed) return (bracketed[1] ?? bracketed[2]).trim() || undefined;
  const suffix = SUFFIX_UNIT.exec(trimmed)?.[1];
  return suffix !== undefined && KNOWN_UNITS.has(suffix) ? suffix : undefined;
}
