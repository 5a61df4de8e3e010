import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import type { Signal } from '../../codecs/signal';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { createAdapterHarness, textOutput } from '../testing';
import { summarizeSignal, type SignalSummary } from './signal-summary';
import { SignalSummaryAdapter } from './signal-summary.adapter';

async function describeSignal(
  data: string | Buffer,
  mediaType: string,
  options: Record<string, unknown> = {},
  outputMediaType?: string,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
) {
  const harness = createAdapterHarness();
  const input = harness.put(data, { modality: 'signal', mediaType });
  const result = await harness.invoke(new SignalSummaryAdapter(limits), {
    task: 'describe',
    inputs: [input],
    output: { modality: 'text', ...(outputMediaType ? { mediaType: outputMediaType } : {}) },
    options,
  });
  return { output: textOutput(result), warnings: result.warnings ?? [] };
}

async function summaryOf(data: string | Buffer, mediaType: string, options: Record<string, unknown> = {}) {
  const { output } = await describeSignal(data, mediaType, options, 'application/json');
  expect(output.mediaType).toBe('application/json');
  return JSON.parse(output.text) as SignalSummary;
}

/** Statistics computed here from the CSV text, independently of the adapter's parser. */
function statsFromCsv(text: string, column: number) {
  const values = text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',')[column]));
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return {
    min: Math.min(...values),
    max: Math.max(...values),
    mean,
    rms: Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length),
  };
}

function sineCsv(hz: number, rateHz: number, samples: number, withTime: boolean): string {
  const rows = Array.from({ length: samples }, (_v, i) => {
    const value = (2 * Math.sin((2 * Math.PI * hz * i) / rateHz) + 0.5).toFixed(6);
    return withTime ? `${(i / rateHz).toFixed(6)},${value}` : value;
  });
  return `${withTime ? 'time_s,x\n' : ''}${rows.join('\n')}\n`;
}

