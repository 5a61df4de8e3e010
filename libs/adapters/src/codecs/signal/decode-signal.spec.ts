import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { decodeSignal } from './decode-signal';
import type { SignalFormat } from './signal-format';

const csv = (text: string) => Buffer.from(text, 'utf8');

function decodeError(text: string | Buffer, format: SignalFormat = 'csv'): AdapterError {
  try {
    decodeSignal(typeof text === 'string' ? csv(text) : text, format);
  } catch (error) {
    expect(error).toBeInstanceOf(AdapterError);
    return error as AdapterError;
  }
  throw new Error('expected decodeSignal to fail');
}

describe('decodeSignal: delimited text', () => {
  it('reads the MIT-BIH ECG excerpt: two channels in mV, 3600 samples, 360 Hz from the time column', () => {
    const signal = decodeSignal(fixture('signal/mitdb-100-ecg-10s.csv'), 'csv');
    expect(signal.sampleRateHz).toBe(360);
    expect(signal.channels.map(({ name, unit }) => ({ name, unit }))).toEqual([
      { name: 'MLII_mV', unit: 'mV' },
      { name: 'V5_mV', unit: 'mV' },
    ]);
    expect(signal.channels[0].values).toBeInstanceOf(Float32Array);
    expect(signal.channels[0].values.length).toBe(3600);
    expect(signal.channels[0].values[0]).toBeCloseTo(-0.145, 6);
    expect(signal.channels[1].values[0]).toBeCloseTo(-0.065, 6);
  });

  it('reads headerless CSV as channels ch1..chN with the sample rate from the options', () => {
    const signal = decodeSignal(csv('1,10\n2,20\n3,30\n'), 'csv', { sampleRateHz: 50 });
    expect(signal.sampleRateHz).toBe(50);
    expect(signal.channels.map((c) => c.name)).toEqual(['ch1', 'ch2']);
    expect([...signal.channels[1].values]).toEqual([10, 20, 30]);
  });

  it('leaves the sample rate unknown when nothing gives it', () => {
    expect(decodeSignal(csv('a\n1\n2\n'), 'csv').sampleRateHz).toBeUndefined();
  });

  it('prefers the time column over the sampleRateHz option', () => {
    expect(decodeSignal(csv('t,x\n0,1\n0.5,2\n1,3\n'), 'csv', { sampleRateHz: 100 }).sampleRateHz).toBe(2);
  });

  it('reads TSV with a time column in milliseconds', () => {
    const signal = decodeSignal(
      csv('Time (ms)\tax [g]\tay [g]\n0\t0.1\t0.2\n4\t0.1\t0.2\n8\t0.3\t0.4\n'),
      'tsv',
    );
    expect(signal.sampleRateHz).toBe(250);
    expect(signal.channels.map(({ name, unit }) => ({ name, unit }))).toEqual([
      { name: 'ax [g]', unit: 'g' },
      { name: 'ay [g]', unit: 'g' },
    ]);
  });

  it('detects semicolons, skips comments and blank lines, and trims cells', () => {
    const signal = decodeSignal(csv('# exported by a logger\nseconds; a ; b\n\n0 ; 1 ; 2\n0.1;3;4\n'), 'csv');
    expect(signal.sampleRateHz).toBe(10);
    expect(signal.channels.map((c) => [...c.values])).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it('uses the median step, so one gap in the time column does not skew the rate', () => {
    const rows = ['time_s,x', ...[0, 1, 2, 3, 4, 5, 6, 10, 11, 12].map((i) => `${i * 0.01},${i}`)];
    expect(decodeSignal(csv(rows.join('\n')), 'csv').sampleRateHz).toBe(100);
  });

  it('reads a byte order mark and CRLF line endings', () => {
    const signal = decodeSignal(csv('\ufefftime,x\r\n0,1\r\n0.25,2\r\n'), 'csv');
    expect(signal.sampleRateHz).toBe(4);
    expect(signal.channels.map((c) => c.name)).toEqual(['x']);
  });

  it('reads a one-column file with no delimiter', () => {
    const signal = decodeSignal(csv('value\n1\n2.5\n-3e-2\n'), 'csv');
    expect(signal.channels).toHaveLength(1);
    expect([...signal.channels[0].values]).toEqual([1, 2.5, Math.fround(-0.03)]);
  });

  it('numbers repeated and blank header names so channels stay distinct', () => {
    const signal = decodeSignal(csv('x,x,\n1,2,3\n'), 'csv');
    expect(signal.channels.map((c) => c.name)).toEqual(['x', 'x_2', 'ch3']);
  });

  it.each([
    ['ragged rows', 'a,b\n1,2\n3\n', /line 3 has 1 fields, expected 2/],
    ['a non-numeric cell', 'a,b\n1,2\n3,abc\n', /data row 2, column "b": "abc" is not a number/],
    ['an empty cell', 'a,b\n1,2\n3,\n', /data row 2, column "b": an empty cell is not a number/],
    [
      'words only',
      'hello world\nthis is text\n',
      /data row 1, column "hello world": "this is text" is not a number/,
    ],
    ['a header and no data', 'a,b\n', /header row but no data rows/],
    ['nothing at all', '\n\n', /no rows/],
    ['only a time column', 'time\n0\n1\n', /time column but no data columns/],
    ['a time column that goes backwards', 't,x\n2,1\n1,2\n0,3\n', /time column "t" does not increase/],
  ])('refuses %s as unprocessable input', (_name, text, message) => {
    const error = decodeError(text);
    expect(error.code).toBe('unprocessable_input');
    expect(error.message).toMatch(message);
  });
});

describe('decodeSignal: JSON', () => {
  it('reads the channels document, its sample rate winning over the option', () => {
    const doc = {
      sampleRateHz: 100,
      channels: [
        { name: 'ecg', unit: 'mV', values: [1, 2, 3] },
        { name: 'resp', values: [4, 5, 6] },
      ],
    };
    const signal = decodeSignal(csv(JSON.stringify(doc)), 'json', { sampleRateHz: 5 });
    expect(signal.sampleRateHz).toBe(100);
    expect(signal.channels).toEqual([
      { name: 'ecg', unit: 'mV', values: Float32Array.from([1, 2, 3]) },
      { name: 'resp', values: Float32Array.from([4, 5, 6]) },
    ]);
  });

  it('reads a bare numeric array as one channel', () => {
    const signal = decodeSignal(csv('[0.5, 1, -2]'), 'json', { sampleRateHz: 8 });
    expect(signal).toEqual({
      sampleRateHz: 8,
      channels: [{ name: 'ch1', values: Float32Array.from([0.5, 1, -2]) }],
    });
  });

  it('reads an array of rows as samples x channels', () => {
    const signal = decodeSignal(csv('[[1, 10], [2, 20], [3, 30]]'), 'json');
    expect(signal.channels.map((c) => [c.name, ...c.values])).toEqual([
      ['ch1', 1, 2, 3],
      ['ch2', 10, 20, 30],
    ]);
  });

  it.each([
    ['malformed JSON', '{"channels": [', /malformed JSON signal/],
    ['a non-numeric value', '{"channels":[{"name":"a","values":[1,"2"]}]}', /at channels\.0\.values\.1/],
    ['a mixed array', '[1, [2]]', /at 1/],
    ['ragged rows', '[[1,2],[3]]', /row 2 has 1 values, expected 2/],
    [
      'channels of different lengths',
      '{"channels":[{"name":"a","values":[1,2]},{"name":"b","values":[1]}]}',
      /differ in length/,
    ],
    ['no channels', '{"channels":[]}', /invalid JSON signal at channels/],
    ['an empty array', '[]', /no samples/],
    ['empty channels', '{"channels":[{"name":"a","values":[]}]}', /no samples/],
    ['a negative sample rate', '{"sampleRateHz":-1,"channels":[{"values":[1]}]}', /at sampleRateHz/],
  ])('refuses %s as unprocessable input', (_name, text, message) => {
    const error = decodeError(text, 'json');
    expect(error.code).toBe('unprocessable_input');
    expect(error.message).toMatch(message);
  });
});

describe('decodeSignal: text input checks', () => {
  it('refuses binary data read as CSV or JSON as unprocessable input', () => {
    const error = decodeError(fixture('signal/edf-test-generator.edf'), 'csv');
    expect(error.code).toBe('unprocessable_input');
    expect(error.message).toBe('the signal is binary data, not CSV text');
    expect(decodeError(fixture('signal/sleep-psg-1hz.wav'), 'json').code).toBe('unprocessable_input');
  });

  it('refuses invalid UTF-8 as unprocessable input', () => {
    expect(decodeError(Buffer.from([0x31, 0x2c, 0xff, 0x0a])).code).toBe('unprocessable_input');
  });

  it('reads per-channel sample rates and a start time from JSON, channels then differing in length', () => {
    const doc = {
      startTime: '2020-01-02T03:04:05',
      channels: [
        { name: 'fast', sampleRateHz: 4, values: [1, 2, 3, 4] },
        { name: 'slow', sampleRateHz: 2, values: [5, 6] },
      ],
    };
    expect(decodeSignal(csv(JSON.stringify(doc)), 'json')).toEqual({
      sampleRateHz: undefined,
      startTime: '2020-01-02T03:04:05',
      channels: [
        { name: 'fast', sampleRateHz: 4, values: Float32Array.from([1, 2, 3, 4]) },
        { name: 'slow', sampleRateHz: 2, values: Float32Array.from([5, 6]) },
      ],
    });
  });

  it('refuses a signal in which one channel is empty', () => {
    const doc = {
      channels: [
        { name: 'a', sampleRateHz: 1, values: [1] },
        { name: 'b', values: [] },
      ],
    };
    expect(decodeError(JSON.stringify(doc), 'json').message).toBe('channel "b" has no samples');
  });
});
