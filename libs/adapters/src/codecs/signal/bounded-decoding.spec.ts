import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { decodeSignal } from './decode-signal';
import { encodeSignal } from './encode-signal';
import { probeSignal } from './probe-signal';
import type { Signal } from './signal';
import type { SignalFormat } from './signal-format';
import { MAX_SIGNAL_CHANNELS } from './signal-limits';
import {
  chunk,
  edfFile,
  edfHeaderFields,
  WAV_NUMERIC_FIELDS,
  wavFile,
  withBinaryField,
  withTextField,
} from './test-files';

/**
 * Hostile inputs for every format read: headers that lie both ways, numbers at 0, -1, 1 and the
 * largest 31/32/63-bit values, fields that disagree, truncation at every header boundary, and
 * megabyte runs of whitespace, delimiters and nesting. Each must end, quickly and without the
 * memory, in a signal or an AdapterError that is bad input (422) or over a limit (413).
 */

const MiB = 1024 * 1024;
/** Generous on a busy machine: the cases this guards against took minutes or gigabytes. */
const MAX_MS = 2000;
const MAX_HEAP_GROWTH = 64 * MiB;
const UNKNOWN_SIZE = Number.MAX_SAFE_INTEGER;
const LIMITS: InputLimits = { ...DEFAULT_INPUT_LIMITS, signalValues: 1_000_000 };

type Outcome = 'decoded' | 'unprocessable_input' | 'payload_too_large';

function memoryInUse(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Runs `work` and says how it ended; anything but a signal or bad input fails the test, as does time or memory. */
function bounded(work: () => unknown): Outcome {
  const before = memoryInUse();
  const started = performance.now();
  let outcome: Outcome = 'decoded';
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(AdapterError);
    const { code, details } = error as AdapterError;
    expect(['unprocessable_input', 'payload_too_large']).toContain(code);
    if (code === 'payload_too_large') expect(details).toMatchObject({ limit: 'LIMIT_SIGNAL_VALUES' });
    outcome = code as Outcome;
  }
  expect(performance.now() - started).toBeLessThan(MAX_MS);
  expect(memoryInUse() - before).toBeLessThan(MAX_HEAP_GROWTH);
  return outcome;
}

const decode = (data: Buffer, format: SignalFormat, limits = LIMITS) =>
  bounded(() => decodeSignal(data, format, { limits }));

/** Decoding, and probing the first 64 KiB with the size known and unknown: each bounded. */
function decodeAndProbe(data: Buffer, format: SignalFormat): Outcome {
  const sample = data.subarray(0, 64 * 1024);
  bounded(() => probeSignal(sample, data.length, format));
  bounded(() => probeSignal(sample, UNKNOWN_SIZE, format));
  return decode(data, format);
}

function thrown(work: () => unknown): AdapterError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(AdapterError);
    return error as AdapterError;
  }
  throw new Error('expected an AdapterError');
}

/** Text of numbers as hostile headers write them: zero, -1, 1, the largest 31/32/63-bit values, and worse. */
const TEXT_NUMBERS = [
  '0',
  '-1',
  '1',
  String(2 ** 31 - 1),
  String(2 ** 32 - 1),
  '9223372036854775807',
  '-99999999',
  '99999999',
  '1e-320',
  '9.99e307',
  '+1',
  'x',
  '',
];