describe('SignalSummaryAdapter', () => {
  const ecg = fixture('signal/mitdb-100-ecg-10s.csv');

  it('describes the MIT-BIH ECG excerpt in text', async () => {
    const { output, warnings } = await describeSignal(ecg, 'text/csv');
    expect(output.mediaType).toBe('text/plain');
    expect(output.text).toContain('Signal: 2 channels, 3600 samples at 360 Hz (10 s)');
    expect(output.text).toContain('Channels: MLII_mV (mV), V5_mV (mV)');
    expect(output.text).toMatch(
      /^MLII_mV: min -0\.645 mV, max 0\.96 mV, mean .* dominant frequency [\d.]+ Hz$/m,
    );
    expect(output.text).toMatch(/^V5_mV: min -0\.47 mV, max 0\.8 mV, /m);
    expect(output.text).toContain('bin spacing 0.08789 Hz');
    expect(warnings).toEqual([]);
  });

  it('gives the same summary as JSON, with statistics matching an independent computation', async () => {
    const summary = await summaryOf(ecg, 'text/csv');
    expect(summary).toMatchObject({ samples: 3600, sampleRateHz: 360, durationS: 10, fftSize: 4096 });
    expect(summary.channels.map((c) => [c.name, c.unit])).toEqual([
      ['MLII_mV', 'mV'],
      ['V5_mV', 'mV'],
    ]);
    const text = ecg.toString('utf8');
    summary.channels.forEach((channel, i) => {
      const expected = statsFromCsv(text, i + 1);
      expect(channel.min).toBeCloseTo(expected.min, 5);
      expect(channel.max).toBeCloseTo(expected.max, 5);
      expect(channel.mean).toBeCloseTo(expected.mean, 5);
      expect(channel.rms).toBeCloseTo(expected.rms, 5);
      // Record 100 is a steady sinus rhythm of about 75 beats a minute.
      expect(channel.dominantFrequencyHz).toBeGreaterThan(1);
      expect(channel.dominantFrequencyHz).toBeLessThan(1.5);
    });
  });

  it('finds a 7 Hz sine sampled at 200 Hz from the time column', async () => {
    const summary = await summaryOf(sineCsv(7, 200, 1000, true), 'text/csv');
    expect(summary.sampleRateHz).toBe(200);
    expect(summary.durationS).toBe(5);
    expect(Math.abs((summary.channels[0].dominantFrequencyHz as number) - 7)).toBeLessThan(0.2);
    expect(summary.channels[0].mean).toBeCloseTo(0.5, 3);
    expect(summary.channels[0].rms).toBeCloseTo(Math.sqrt(0.25 + 2), 2);
  });

  it('uses the sampleRateHz option for a headerless column', async () => {
    const { output } = await describeSignal(sineCsv(7, 200, 1000, false), 'text/csv', { sampleRateHz: 200 });
    const hz = Number(/dominant frequency ([\d.]+) Hz/.exec(output.text)?.[1]);
    expect(Math.abs(hz - 7)).toBeLessThan(0.2);
  });

  it('reads the JSON channels form', async () => {
    const values = Array.from({ length: 512 }, (_v, i) => Math.sin((2 * Math.PI * 12 * i) / 128));
    const doc = { sampleRateHz: 128, channels: [{ name: 'accel', unit: 'g', values }] };
    const summary = await summaryOf(JSON.stringify(doc), 'application/json');
    expect(summary).toMatchObject({ samples: 512, sampleRateHz: 128, durationS: 4 });
    expect(summary.channels[0]).toMatchObject({ name: 'accel', unit: 'g', min: -1, max: 1 });
    expect(summary.channels[0].dominantFrequencyHz).toBeCloseTo(12, 1);
  });

  it('reports the frequency in cycles per sample when the sample rate is unknown', async () => {
    const values = Array.from({ length: 400 }, (_v, i) => Math.cos((2 * Math.PI * i) / 20));
    const { output } = await describeSignal(JSON.stringify(values), 'application/json');
    expect(output.text).toContain('sample rate unknown');
    const cycles = Number(/dominant frequency ([\d.]+) cycles\/sample/.exec(output.text)?.[1]);
    expect(cycles).toBeCloseTo(0.05, 3);
    const summary = await summaryOf(JSON.stringify(values), 'application/json');
    expect(summary).toMatchObject({ sampleRateHz: null, durationS: null, binSpacingHz: null });
    expect(summary.channels[0].dominantFrequencyHz).toBeNull();
    expect(summary.channels[0].dominantCyclesPerSample).toBeCloseTo(0.05, 3);
  });

  it('says a constant channel has no dominant frequency', async () => {
    const { output } = await describeSignal('a,b\n1,0\n1,1\n1,0\n1,1\n1,0\n', 'text/csv', {
      sampleRateHz: 10,
    });
    expect(output.text).toMatch(/^a: .*dominant frequency none \(constant\)$/m);
    expect(output.text).toMatch(/^b: .*dominant frequency 5 Hz$/m);
  });

  it('describes only the channels asked for, warning about names it does not have', async () => {
    const { output, warnings } = await describeSignal(ecg, 'text/csv', { channels: ['V5_mV', 'aVR'] });
    expect(output.text).toContain('Signal: 1 channel,');
    expect(output.text).not.toMatch(/^MLII_mV:/m);
    expect(warnings).toEqual(['no channel named aVR (the signal has MLII_mV, V5_mV)']);
    await expect(describeSignal(ecg, 'text/csv', { channels: ['aVR'] })).rejects.toMatchObject({
      code: 'unprocessable_input',
      message: 'no channel named aVR; the signal has MLII_mV, V5_mV',
    });
  });

  it('warns when the sampleRateHz option disagrees with the time column', async () => {
    const { output, warnings } = await describeSignal(ecg, 'text/csv', { sampleRateHz: 250 });
    expect(output.text).toContain('at 360 Hz');
    expect(warnings).toEqual(['sampleRateHz 250 is ignored: the data says 360 Hz']);
  });

  it('refuses malformed input and unsupported output types with clear errors', async () => {
    await expect(describeSignal('a,b\n1,2\n3,x\n', 'text/csv')).rejects.toMatchObject({
      code: 'unprocessable_input',
      message: 'data row 2, column "b": "x" is not a number',
    });
    await expect(describeSignal(ecg, 'text/csv', {}, 'text/csv')).rejects.toMatchObject({
      code: 'unprocessable_input',
    });
  });

  it('describes the EDF+ fixture: 11 channels at 200 Hz for 600 s, sines at their frequencies', async () => {
    const edf = fixture('signal/edf-test-generator.edf');
    const { output } = await describeSignal(edf, 'application/edf');
    expect(output.text).toContain('Signal: 11 channels, 120000 samples at 200 Hz (600 s)');
    expect(output.text).toContain('Channels: squarewave (uV), ramp (uV), pulse (uV), ECG (uV), noise (uV),');
    expect(output.text).toContain('sine 15 Hz (°)');
    expect(output.text).toMatch(/^sine 8 Hz: .*dominant frequency 8 Hz$/m);
    expect(output.text).toMatch(/^sine 50 Hz: .*dominant frequency 50 Hz$/m);
    const summary = await summaryOf(edf, 'application/octet-stream');
    expect(summary).toMatchObject({ samples: 120000, sampleRateHz: 200, durationS: 600 });
    expect(summary.channels).toHaveLength(11);
  });

  it('reads a WAV declared as a signal as the stored values, ignoring a sampleRateHz option that disagrees', async () => {
    const wav = fixture('signal/sleep-psg-1hz.wav');
    const { output, warnings } = await describeSignal(wav, 'audio/wav', { sampleRateHz: 100 });
    expect(output.text).toContain('Signal: 7 channels, 79500 samples at 1 Hz (79500 s)');
    expect(output.text).toContain('Channels: ch1, ch2, ch3, ch4, ch5, ch6, ch7');
    expect(warnings).toEqual(['sampleRateHz 100 is ignored: the data says 1 Hz']);
    const summary = await summaryOf(wav, 'audio/x-wav');
    expect(summary.channels[0].min).toBe(Math.round(summary.channels[0].min));
  });

  it('describes channels sampled at different rates, each at its own', async () => {
    const tone = (hz: number, rate: number, seconds: number) =>
      Array.from({ length: rate * seconds }, (_v, i) => Math.sin((2 * Math.PI * hz * i) / rate));
    const doc = {
      channels: [
        { name: 'fast', unit: 'uV', sampleRateHz: 100, values: tone(10, 100, 8) },
        { name: 'slow', sampleRateHz: 20, values: tone(2, 20, 8) },
      ],
    };
    const { output } = await describeSignal(JSON.stringify(doc), 'application/json');
    expect(output.text).toContain('Signal: 2 channels at different sample rates (8 s)');
    expect(output.text).toMatch(/^fast \(800 samples at 100 Hz\): .*dominant frequency 10 Hz$/m);
    expect(output.text).toMatch(/^slow \(160 samples at 20 Hz\): .*dominant frequency 2 Hz$/m);
    const summary = await summaryOf(JSON.stringify(doc), 'application/json');
    expect(summary).toMatchObject({ samples: 800, sampleRateHz: null, durationS: 8, binSpacingHz: null });
    expect(summary.channels.map((c) => [c.samples, c.sampleRateHz])).toEqual([
      [800, 100],
      [160, 20],
    ]);
  });

  it('declares the EDF and WAV media types it reads', () => {
    const [capability] = new SignalSummaryAdapter().descriptor.capabilities;
    expect(capability.inputMediaTypes).toEqual(
      expect.arrayContaining(['application/edf', 'audio/wav', 'audio/x-wav', 'audio/wave']),
    );
  });

  it('refuses binary content that is no signal format as unsupported media', async () => {
    await expect(describeSignal(fixture('image/fixture.png'), 'image/png')).rejects.toMatchObject({
      code: 'unsupported_media',
      message: 'cannot read a signal from image/png; send CSV, TSV, JSON, EDF or WAV',
    });
  });

  describe('bounds', () => {
    it('M2: refuses a JSON signal of 200,000 channels as bad input (422), not a RangeError', async () => {
      const doc = {
        sampleRateHz: 100,
        channels: Array.from({ length: 200_000 }, () => ({ values: [1, 2] })),
      };
      const error = await describeSignal(JSON.stringify(doc), 'application/json').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AdapterError);
      expect(error).toMatchObject({ code: 'unprocessable_input', retryable: false });
    });

    it('summarizes 200,000 channels given in memory without spreading them into Math.max', () => {
      const channels = Array.from({ length: 200_000 }, (_v, i) => ({
        name: `c${i}`,
        values: Float32Array.from([i, 0, i, 0]),
      }));
      const summary = summarizeSignal({ sampleRateHz: 4, channels });
      expect(summary).toMatchObject({ samples: 4, durationS: 1, fftSize: 4 });
      expect(summary.channels).toHaveLength(200_000);
    });

    it('refuses a signal over the LIMIT_SIGNAL_VALUES it was given with 413 naming the variable', async () => {
      const limits = { ...DEFAULT_INPUT_LIMITS, signalValues: 7199 };
      await expect(describeSignal(ecg, 'text/csv', {}, undefined, limits)).rejects.toMatchObject({
        code: 'payload_too_large',
        details: { limit: 'LIMIT_SIGNAL_VALUES', max: 7199 },
      });
      const fits = await describeSignal(ecg, 'text/csv', {}, undefined, { ...limits, signalValues: 7200 });
      expect(fits.output.text).toContain('3600 samples');
    });

    it('pads a short channel beside a long one to a few times its own length, not to the longest', () => {
      const long = Float32Array.from({ length: 1 << 20 }, (_v, i) => Math.sin(i / 3));
      const short = Float32Array.from({ length: 16 }, (_v, i) => Math.sin((2 * Math.PI * i) / 4));
      const signal: Signal = {
        channels: [
          { name: 'long', sampleRateHz: 1000, values: long },
          ...Array.from({ length: 2000 }, (_v, i) => ({ name: `s${i}`, sampleRateHz: 4, values: short })),
        ],
      };
      const started = performance.now();
      const summary = summarizeSignal(signal);
      // Each short channel padded to 2^20 points, as before, took minutes.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(summary.fftSize).toBe(1 << 20);
      expect(summary.channels[1].dominantFrequencyHz).toBeCloseTo(1, 2);
    });
  });
});
