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

/** The unit a header states: `MLII_mV` and `ECG (mV)` say mV; `lead_II` says nothing. */
export function unitFromHeader(header: string): string | undefined {
  const trimmed = header.trim();
  const bracketed = bracketedUnit(trimmed);
  if (bracketed !== undefined) return bracketed.trim() || undefined;
  const suffix = suffixUnit(trimmed);
  return suffix !== undefined && KNOWN_UNITS.has(suffix) ? suffix : undefined;
}

/**
 * What a header ending in `(unit)` or `[unit]` holds between them (no brackets of that kind
 * inside, something before them), found by scanning back once rather than by a pattern.
 */
function bracketedUnit(header: string): string | undefined {
  const pair = header.endsWith(')') ? '()' : header.endsWith(']') ? '[]' : undefined;
  if (pair === undefined) return undefined;
  const open = header.lastIndexOf(pair[0], header.length - 2);
  const unit = header.slice(open + 1, -1);
  if (open < 0 || unit === '' || unit.includes(pair[1])) return undefined;
  return header.slice(0, open).trim() === '' ? undefined : unit;
}

/** The part after the last `_` of `name_unit` (one non-underscore before it, no space after it). */
function suffixUnit(header: string): string | undefined {
  const underscore = header.lastIndexOf('_');
  const suffix = header.slice(underscore + 1);
  if (underscore < 1 || header[underscore - 1] === '_' || suffix === '' || /\s/.test(suffix))
    return undefined;
  return suffix;
}