describe('EDF: declared numbers are checked against the bytes and the limit before anything is allocated', () => {
  const oneSignal = (declaredRecords: number | string, records = 1) =>
    edfFile({
      records,
      declaredRecords,
      signals: [{ label: 'x', samplesPerRecord: 2, digital: Array(2 * records).fill(7) }],
    });

  it('H2: a 99,999,999-record header on a few bytes is 422 at once, not a 4 GB heap', () => {
    const file = oneSignal(99_999_999);
    expect(decode(file, 'edf')).toBe('unprocessable_input');
    expect(thrown(() => decodeSignal(file, 'edf')).message).toMatch(
      /truncated EDF: the header promises 99999999 data records of 4 bytes/,
    );
    expect(bounded(() => probeSignal(file, file.length, 'edf'))).toBe('unprocessable_input');
  });

  it('probes an unknown size honestly: declared records as declared, -1 records as unknown', () => {
    expect(probeSignal(oneSignal(99_999_999), UNKNOWN_SIZE, 'edf')).toMatchObject({
      samples: 199_999_998,
      durationS: 99_999_999,
    });
    const growing = probeSignal(oneSignal(-1, 3), UNKNOWN_SIZE, 'edf');
    expect(growing).toMatchObject({ channels: [{ name: 'x' }], sampleRateHz: 2 });
    expect(growing.samples).toBeUndefined();
    expect(growing.durationS).toBeUndefined();
    expect(probeSignal(oneSignal(-1, 3), oneSignal(-1, 3).length, 'edf')).toMatchObject({ samples: 6 });
    for (const size of [Number.NaN, -1, Infinity, 2 ** 53 + 2, 0.5]) {
      expect(probeSignal(oneSignal(-1, 3), size, 'edf').samples).toBeUndefined();
    }
  });

  it('refuses a whole file over LIMIT_SIGNAL_VALUES with 413, naming the variable', () => {
    const file = oneSignal(6, 6);
    expect(decodeSignal(file, 'edf', { limits: { ...LIMITS, signalValues: 12 } }).channels).toHaveLength(1);
    const error = thrown(() => decodeSignal(file, 'edf', { limits: { ...LIMITS, signalValues: 11 } }));
    expect(error).toMatchObject({
      code: 'payload_too_large',
      details: { limit: 'LIMIT_SIGNAL_VALUES', max: 11, actual: 12 },
    });
  });

  it('reads only the declared records of a file that holds more', () => {
    const signal = decodeSignal(oneSignal(2, 5), 'edf');
    expect(signal.channels[0].values).toHaveLength(4);
  });

  it('refuses rates and durations that are not finite', () => {
    const tiny = edfFile({
      records: 1,
      recordDurationS: '1e-320',
      signals: [{ label: 'x', samplesPerRecord: 2 }],
    });
    expect(thrown(() => decodeSignal(tiny, 'edf')).message).toMatch(/no finite rate/);
    const long = edfFile({
      records: 1,
      declaredRecords: 99_999_999,
      recordDurationS: '9.99e307',
      signals: [{ label: 'x', samplesPerRecord: 1 }],
    });
    expect(thrown(() => probeSignal(long, UNKNOWN_SIZE, 'edf')).message).toMatch(/longer than any recording/);
  });

  const valid = edfFile({
    records: 3,
    signals: [
      { label: 'a', unit: 'mV', samplesPerRecord: 4, digital: Array(12).fill(100) },
      { label: 'EDF Annotations', samplesPerRecord: 2 },
      { label: 'b', samplesPerRecord: 1, digital: [1, 2, 3] },
    ],
  });
  const fields = edfHeaderFields(3);

  it.each(fields.filter((field) => field.numeric).map((field) => [field.name, field] as const))(
    'survives every hostile number in the %s field',
    (_name, field) => {
      for (const text of TEXT_NUMBERS) decodeAndProbe(withTextField(valid, field, text), 'edf');
    },
  );

  it('refuses the file cut at every header field boundary and inside the data', () => {
    const cuts = [...fields.map((field) => field.offset + field.width), valid.length - 1];
    for (const cut of cuts) {
      const part = valid.subarray(0, cut);
      expect(decode(part, 'edf')).toBe('unprocessable_input');
      bounded(() => probeSignal(part, valid.length, 'edf'));
      expect(bounded(() => probeSignal(part, part.length, 'edf'))).toBe('unprocessable_input');
    }
  });
});

