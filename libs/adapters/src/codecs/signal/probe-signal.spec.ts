import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { decodeSignal } from './decode-signal';
import { encodeSignal } from './encode-signal';
import { probeSignal } from './probe-signal';
import type { SignalFormat } from './signal-format';
import { edfFile } from './test-files';

const SAMPLE_BYTES = 64 * 1024;

function probeError(sample: Buffer, totalBytes: number, format: SignalFormat): AdapterError {
  try {
    probeSignal(sample, totalBytes, format);
  } catch (error) {
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).code).toBe('unprocessable_input');
    return error as AdapterError;
  }
  throw new Error('expected probeSignal to fail');
}

describe('probeSignal: EDF and WAV from the first 64 KiB', () => {
  it.each([
    [
      'signal/edf-test-generator.edf',
      'edf',
      { channels: 11, sampleRateHz: 200, durationS: 600, samples: 120000 },
    ],
    ['signal/sleep-psg-1hz.wav', 'wav', { channels: 7, sampleRateHz: 1, durationS: 79500, samples: 79500 }],
  ] as const)('%s: the same channels, rate and duration as a full decode', (path, format, expected) => {
    const data = fixture(path);
    const probe = probeSignal(data.subarray(0, SAMPLE_BYTES), data.length, format);
    const signal = decodeSignal(data, format);
    expect(probe).toMatchObject({ format, ...expected, channels: expect.any(Array) });
    expect(probe.channels).toEqual(
      signal.channels.map(({ name, unit }) => (unit === undefined ? { name } : { name, unit })),
    );
    expect(probe.sampleRateHz).toBe(signal.sampleRateHz);
    expect(probe.samples).toBe(signal.channels[0].values.length);
    expect(probe.durationS).toBe(signal.channels[0].values.length / (signal.sampleRateHz as number));
    expect(probe.samplesEstimated).toBeUndefined();
  });

  it('gives the EDF start time and per-channel rates when channels differ', () => {
    const file = edfFile({
      records: 4,
      recordDurationS: 0.25,
      signals: [
        { label: 'a', unit: 'mV', samplesPerRecord: 4 },
        { label: 'b', samplesPerRecord: 1 },
      ],
    });
    expect(probeSignal(file.subarray(0, 768), file.length, 'edf')).toEqual({
      format: 'edf',
      channels: [
        { name: 'a', unit: 'mV', sampleRateHz: 16 },
        { name: 'b', sampleRateHz: 4 },
      ],
      durationS: 1,
      startTime: '2021-03-02T13:14:15',
    });
  });

  it('refuses headers that the file size contradicts, as decoding would', () => {
    const edf = fixture('signal/edf-test-generator.edf');
    expect(probeError(edf.subarray(0, SAMPLE_BYTES), 1_000_000, 'edf').message).toMatch(/truncated EDF/);
    const wav = fixture('signal/sleep-psg-1hz.wav');
    expect(probeError(wav.subarray(0, SAMPLE_BYTES), 500_000, 'wav').message).toMatch(
      /past the end of the 500000-byte file/,
    );
  });

  it('says when the sample is too short to hold the header', () => {
    const edf = fixture('signal/edf-test-generator.edf');
    expect(probeError(edf.subarray(0, 1000), edf.length, 'edf').message).toBe(
      'the EDF header needs 3328 bytes, only the first 1000 were given',
    );
    const wav = fixture('signal/sleep-psg-1hz.wav');
    expect(probeError(wav.subarray(0, 20), wav.length, 'wav').message).toMatch(
      /not within the first 20 bytes/,
    );
  });
});

