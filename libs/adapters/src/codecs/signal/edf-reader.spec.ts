import { describe, expect, it } from 'vitest';
import { fixture, manifest } from '../../../../../test/fixtures';
import { dominantFrequency, fftSizeFor } from '../../builtin/signal/dominant-frequency';
import { AdapterError } from '../../sdk/adapter-error';
import { decodeSignal } from './decode-signal';
import type { SignalChannel } from './signal';
import { edfFile, type EdfTestSignal } from './test-files';

const edf = fixture('signal/edf-test-generator.edf');
const edfEntry = manifest().find((entry) => entry.path === 'signal/edf-test-generator.edf');

function decodeError(data: Buffer): AdapterError {
  try {
    decodeSignal(data, 'edf');
  } catch (error) {
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).code).toBe('unprocessable_input');
    return error as AdapterError;
  }
  throw new Error('expected decodeSignal to fail');
}

function dominantHz(channel: SignalChannel, rateHz: number): number {
  const { values } = channel;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return (dominantFrequency(values, mean, fftSizeFor(values.length)) ?? NaN) * rateHz;
}

describe('decodeSignal: EDF fixture', () => {
  const signal = decodeSignal(edf, 'edf');

  it('reads the 11 signal channels with the manifest labels at 200 Hz for 600 s, skipping annotations', () => {
    expect(signal.channels.map((c) => c.name)).toEqual(edfEntry?.labels);
    expect(signal.sampleRateHz).toBe(edfEntry?.sample_rate_hz);
    for (const channel of signal.channels) {
      expect(channel.values.length).toBe(200 * 600);
      expect(channel.sampleRateHz).toBeUndefined();
    }
    expect(signal.startTime).toBe('2009-12-10T12:44:02');
  });

  it('takes the physical units from the header', () => {
    expect(signal.channels.map((c) => c.unit)).toEqual([...Array(8).fill('uV'), '°', '°', 'uV']);
  });

  it.each([1, 8, 8.5, 15, 17, 50])('finds the "sine %s Hz" channel at its frequency', (hz) => {
    const channel = signal.channels.find((c) => c.name === `sine ${hz} Hz`);
    expect(channel).toBeDefined();
    expect(Math.abs(dominantHz(channel as SignalChannel, 200) - hz)).toBeLessThanOrEqual(0.1);
  });

  it('scales digital values into the physical range', () => {
    const sine = signal.channels.find((c) => c.name === 'sine 8 Hz') as SignalChannel;
    const max = sine.values.reduce((m, v) => Math.max(m, v), -Infinity);
    const min = sine.values.reduce((m, v) => Math.min(m, v), Infinity);
    expect(max).toBeLessThanOrEqual(1000);
    expect(min).toBeGreaterThanOrEqual(-1000);
    expect(max - min).toBeGreaterThan(100);
  });
});

