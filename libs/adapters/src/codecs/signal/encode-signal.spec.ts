import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { decodeSignal } from './decode-signal';
import { encodeSignal } from './encode-signal';
import type { Signal } from './signal';
import type { SignalFormat, WritableSignalFormat } from './signal-format';

const FIXTURES: [string, SignalFormat][] = [
  ['signal/mitdb-100-ecg-10s.csv', 'csv'],
  ['signal/edf-test-generator.edf', 'edf'],
  ['signal/sleep-psg-1hz.wav', 'wav'],
];
const WRITABLE: WritableSignalFormat[] = ['csv', 'json', 'wav'];

const roundTrip = (signal: Signal, format: WritableSignalFormat) =>
  decodeSignal(encodeSignal(signal, format), format);

/** The float32 bits of a channel, so -0 and 0 differ and nothing is compared loosely. */
const bits = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

/** Every sample of every channel is the same float32, channel for channel. */
function expectSameSamples(actual: Signal, expected: Signal): void {
  expect(actual.channels).toHaveLength(expected.channels.length);
  actual.channels.forEach((channel, i) => {
    expect(channel.values.length).toBe(expected.channels[i].values.length);
    expect(bits(channel.values).equals(bits(expected.channels[i].values))).toBe(true);
  });
}

/** Same channels, names, units, rates and start time, and the same samples bit for bit. */
function expectSameSignal(actual: Signal, expected: Signal): void {
  const shape = (signal: Signal) => ({
    ...signal,
    channels: signal.channels.map(({ values, ...channel }) => ({ ...channel, samples: values.length })),
  });
  expect(shape(actual)).toEqual(shape(expected));
  expectSameSamples(actual, expected);
}

function encodeError(signal: Signal, format: WritableSignalFormat): AdapterError {
  try {
    encodeSignal(signal, format);
  } catch (error) {
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).code).toBe('unprocessable_input');
    return error as AdapterError;
  }
  throw new Error('expected encodeSignal to fail');
}

/** `compute`, run once per key (the fixtures are large: each is encoded once per format). */
function memo<K, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = compute(key);
    cache.set(key, value);
    return value;
  };
}

/** Random float32 values from random bit patterns (every exponent), NaN and infinities left out. */
function randomFloats(count: number, seed: number): Float32Array {
  const words = new Uint32Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    words[i] = (state & 0x7f800000) === 0x7f800000 ? state & 0xbfffffff : state;
  }
  return new Float32Array(words.buffer);
}

describe('encodeSignal round trips of the fixtures', () => {
  describe.each(FIXTURES)('%s', (path, sourceFormat) => {
    const signal = decodeSignal(fixture(path), sourceFormat);
    const encode = memo((format: WritableSignalFormat) => encodeSignal(signal, format));
    const trip = memo((format: WritableSignalFormat) => decodeSignal(encode(format), format));

    it.each(WRITABLE)('keeps every sample through %s', (format) => {
      expectSameSamples(trip(format), signal);
      expect(trip(format).sampleRateHz).toBe(signal.sampleRateHz);
    });

    it('keeps names, units, rate and start time exactly through JSON', () => {
      expectSameSignal(trip('json'), signal);
    });

    it('keeps channel names exactly through CSV', () => {
      expect(trip('csv').channels.map((c) => c.name)).toEqual(signal.channels.map((c) => c.name));
    });

    it.each(['csv', 'json'] as const)('writes %s that reads and writes back to the same bytes', (format) => {
      expect(encodeSignal(trip(format), format).equals(encode(format))).toBe(true);
    });
  });

  it('writes the ECG as CSV with a time column and the shortest sample text', () => {
    const text = encodeSignal(decodeSignal(fixture('signal/mitdb-100-ecg-10s.csv'), 'csv'), 'csv').toString(
      'utf8',
    );
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'time_s,MLII_mV,V5_mV',
      '0,-0.145,-0.065',
      '0.00277777777778,-0.145,-0.065',
    ]);
    expect(lines).toHaveLength(3602);
  });

  it('keeps units that the CSV names state (MLII_mV is in mV)', () => {
    const ecg = decodeSignal(fixture('signal/mitdb-100-ecg-10s.csv'), 'csv');
    expectSameSignal(roundTrip(ecg, 'csv'), ecg);
  });

  it('reads the WAV fixture back whole from WAV: names ch1..ch7 at 1 Hz', () => {
    const psg = decodeSignal(fixture('signal/sleep-psg-1hz.wav'), 'wav');
    expectSameSignal(roundTrip(psg, 'wav'), psg);
  });
});