describe('WAV: chunk sizes and fmt fields are checked against the bytes and the limit', () => {
  const pcm8 = (frames: number, channels = 1) =>
    wavFile({
      formatTag: 1,
      channels,
      sampleRateHz: 100,
      bitsPerSample: 8,
      data: Buffer.alloc(frames * channels, 128),
    });

  it('refuses a data chunk declaring 4 GiB on a few bytes with 422, and probes it honestly', () => {
    const file = wavFile({
      formatTag: 1,
      channels: 2,
      sampleRateHz: 100,
      bitsPerSample: 16,
      data: Buffer.alloc(8),
      dataSize: 0xffffffff,
    });
    expect(decode(file, 'wav')).toBe('unprocessable_input');
    expect(bounded(() => probeSignal(file, file.length, 'wav'))).toBe('unprocessable_input');
    expect(probeSignal(file, UNKNOWN_SIZE, 'wav')).toMatchObject({ samples: Math.floor(0xffffffff / 4) });
  });

  it('reads only the declared frames of a data chunk shorter than the bytes after it', () => {
    const file = wavFile({
      formatTag: 1,
      channels: 1,
      sampleRateHz: 1,
      bitsPerSample: 8,
      data: Buffer.alloc(10, 130),
      dataSize: 4,
    });
    expect([...decodeSignal(file, 'wav').channels[0].values]).toEqual([2, 2, 2, 2]);
  });

  it('refuses frames × channels over LIMIT_SIGNAL_VALUES with 413 before reading them', () => {
    const limits = { ...LIMITS, signalValues: 1000 };
    expect(decode(pcm8(500, 2), 'wav', limits)).toBe('decoded');
    expect(thrown(() => decodeSignal(pcm8(334, 3), 'wav', { limits }))).toMatchObject({
      code: 'payload_too_large',
      details: { limit: 'LIMIT_SIGNAL_VALUES', actual: 1002 },
    });
  });

  it('walks a megabyte of empty chunks before the fmt chunk in linear time', () => {
    const junk = Array.from({ length: MiB / 8 }, () => chunk('junk', Buffer.alloc(0)));
    const file = wavFile({
      formatTag: 1,
      channels: 1,
      sampleRateHz: 8,
      bitsPerSample: 8,
      data: Buffer.alloc(4),
      before: junk,
    });
    expect(decode(file, 'wav')).toBe('decoded');
    // The probe's sample ends inside the junk: it says so instead of reading on.
    expect(bounded(() => probeSignal(file.subarray(0, 64 * 1024), file.length, 'wav'))).toBe(
      'unprocessable_input',
    );
  });

  const valid = wavFile({
    formatTag: 1,
    channels: 2,
    sampleRateHz: 250,
    bitsPerSample: 16,
    data: Buffer.alloc(40, 1),
  });

  it.each(WAV_NUMERIC_FIELDS.map((field) => [field.name, field] as const))(
    'survives every hostile number in the %s field',
    (_name, field) => {
      const values = field.width === 2 ? [0, 1, 0x7fff, 0xffff] : [0, 1, 2 ** 31 - 1, 2 ** 32 - 1];
      for (const value of values) decodeAndProbe(withBinaryField(valid, field, value), 'wav');
    },
  );

  it('refuses the file cut at every field and chunk boundary', () => {
    const cuts = [4, 8, 12, 16, 20, ...WAV_NUMERIC_FIELDS.map((f) => f.offset + f.width), valid.length - 1];
    for (const cut of cuts) {
      const part = valid.subarray(0, cut);
      expect(decode(part, 'wav')).toBe('unprocessable_input');
      bounded(() => probeSignal(part, valid.length, 'wav'));
    }
  });
});