describe('decodeSignal: synthetic EDF', () => {
  const sig = (overrides: Partial<EdfTestSignal> = {}): EdfTestSignal => ({
    label: 'x',
    samplesPerRecord: 2,
    digital: [0, 0, 0, 0],
    ...overrides,
  });

  it('maps digital to physical values with (phys_max - phys_min) / (dig_max - dig_min)', () => {
    const signal = decodeSignal(
      edfFile({
        records: 2,
        signals: [
          sig({
            label: '  EEG Fpz  ',
            unit: 'uV',
            physicalMin: -200,
            physicalMax: 200,
            digitalMin: -2048,
            digitalMax: 2047,
            digital: [-2048, 2047, 0, 1000],
          }),
        ],
      }),
      'edf',
    );
    const gain = 400 / 4095;
    expect(signal.channels[0].name).toBe('EEG Fpz');
    expect(signal.channels[0].unit).toBe('uV');
    expect([...signal.channels[0].values]).toEqual(
      [-200, 200, -200 + 2048 * gain, -200 + 3048 * gain].map(Math.fround),
    );
    expect(signal.sampleRateHz).toBe(2);
    expect(signal.startTime).toBe('2021-03-02T13:14:15');
  });

  it('keeps a rate per channel when channels differ, and skips EDF Annotations', () => {
    const signal = decodeSignal(
      edfFile({
        records: 3,
        recordDurationS: 0.5,
        edfPlus: true,
        signals: [
          sig({ label: 'fast', samplesPerRecord: 4, digital: Array.from({ length: 12 }, (_v, i) => i) }),
          sig({ label: 'EDF Annotations', samplesPerRecord: 5, physicalMin: -1, physicalMax: 1 }),
          sig({
            label: '',
            samplesPerRecord: 1,
            digital: [7, 8, 9],
            physicalMin: -32768,
            physicalMax: 32767,
          }),
        ],
      }),
      'edf',
    );
    expect(signal.sampleRateHz).toBeUndefined();
    expect(signal.channels.map((c) => [c.name, c.sampleRateHz, c.values.length])).toEqual([
      ['fast', 8, 12],
      ['ch2', 2, 3],
    ]);
    expect([...signal.channels[1].values]).toEqual([7, 8, 9]);
  });

  it('reads the records the file holds when the header says -1 (still recording)', () => {
    const file = edfFile({
      records: 3,
      declaredRecords: -1,
      signals: [sig({ digital: [1, 2, 3, 4, 5, 6] })],
    });
    const signal = decodeSignal(Buffer.concat([file, Buffer.from([1])]), 'edf');
    expect(signal.channels[0].values.length).toBe(6);
  });

  it.each([
    [
      'a truncated file',
      (f: Buffer) => f.subarray(0, f.length - 1),
      /truncated EDF: the header promises 2 data records/,
    ],
    ['a cut header', (f: Buffer) => f.subarray(0, 300), /truncated EDF: the header needs 512 bytes/],
    ['a huge record count', (f: Buffer) => patch(f, 236, '99999999'), /promises 99999999 data records/],
    ['a non-numeric record count', (f: Buffer) => patch(f, 236, 'many    '), /number of data records "many"/],
    ['a wrong header size', (f: Buffer) => patch(f, 184, '768     '), /header size is 768 bytes/],
    ['no signals', (f: Buffer) => patch(f, 252, '0   '), /number of signals is 0/],
    ['a zero record duration', (f: Buffer) => patch(f, 244, '0       '), /record duration is 0 s/],
    [
      'a bad physical minimum',
      (f: Buffer) => patch(f, 256 + 104, '-1,5    '),
      /physical minimum .* "-1,5" is not a number/,
    ],
    [
      'an empty digital range',
      (f: Buffer) => patch(f, 256 + 128, '-32768  '),
      /digital range .* -32768\.\.-32768/,
    ],
    ['zero samples per record', (f: Buffer) => patch(f, 256 + 216, '0       '), /samples per record .* is 0/],
    ['a missing magic', (f: Buffer) => patch(f, 0, '1'), /not an EDF file/],
    ['a BDF file', (f: Buffer) => Buffer.concat([Buffer.from([0xff]), f.subarray(1)]), /BDF/],
  ])('refuses %s', (_name, mutate, message) => {
    const file = edfFile({ records: 2, signals: [sig()] });
    expect(decodeError(mutate(file)).message).toMatch(message);
  });

  it('refuses an EDF+ file holding only annotations', () => {
    const file = edfFile({ records: 1, signals: [sig({ label: 'EDF Annotations' })] });
    expect(decodeError(file).message).toMatch(/only annotations/);
  });

  it('refuses the fixture cut short', () => {
    expect(decodeError(edf.subarray(0, 1_000_000)).message).toMatch(/truncated EDF/);
  });
});

function patch(file: Buffer, offset: number, text: string): Buffer {
  const copy = Buffer.from(file);
  copy.write(text, offset, 'latin1');
  return copy;
}
