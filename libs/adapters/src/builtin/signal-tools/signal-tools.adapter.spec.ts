import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { decodeSignal } from '../../codecs/signal';
import { decodePointCloud, findField } from '../../codecs/pointcloud';
import { wavFile } from '../../codecs/signal/test-files';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { ffprobe } from '../media/media.testing';
import { readWavInfo } from '../speech/wav';
import { binaryOutput, createAdapterHarness, textOutput } from '../testing';
import { meanAndStd } from './signal-dsp';
import { SignalToolsAdapter } from './signal-tools.adapter';

const ecg = fixture('signal/mitdb-100-ecg-10s.csv');
const ecgSignal = decodeSignal(ecg, 'csv');

async function run(
  task: string,
  output: { modality: string; mediaType?: string },
  options: Record<string, unknown> = {},
  data: Buffer | string = ecg,
  mediaType = 'text/csv',
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
) {
  const harness = createAdapterHarness();
  const input = harness.put(data, { modality: 'signal', mediaType });
  return harness.invoke(new SignalToolsAdapter(limits), { task, inputs: [input], output, options });
}

/** The root mean square of a sine of `hz` left in `values` (projection on sin and cos). */
function amplitudeAt(values: Float32Array, hz: number, rateHz: number): number {
  let s = 0;
  let c = 0;
  values.forEach((v, i) => {
    s += v * Math.sin((2 * Math.PI * hz * i) / rateHz);
    c += v * Math.cos((2 * Math.PI * hz * i) / rateHz);
  });
  return (2 * Math.hypot(s, c)) / values.length;
}