describe('CSV/TSV: rows, columns and runs of whitespace and delimiters are bounded', () => {
  const text = (s: string) => Buffer.from(s, 'utf8');

  it('refuses 200,000 columns at the first one past the most channels, without building the row', () => {
    const wide = text(`${'1,'.repeat(199_999)}1\n`);
    expect(decodeAndProbe(wide, 'csv')).toBe('unprocessable_input');
    expect(thrown(() => decodeSignal(wide, 'csv')).message).toMatch(/more than 65536 channels/);
  });

  it(`reads ${MAX_SIGNAL_CHANNELS} channels, the most`, () => {
    const names = Array.from({ length: MAX_SIGNAL_CHANNELS }, (_unused, i) => `c${i}`).join(',');
    const signal = decodeSignal(text(`t,${names}\n0,${'1,'.repeat(MAX_SIGNAL_CHANNELS - 1)}1\n`), 'csv');
    expect(signal.channels).toHaveLength(MAX_SIGNAL_CHANNELS);
  });

  it('refuses rows × channels over LIMIT_SIGNAL_VALUES with 413 while counting', () => {
    const limits = { ...LIMITS, signalValues: 1000 };
    expect(decode(text('a,b\n' + '1,2\n'.repeat(500)), 'csv', limits)).toBe('decoded');
    expect(decode(text(`${'1,'.repeat(1000)}1\n`), 'csv', limits)).toBe('payload_too_large');
    expect(
      thrown(() => decodeSignal(text('a,b\n' + '1,2\n'.repeat(100_000)), 'csv', { limits })),
    ).toMatchObject({
      code: 'payload_too_large',
      details: { limit: 'LIMIT_SIGNAL_VALUES', max: 1000, actual: 1002 },
    });
  });

  const spaces = ' '.repeat(MiB);
  it.each([
    ['a megabyte of spaces on a line of its own', `a,b\n1,2\n${spaces}\n3,4\n`, 'decoded'],
    ['a megabyte of spaces inside a cell', `a,b\n1${spaces},2\n`, 'decoded'],
    ['a megabyte of blank lines', `a,b\n${'\n'.repeat(MiB)}1,2\n`, 'decoded'],
    ['a megabyte of CRLF blank lines', `a,b\r\n${'\r\n'.repeat(MiB / 2)}1,2\r\n`, 'decoded'],
    ['a megabyte of commas', `${','.repeat(MiB)}\n`, 'unprocessable_input'],
    ['a megabyte of semicolons under a header', `a;b\n${';'.repeat(MiB)}\n`, 'unprocessable_input'],
    ['a megabyte of tabs', `a\tb\n1\t2\n${'\t'.repeat(MiB)}\n`, 'unprocessable_input'],
    ['a megabyte comment', `#${'#'.repeat(MiB)}\na\n1\n`, 'decoded'],
    ['a quoted megabyte header name', `"${'x'.repeat(MiB)}",b\n1,2\n`, 'decoded'],
    ['a megabyte of escaped quotes', `"${'""'.repeat(MiB / 2)}",b\n1,2\n`, 'decoded'],
    ['an unclosed quote before a megabyte', `a,"b\n${'1,2\n'.repeat(MiB / 4)}`, 'unprocessable_input'],
    ['a megabyte number', `a\n${'9'.repeat(MiB)}\n`, 'decoded'],
    ['a megabyte of digits and dots', `a\n${'1.'.repeat(MiB / 2)}\n`, 'unprocessable_input'],
    ['quotes inside a megabyte cell', `a\n${'1'.repeat(MiB)}"\n`, 'unprocessable_input'],
  ] as const)('%s', (_name, csv, outcome) => {
    expect(decodeAndProbe(text(csv), 'csv')).toBe(outcome);
    expect(decodeAndProbe(text(csv.replaceAll(',', '\t')), 'tsv')).toBe(outcome);
  });

  it.each([
    ['spaces before a parenthesis', `a${spaces}(`],
    ['many underscores', `${'a_'.repeat(MiB / 2)} `],
    ['a time column with an unclosed unit', `time${spaces}(ms`],
    ['open parentheses', '('.repeat(MiB)],
    ['open brackets', `x${'['.repeat(MiB)}`],
    ['a unit without its closing parenthesis', `x(${'y'.repeat(MiB)}`],
    ['a unit suffix that never ends', `x_${'m'.repeat(MiB)}`],
  ])('reads header names that would make a backtracking pattern slow: %s', (_name, header) => {
    expect(decode(text(`"${header}"\n1\n`), 'csv')).toBe('decoded');
  });
});

describe('JSON: channels, values and nesting are bounded', () => {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
  const channels = (count: number) => ({
    sampleRateHz: 100,
    channels: Array.from({ length: count }, () => ({ values: [1, 2] })),
  });

  it('M2: refuses 200,000 channels with 422 at the first one past the most, whatever the form', () => {
    for (const document of [channels(200_000), [Array(200_000).fill(1), Array(200_000).fill(2)]]) {
      const data = json(document);
      expect(decodeAndProbe(data, 'json')).toBe('unprocessable_input');
      expect(thrown(() => decodeSignal(data, 'json'))).toMatchObject({
        code: 'unprocessable_input',
        message: `the signal has more than ${MAX_SIGNAL_CHANNELS} channels, the most a signal may have`,
        details: { maxChannels: MAX_SIGNAL_CHANNELS },
      });
    }
  });

  it(`reads ${MAX_SIGNAL_CHANNELS} channels, the most`, () => {
    expect(decodeSignal(json(channels(MAX_SIGNAL_CHANNELS)), 'json').channels).toHaveLength(
      MAX_SIGNAL_CHANNELS,
    );
  });

  it('refuses values over LIMIT_SIGNAL_VALUES with 413 while counting, in every form', () => {
    const limits = { ...LIMITS, signalValues: 1000 };
    const ones = (n: number) => Array(n).fill(1);
    for (const document of [
      ones(1001),
      Array.from({ length: 501 }, () => [1, 2]),
      { channels: [{ values: ones(600) }, { values: ones(600) }] },
    ]) {
      expect(decode(json(document), 'json', limits)).toBe('payload_too_large');
    }
    expect(decode(json(ones(1000)), 'json', limits)).toBe('decoded');
  });

  it('skips unknown keys however big, but not nested deeper than 64 levels', () => {
    const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const withExtra = (extra: string) => Buffer.from(`{"extra":${extra},"channels":[{"values":[1]}]}`);
    expect(decode(withExtra(deep(63)), 'json')).toBe('decoded');
    expect(decode(withExtra(deep(MiB)), 'json')).toBe('unprocessable_input');
    expect(thrown(() => decodeSignal(withExtra(deep(65)), 'json')).message).toMatch(/nests deeper than 64/);
    expect(decode(withExtra(JSON.stringify({ a: Array(100_000).fill({ b: 'c' }) })), 'json')).toBe('decoded');
  });

  const spaces = ' '.repeat(MiB);
  it.each([
    [
      'a megabyte of whitespace between tokens',
      `{${spaces}"channels"${spaces}:[{"values":[1,${spaces}2]}]}`,
      'decoded',
    ],
    [
      'a megabyte channel name',
      JSON.stringify({ channels: [{ name: 'n'.repeat(MiB), values: [1] }] }),
      'decoded',
    ],
    [
      'a megabyte of escapes in a name',
      `{"channels":[{"name":"${'\\u0041'.repeat(MiB / 6)}","values":[1]}]}`,
      'decoded',
    ],
    ['an unclosed megabyte string', `{"channels":[{"name":"${'n'.repeat(MiB)}`, 'unprocessable_input'],
    ['a megabyte number', `[${'9'.repeat(MiB)}]`, 'decoded'],
    ['a megabyte of minus signs', `[${'-'.repeat(MiB)}]`, 'unprocessable_input'],
    ['a megabyte of commas', `[1${','.repeat(MiB)}]`, 'unprocessable_input'],
    ['an infinite sample rate', '{"sampleRateHz":1e999,"channels":[{"values":[1]}]}', 'unprocessable_input'],
    ['a key given twice', '{"channels":[{"values":[1],"values":[2]}]}', 'unprocessable_input'],
  ] as const)('%s', (_name, document, outcome) => {
    expect(decodeAndProbe(Buffer.from(document), 'json')).toBe(outcome);
  });

  it('refuses the document cut at every token boundary', () => {
    const document =
      '{"sampleRateHz":10,"startTime":"2020-01-01T00:00:00","channels":[{"name":"a","values":[1,2]}]}';
    for (let cut = 1; cut < document.length; cut++) {
      expect(decode(Buffer.from(document.slice(0, cut)), 'json')).toBe('unprocessable_input');
    }
  });
});