describe('encodeSignal round trips of synthetic signals', () => {
  const tricky: Signal = {
    sampleRateHz: 250,
    channels: [
      { name: 'a, b', values: randomFloats(500, 1) },
      { name: 'say "hi"', values: randomFloats(500, 2) },
      { name: ' padded ', values: randomFloats(500, 3) },
      { name: '#hash', values: randomFloats(500, 4) },
      { name: 'ünïcødé;|', values: randomFloats(500, 5) },
      {
        name: 'x_mV',
        unit: 'mV',
        values: Float32Array.from([-0, 0, 1e-45, -3.4028234663852886e38, ...randomFloats(496, 6)]),
      },
    ],
  };

  it.each(WRITABLE)('keeps random float32 values of every magnitude, -0 included, through %s', (format) => {
    const back = roundTrip(tricky, format);
    expectSameSamples(back, tricky);
    expect(back.sampleRateHz).toBe(250);
  });

  it.each(['csv', 'json'] as const)('keeps awkward channel names and stated units through %s', (format) => {
    expectSameSignal(roundTrip(tricky, format), tricky);
  });

  it.each(['csv', 'json'] as const)('keeps a signal without a sample rate through %s', (format) => {
    const signal: Signal = { channels: [{ name: 'a', values: randomFloats(10, 7) }] };
    const back = roundTrip(signal, format);
    expect(back.sampleRateHz).toBeUndefined();
    expectSameSamples(back, signal);
    expect(encodeSignal(signal, 'csv').toString('utf8')).toMatch(/^a\n/);
  });

  it.each([0.5, 1, 7.8125, 256, 1000, 44100, 2e6])('keeps a rate of %s Hz through CSV and JSON', (rate) => {
    const signal: Signal = { sampleRateHz: rate, channels: [{ name: 'v', values: randomFloats(50, 8) }] };
    expectSameSignal(roundTrip(signal, 'csv'), signal);
    expectSameSignal(roundTrip(signal, 'json'), signal);
  });

  it('keeps channels at different rates and the start time through JSON', () => {
    const signal: Signal = {
      startTime: '2021-03-02T13:14:15',
      channels: [
        { name: 'fast', unit: 'uV', sampleRateHz: 8, values: randomFloats(16, 9) },
        { name: 'slow', sampleRateHz: 2, values: randomFloats(4, 10) },
      ],
    };
    expectSameSignal(roundTrip(signal, 'json'), signal);
  });

  it('writes WAV as 32-bit float (format 3) with a fact chunk, rounding the rate to whole hertz', () => {
    const signal: Signal = {
      sampleRateHz: 44100.4,
      channels: [{ name: 'a', values: Float32Array.from([0.5, -2]) }],
    };
    const wav = encodeSignal(signal, 'wav');
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.readUInt16LE(20)).toBe(3);
    expect(wav.readUInt16LE(34)).toBe(32);
    expect(wav.toString('latin1', 38, 42)).toBe('fact');
    expect(roundTrip(signal, 'wav')).toEqual({
      ...signal,
      sampleRateHz: 44100,
      channels: [{ ...signal.channels[0], name: 'ch1' }],
    });
  });

  it('keeps NaN and infinities in WAV, which CSV and JSON cannot hold', () => {
    const signal: Signal = {
      sampleRateHz: 10,
      channels: [{ name: 'a', values: Float32Array.from([NaN, Infinity, -1]) }],
    };
    const back = roundTrip(signal, 'wav').channels[0].values;
    expect([...back]).toEqual([NaN, Infinity, -1]);
    expect(encodeError(signal, 'csv').message).toBe('channel "a" sample 1 is NaN, which CSV cannot hold');
    expect(encodeError(signal, 'json').message).toMatch(/JSON cannot hold/);
  });

  it('refuses signals a row format cannot hold', () => {
    const mixed: Signal = {
      channels: [
        { name: 'fast', sampleRateHz: 8, values: new Float32Array(8) },
        { name: 'slow', sampleRateHz: 2, values: new Float32Array(2) },
      ],
    };
    expect(encodeError(mixed, 'csv').message).toMatch(
      /CSV holds channels of one sample rate; "fast" is at 8, "slow" at 2/,
    );
    expect(encodeError(mixed, 'wav').message).toMatch(/WAV holds channels of one sample rate/);
    const ragged: Signal = {
      channels: [
        { name: 'a', values: new Float32Array(2) },
        { name: 'b', values: new Float32Array(3) },
      ],
    };
    expect(encodeError(ragged, 'csv').message).toMatch(/"a" has 2 samples, "b" has 3/);
    expect(encodeError({ channels: [] }, 'json').code).toBe('unprocessable_input');
  });

  it('refuses WAV without a sample rate or below 1 Hz', () => {
    const values = new Float32Array(4);
    expect(encodeError({ channels: [{ name: 'a', values }] }, 'wav').message).toMatch(/needs a sample rate/);
    expect(encodeError({ sampleRateHz: 0.5, channels: [{ name: 'a', values }] }, 'wav').message).toMatch(
      /cannot hold a sample rate of 0.5 Hz/,
    );
  });
});