describe('SignalToolsAdapter', () => {
  describe('transform', () => {
    it('resamples the 360 Hz ECG to 250 Hz: 2500 samples over the same 10 s, as CSV', async () => {
      const result = await run('transform', { modality: 'signal' }, { sampleRateHz: 250 });
      const output = textOutput(result);
      expect(output.mediaType).toBe('text/csv');
      expect(output.text.split('\n', 1)[0]).toBe('time_s,MLII_mV,V5_mV');
      const signal = decodeSignal(Buffer.from(output.text), 'csv');
      expect(signal.sampleRateHz).toBe(250);
      expect(signal.channels.map((c) => c.values.length)).toEqual([2500, 2500]);
      // Sample j = 36 at 250 Hz is t = 0.144 s = sample 51.84 at 360 Hz.
      const source = ecgSignal.channels[0].values;
      const expected = source[51] + (source[52] - source[51]) * 0.84;
      expect(signal.channels[0].values[36]).toBeCloseTo(expected, 5);
      expect(result.warnings).toEqual([]);
    });

    it('selects and z-scores a channel, writing JSON when asked', async () => {
      const output = textOutput(
        await run(
          'transform',
          { modality: 'signal', mediaType: 'application/json' },
          { channels: ['V5_mV'], normalize: 'zscore' },
        ),
      );
      expect(output.mediaType).toBe('application/json');
      const signal = decodeSignal(Buffer.from(output.text), 'json');
      expect(signal.sampleRateHz).toBe(360);
      expect(signal.channels.map((c) => c.name)).toEqual(['V5_mV']);
      expect(signal.channels[0].values).toHaveLength(3600);
      const { mean, std } = meanAndStd(signal.channels[0].values);
      expect(mean).toBeCloseTo(0, 5);
      expect(std).toBeCloseTo(1, 5);
    });

    it('scales into [0, 1] with minmax', async () => {
      const output = textOutput(await run('transform', { modality: 'signal' }, { normalize: 'minmax' }));
      const signal = decodeSignal(Buffer.from(output.text), 'csv');
      for (const channel of signal.channels) {
        expect(Math.min(...channel.values)).toBe(0);
        expect(Math.max(...channel.values)).toBe(1);
      }
    });

    it('low-passes away a 120 Hz tone and high-passes away an offset and a slow drift, keeping 10 Hz', async () => {
      const rate = 1000;
      const values = Array.from(
        { length: 2000 },
        (_v, i) =>
          3 + Math.sin((2 * Math.PI * 10 * i) / rate) + 0.5 * Math.sin((2 * Math.PI * 120 * i) / rate),
      );
      const doc = JSON.stringify({ sampleRateHz: rate, channels: [{ name: 'x', values }] });
      const filtered = async (options: Record<string, unknown>) =>
        decodeSignal(
          Buffer.from(
            textOutput(await run('transform', { modality: 'signal' }, options, doc, 'application/json')).text,
          ),
          'csv',
        ).channels[0].values;

      const low = await filtered({ lowpassHz: 30 });
      expect(amplitudeAt(low, 120, rate)).toBeLessThan(0.01);
      expect(amplitudeAt(low, 10, rate)).toBeGreaterThan(0.95);
      expect(meanAndStd(low).mean).toBeCloseTo(3, 2);

      const high = await filtered({ highpassHz: 2 });
      expect(Math.abs(meanAndStd(high).mean)).toBeLessThan(0.02);
      expect(amplitudeAt(high, 10, rate)).toBeGreaterThan(0.95);

      const band = await filtered({ highpassHz: 2, lowpassHz: 30 });
      expect(amplitudeAt(band, 120, rate)).toBeLessThan(0.01);
      expect(Math.abs(meanAndStd(band).mean)).toBeLessThan(0.02);
    });

    it('refuses a cutoff at or above Nyquist, a band the wrong way round and a rate it cannot know', async () => {
      await expect(run('transform', { modality: 'signal' }, { lowpassHz: 180 })).rejects.toMatchObject({
        code: 'invalid_request',
      });
      await expect(
        run('transform', { modality: 'signal' }, { lowpassHz: 10, highpassHz: 20 }),
      ).rejects.toMatchObject({ code: 'invalid_request' });
      await expect(
        run('transform', { modality: 'signal' }, { sampleRateHz: 100 }, '1\n2\n3\n4\n'),
      ).rejects.toMatchObject({ code: 'unprocessable_input' });
      const output = textOutput(
        await run(
          'transform',
          { modality: 'signal' },
          { sampleRateHz: 8, inputSampleRateHz: 4 },
          '1\n2\n3\n4\n',
        ),
      );
      expect(decodeSignal(Buffer.from(output.text), 'csv').channels[0].values).toEqual(
        new Float32Array([1, 1.5, 2, 2.5, 3, 3.5, 4, 4]),
      );
    });

    it('refuses an output type it does not write and a task it does not have', async () => {
      await expect(run('transform', { modality: 'signal', mediaType: 'audio/wav' })).rejects.toMatchObject({
        code: 'unprocessable_input',
      });
      await expect(run('spectrogram', { modality: 'image' })).rejects.toMatchObject({
        code: 'invalid_request',
      });
    });

    it('warns about options the task does not use', async () => {
      const result = await run('transform', { modality: 'signal' }, { delay: 3 });
      expect(result.warnings).toEqual(['delay is ignored by transform']);
    });
  });

  describe('plot', () => {
    it('renders a non-blank PNG of the size asked, with a line per channel', async () => {
      const output = binaryOutput(await run('plot', { modality: 'image' }, { width: 640, height: 360 }));
      expect(output.mediaType).toBe('image/png');
      const image = sharp(output.data);
      expect(await image.metadata()).toMatchObject({ format: 'png', width: 640, height: 360 });
      const { channels } = await image.stats();
      // White background, dark axes and text, coloured lines.
      expect(channels[0].min).toBeLessThan(100);
      expect(channels[0].max).toBe(255);
      expect(channels[0].stdev).toBeGreaterThan(5);
      // The first trace is blue (#1f77b4) and the second orange (#ff7f0e): both appear.
      const { data, info } = await sharp(output.data)
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      let blue = 0;
      let orange = 0;
      for (let i = 0; i < info.width * info.height; i++) {
        const [r, g, b] = [data[3 * i], data[3 * i + 1], data[3 * i + 2]];
        if (b > 150 && r < 80) blue++;
        if (r > 220 && g > 100 && g < 160 && b < 60) orange++;
      }
      expect(blue).toBeGreaterThan(200);
      expect(orange).toBeGreaterThan(200);
    });

    it('defaults to 800 × 400 and plots the EDF fixture (11 channels)', async () => {
      const output = binaryOutput(
        await run(
          'plot',
          { modality: 'image' },
          {},
          fixture('signal/edf-test-generator.edf'),
          'application/edf',
        ),
      );
      expect(await sharp(output.data).metadata()).toMatchObject({ width: 800, height: 400 });
    });
  });

  describe('sonify', () => {
    it('writes a 10 s tone at 8 kHz for the 10 s ECG, a WAV that ffprobe reads', async () => {
      const output = binaryOutput(await run('sonify', { modality: 'audio' }));
      expect(output.mediaType).toBe('audio/wav');
      expect(readWavInfo(output.data)).toMatchObject({
        sampleRate: 8000,
        channels: 1,
        bitsPerSample: 16,
        durationS: 10,
      });
      const probed = await ffprobe(output.data);
      expect(probed.format.format_name).toBe('wav');
      expect(probed.streams[0]).toMatchObject({ codec_type: 'audio', sample_rate: '8000', channels: 1 });
      expect(Number(probed.format.duration)).toBeCloseTo(10, 3);
    });

    it('writes the samples themselves at 8 kHz in samples mode: 3600 samples last 0.45 s', async () => {
      const output = binaryOutput(
        await run('sonify', { modality: 'audio' }, { mode: 'samples', channel: 'V5_mV' }),
      );
      const info = readWavInfo(output.data);
      expect(info?.durationS).toBeCloseTo(0.45, 6);
      const probed = await ffprobe(output.data);
      expect(Number(probed.format.duration)).toBeCloseTo(0.45, 3);
      // The largest magnitude is scaled to 0.9 of full scale.
      let peak = 0;
      for (let i = 0; i < 3600; i++) peak = Math.max(peak, Math.abs(output.data.readInt16LE(44 + 2 * i)));
      expect(peak).toBe(Math.round(0.9 * 32767));
    });

    it('honours durationS and refuses an unknown channel', async () => {
      const output = binaryOutput(await run('sonify', { modality: 'audio' }, { durationS: 2.5 }));
      expect(readWavInfo(output.data)?.durationS).toBe(2.5);
      await expect(run('sonify', { modality: 'audio' }, { channel: 'aVR' })).rejects.toMatchObject({
        code: 'unprocessable_input',
        message: 'no channel named aVR; the signal has MLII_mV, V5_mV',
      });
    });
  });

  describe('embed', () => {
    it('delay-embeds a channel: n − 2τ points (x(t), x(t+τ), x(t+2τ)) in binary PLY', async () => {
      const output = binaryOutput(
        await run('embed', { modality: 'pointcloud' }, { delay: 5, channel: 'MLII_mV' }),
      );
      expect(output.mediaType).toBe('application/x-ply');
      expect(output.data.subarray(0, 40).toString('latin1')).toContain('format binary_little_endian');
      const cloud = decodePointCloud(output.data, 'ply');
      expect(cloud.count).toBe(3600 - 2 * 5);
      const source = ecgSignal.channels[0].values;
      const [x, y, z] = ['x', 'y', 'z'].map((name) => findField(cloud, name)?.values);
      for (const t of [0, 100, 3589]) {
        expect([x?.[t], y?.[t], z?.[t]]).toEqual([source[t], source[t + 5], source[t + 10]]);
      }
    });

    it('uses delay 1 and the first channel by default, and refuses a delay too long', async () => {
      const cloud = decodePointCloud(
        binaryOutput(await run('embed', { modality: 'pointcloud' })).data,
        'ply',
      );
      expect(cloud.count).toBe(3598);
      await expect(
        run('embed', { modality: 'pointcloud' }, { delay: 2 }, '1\n2\n3\n4\n'),
      ).rejects.toMatchObject({ code: 'unprocessable_input' });
    });
  });

  describe('bounds', () => {
    it('M2: refuses a JSON signal of 200,000 channels as bad input (422) for every task', async () => {
      const doc = JSON.stringify({
        sampleRateHz: 100,
        channels: Array.from({ length: 200_000 }, () => ({ values: [1, 2] })),
      });
      for (const [task, modality] of [
        ['plot', 'image'],
        ['transform', 'signal'],
      ] as const) {
        await expect(run(task, { modality }, {}, doc, 'application/json')).rejects.toMatchObject({
          code: 'unprocessable_input',
        });
      }
    });

    it('refuses a resampling over LIMIT_SIGNAL_VALUES with 413 before doing it', async () => {
      const started = performance.now();
      await expect(run('transform', { modality: 'signal' }, { sampleRateHz: 1e9 })).rejects.toMatchObject({
        code: 'payload_too_large',
        details: { limit: 'LIMIT_SIGNAL_VALUES', actual: 2e10 },
      });
      expect(performance.now() - started).toBeLessThan(2000);
    });

    it('plots as many channels as the height holds (the first ones), with a warning', async () => {
      const doc = JSON.stringify({
        sampleRateHz: 10,
        channels: Array.from({ length: 100 }, (_v, c) => ({ name: `c${c}`, values: [c, c + 1, c] })),
      });
      const result = await run('plot', { modality: 'image' }, {}, doc, 'application/json');
      expect(result.warnings).toEqual([
        'only the first 16 of 100 channels are plotted at this height; choose them with channels, or set a larger height',
      ]);
      const tall = await run('plot', { modality: 'image' }, { height: 4096 }, doc, 'application/json');
      expect(tall.warnings?.[0]).toMatch(/only the first 64 of 100 channels/);
    });

    it('refuses a delay embedding of more points than LIMIT_POINTS with 413', async () => {
      const limits = { ...DEFAULT_INPUT_LIMITS, points: 3597 };
      await expect(
        run('embed', { modality: 'pointcloud' }, {}, ecg, 'text/csv', limits),
      ).rejects.toMatchObject({
        code: 'payload_too_large',
        details: { limit: 'LIMIT_POINTS', actual: 3598 },
      });
    });

    it('cuts samples-mode audio to 600 s, with a warning', async () => {
      const frames = 600 * 8000 + 4000;
      const wav = wavFile({
        formatTag: 1,
        channels: 1,
        sampleRateHz: 8000,
        bitsPerSample: 8,
        data: Buffer.alloc(frames, 100),
      });
      const result = await run('sonify', { modality: 'audio' }, { mode: 'samples' }, wav, 'audio/wav');
      expect(readWavInfo(binaryOutput(result).data)).toMatchObject({ sampleRate: 8000, durationS: 600 });
      expect(result.warnings).toEqual([`the audio is cut to 600 s: the first 4800000 of ${frames} samples`]);
    });
  });
});