describe('probeSignal: honest for any totalBytes', () => {
  const ecg = fixture('signal/mitdb-100-ecg-10s.csv');
  const ecgJson = encodeSignal(decodeSignal(ecg, 'csv') as Signal, 'json');

  it.each([
    ['signal/edf-test-generator.edf', 'edf'],
    ['signal/sleep-psg-1hz.wav', 'wav'],
    ['signal/mitdb-100-ecg-10s.csv', 'csv'],
  ] as const)('%s: any size, known or not, gives a probe or bad input', (path, format) => {
    const sample = fixture(path).subarray(0, 64 * 1024);
    for (const size of [UNKNOWN_SIZE, Number.NaN, -1, 0, 1, Infinity, 2 ** 53 + 2, sample.length]) {
      bounded(() => probeSignal(sample, size, format));
    }
  });

  it('leaves out samples estimated from the bytes per row or value when the size is unknown', () => {
    const sample = ecg.subarray(0, 64 * 1024);
    expect(probeSignal(sample, ecg.length, 'csv')).toMatchObject({ samplesEstimated: true });
    const unknown = probeSignal(sample, UNKNOWN_SIZE, 'csv');
    expect(unknown).toMatchObject({ sampleRateHz: 360, channels: [{ name: 'MLII_mV' }, { name: 'V5_mV' }] });
    expect(unknown.samples).toBeUndefined();
    expect(unknown.durationS).toBeUndefined();

    const bare = Buffer.from(JSON.stringify(Array(40_000).fill(1.5)));
    expect(probeSignal(bare.subarray(0, 64 * 1024), bare.length, 'json').samplesEstimated).toBe(true);
    expect(probeSignal(bare.subarray(0, 64 * 1024), UNKNOWN_SIZE, 'json').samples).toBeUndefined();
    // Counted, not estimated: the first channel's values end within the sample.
    expect(probeSignal(ecgJson.subarray(0, 64 * 1024), UNKNOWN_SIZE, 'json').samples).toBe(3600);
  });

  it('probes a CSV whose header is longer than the probe window', () => {
    const names = Array.from({ length: 2000 }, (_unused, i) => `channel_${i}`).join(',');
    const row = Array(2000).fill('0.5').join(',');
    const csv = Buffer.from(`${names}\n${row}\n${row}\n`);
    expect(probeSignal(csv, csv.length, 'csv').channels).toHaveLength(2000);
  });
});
