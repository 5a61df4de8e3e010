import { describe, expect, it } from 'vitest';
import { timeColumnScale, unitFromHeader } from './delimited-columns';

describe('signal column headers', () => {
  it.each([
    ['t', 1],
    ['time', 1],
    ['Time', 1],
    ['time_s', 1],
    ['time (s)', 1],
    ['Time [ms]', 1e-3],
    ['time_ms', 1e-3],
    ['timestamp', 1],
    ['seconds', 1],
    ['elapsed', 1],
    ['elapsed_ms', 1e-3],
    ['elapsed_time_us', 1e-6],
    ['sample time', 1],
    ['time_min', 60],
  ])('%s is a time column (x %s s)', (header, scale) => {
    expect(timeColumnScale(header)).toBe(scale);
  });

  it.each(['temp', 'times_x', 'MLII_mV', 'tx', 'time_foo', 'seconds_ms', 'ecg'])(
    '%s is not a time column',
    (header) => {
      expect(timeColumnScale(header)).toBeUndefined();
    },
  );

  it.each([
    ['MLII_mV', 'mV'],
    ['V5_mV', 'mV'],
    ['ECG (mV)', 'mV'],
    ['accel [m/s^2]', 'm/s^2'],
    ['temp_degC', 'degC'],
    ['lead_II', undefined],
    ['accel_x', undefined],
    ['mV', undefined],
    ['_mV', undefined],
  ])('%s has unit %s', (header, unit) => {
    expect(unitFromHeader(header)).toBe(unit);
  });
});