describe('probeSignal: CSV/TSV', () => {
  const ecg = fixture('signal/mitdb-100-ecg-10s.csv');
  const channels = [
    { name: 'MLII_mV', unit: 'mV' },
    { name: 'V5_mV', unit: 'mV' },
  ];

  it('counts the samples exactly when the whole file is within the probe window', () => {
    const head = Buffer.from(ecg.toString('utf8').split('\n').slice(0, 101).join('\n'));
    expect(probeSignal(head, head.length, 'csv')).toEqual({
      format: 'csv',
      channels,
      sampleRateHz: 360,
      samples: 100,
      durationS: 0.277777777778,
    });
  });

  it('parses a bounded window of a bigger file, even when all of it is in the sample', () => {
    const probe = probeSignal(ecg, ecg.length, 'csv');
    expect(probe).toMatchObject({ channels, sampleRateHz: 360, samplesEstimated: true });
    expect(Math.abs((probe.samples as number) - 3600)).toBeLessThan(36);
  });

  it('estimates the samples from the bytes per row of a partial sample', () => {
    const probe = probeSignal(ecg.subarray(0, 8192), ecg.length, 'csv');
    expect(probe).toMatchObject({ format: 'csv', channels, sampleRateHz: 360, samplesEstimated: true });
    expect(Math.abs((probe.samples as number) - 3600)).toBeLessThan(36);
    expect(Math.abs((probe.durationS as number) - 10)).toBeLessThan(0.1);
  });

  it('skips comments before the header and reads TSV without a time column', () => {
    const rows = Array.from({ length: 1000 }, (_v, i) => `${i % 10}\t${i % 7}`);
    const tsv = Buffer.from(`# logger v2\nax\tay\n${rows.join('\n')}\n`);
    const probe = probeSignal(tsv.subarray(0, 1000), tsv.length, 'tsv');
    expect(probe).toEqual({
      format: 'tsv',
      channels: [{ name: 'ax' }, { name: 'ay' }],
      samples: 1000,
      samplesEstimated: true,
    });
  });

  it('refuses a sample without a complete line, and malformed rows', () => {
    expect(probeError(Buffer.from('a,b,c'), 100, 'csv').message).toMatch(/no complete line/);
    expect(probeError(Buffer.from('a,b\n1,2\n3\n'), 100, 'csv').message).toMatch(
      /line 3 has 1 fields, expected 2/,
    );
  });
});

describe('probeSignal: JSON', () => {
  const ecg = decodeSignal(fixture('signal/mitdb-100-ecg-10s.csv'), 'csv');
  const json = encodeSignal(ecg, 'json');
  const firstChannelEnd = json.indexOf('\n{"name":"V5_mV"');

  it('decodes a whole document', () => {
    expect(probeSignal(json, json.length, 'json')).toEqual({
      format: 'json',
      channels: [
        { name: 'MLII_mV', unit: 'mV' },
        { name: 'V5_mV', unit: 'mV' },
      ],
      sampleRateHz: 360,
      samples: 3600,
      durationS: 10,
    });
  });

  it('gives the rate and the channels seen when the sample ends inside the first channel', () => {
    expect(probeSignal(json.subarray(0, 4096), json.length, 'json')).toEqual({
      format: 'json',
      channels: [{ name: 'MLII_mV', unit: 'mV' }],
      channelsIncomplete: true,
      sampleRateHz: 360,
    });
  });

  it('counts the samples from the first channel once its values end in the sample', () => {
    expect(probeSignal(json.subarray(0, firstChannelEnd + 30), json.length, 'json')).toEqual({
      format: 'json',
      channels: [
        { name: 'MLII_mV', unit: 'mV' },
        { name: 'V5_mV', unit: 'mV' },
      ],
      channelsIncomplete: true,
      sampleRateHz: 360,
      samples: 3600,
      durationS: 10,
    });
  });

  it('estimates the samples of a bare numeric array and of an array of rows', () => {
    const numbers = Buffer.from(JSON.stringify(Array.from({ length: 2000 }, (_v, i) => (i % 100) / 10)));
    const probe = probeSignal(numbers.subarray(0, 2000), numbers.length, 'json');
    expect(probe).toMatchObject({ channels: [{ name: 'ch1' }], samplesEstimated: true });
    expect(Math.abs((probe.samples as number) - 2000)).toBeLessThan(100);

    const rows = Buffer.from(
      JSON.stringify(Array.from({ length: 500 }, (_v, i) => [i % 10, -(i % 10), 0.5])),
    );
    const rowsProbe = probeSignal(rows.subarray(0, 1500), rows.length, 'json');
    expect(rowsProbe).toMatchObject({ channels: [{ name: 'ch1' }, { name: 'ch2' }, { name: 'ch3' }] });
    expect(Math.abs((rowsProbe.samples as number) - 500)).toBeLessThan(25);
  });

  it('keeps a name cut inside a multi-byte character out, rather than failing', () => {
    const doc = Buffer.from('{"sampleRateHz": 5, "channels": [{"name": "ü', 'utf8');
    expect(probeSignal(doc.subarray(0, doc.length - 1), 1000, 'json')).toEqual({
      format: 'json',
      channels: [{ name: 'ch1' }],
      channelsIncomplete: true,
      sampleRateHz: 5,
    });
  });

  it('refuses malformed JSON in a partial sample', () => {
    expect(probeError(Buffer.from('{"channels": [}'), 1000, 'json').message).toMatch(
      /malformed JSON signal at offset 14/,
    );
    expect(probeError(Buffer.from('"a string"'), 1000, 'json').message).toMatch(/object or an array/);
  });
});
