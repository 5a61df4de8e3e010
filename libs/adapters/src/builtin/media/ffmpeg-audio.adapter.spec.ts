import { AdapterDescriptorSchema } from '@omnigate/contracts';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { binaryOutput, createAdapterHarness, textOutput } from '../testing';
import { FfmpegAudioAdapter } from './ffmpeg-audio.adapter';
import { durationOf, ffprobe, sineWav } from './media.testing';

const JFK_DURATION_S = 11;

function setup(data: Buffer = fixture('audio/jfk.wav'), mediaType = 'audio/wav') {
  const harness = createAdapterHarness();
  const input = harness.put(data, { modality: 'audio', mediaType });
  return { harness, input, adapter: new FfmpegAudioAdapter() };
}

describe('FfmpegAudioAdapter', () => {
  describe('convert', () => {
    it.each([
      ['audio/mpeg', 'mp3', 'mp3'],
      ['audio/flac', 'flac', 'flac'],
      ['audio/ogg', 'ogg', 'vorbis'],
      ['audio/opus', 'ogg', 'opus'],
    ])('transcodes WAV to %s and keeps the duration', async (mediaType, container, codec) => {
      const { harness, input, adapter } = setup();
      const result = await harness.invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'audio', mediaType },
      });
      const output = binaryOutput(result);
      expect(output.mediaType).toBe(mediaType);
      const probed = await ffprobe(output.data);
      expect(probed.format.format_name).toContain(container);
      expect(probed.streams[0].codec_name).toBe(codec);
      expect(Math.abs(durationOf(probed) - JFK_DURATION_S) / JFK_DURATION_S).toBeLessThan(0.05);
      expect(result.warnings).toEqual([]);
    });

    it('writes WAV by default, from an MP3', async () => {
      const { harness, input, adapter } = setup(fixture('audio/jfk.mp3'), 'audio/mpeg');
      const output = binaryOutput(
        await harness.invoke(adapter, { task: 'convert', inputs: [input], output: { modality: 'audio' } }),
      );
      expect(output.mediaType).toBe('audio/wav');
      const probed = await ffprobe(output.data);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '16000', channels: 1 });
      expect(Math.abs(durationOf(probed) - 11.088) / 11.088).toBeLessThan(0.05);
    });

    it('resamples, changes the channel count and trims', async () => {
      const { harness, input, adapter } = setup();
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'audio' },
          options: { format: 'flac', sampleRateHz: 44_100, channels: 2, start: 2, duration: 3 },
        }),
      );
      expect(output.mediaType).toBe('audio/flac');
      const probed = await ffprobe(output.data);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'flac', sample_rate: '44100', channels: 2 });
      expect(durationOf(probed)).toBeCloseTo(3, 1);
    });

    it('normalises loudness and keeps the source sample rate', async () => {
      const { harness, input, adapter } = setup();
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'audio', mediaType: 'audio/wav' },
          options: { normalize: true },
        }),
      );
      const probed = await ffprobe(output.data);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '16000' });
      expect(Math.abs(durationOf(probed) - JFK_DURATION_S) / JFK_DURATION_S).toBeLessThan(0.05);
    });

    it('warns about options convert does not use', async () => {
      const { harness, input, adapter } = setup();
      const result = await harness.invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'audio' },
        options: { width: 100, duration: 1 },
      });
      expect(result.warnings).toEqual(['width is ignored by convert']);
    });

    it('refuses an output media type it does not write', async () => {
      const { harness, input, adapter } = setup();
      await expect(
        harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'audio', mediaType: 'audio/x-ms-wma' },
        }),
      ).rejects.toMatchObject({
        code: 'unprocessable_input',
        message: expect.stringContaining('audio/x-ms-wma'),
      });
    });

    it('refuses bytes that are not audio as unprocessable, with ffmpeg’s reason and the cause', async () => {
      const { harness, input, adapter } = setup(Buffer.from('this is not audio at all'), 'audio/wav');
      const error = await harness
        .invoke(adapter, { task: 'convert', inputs: [input], output: { modality: 'audio' } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AdapterError);
      expect(error).toMatchObject({ code: 'unprocessable_input', retryable: false });
      expect((error as AdapterError).message).not.toContain('omnigate-ffmpeg-');
      expect((error as AdapterError).cause).toBeInstanceOf(Error);
    });
  });

  describe('spectrogram', () => {
    it('draws a PNG of the requested size that is not blank', async () => {
      const { harness, input, adapter } = setup(sineWav(1_000, 2));
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'spectrogram',
          inputs: [input],
          output: { modality: 'image' },
          options: { width: 320, height: 160 },
        }),
      );
      expect(output.mediaType).toBe('image/png');
      const image = sharp(output.data);
      expect(await image.metadata()).toMatchObject({ format: 'png', width: 320, height: 160 });
      const stats = await image.stats();
      expect(Math.max(...stats.channels.slice(0, 3).map((channel) => channel.stdev))).toBeGreaterThan(5);
    });
  });

  it('draws a blank spectrogram for silence, so the threshold above means something', async () => {
    const { harness, input, adapter } = setup(sineWav(0, 2));
    const output = binaryOutput(
      await harness.invoke(adapter, {
        task: 'spectrogram',
        inputs: [input],
        output: { modality: 'image' },
        options: { width: 320, height: 160 },
      }),
    );
    const stats = await sharp(output.data).stats();
    expect(Math.max(...stats.channels.slice(0, 3).map((channel) => channel.stdev))).toBeLessThan(1);
  });

  describe('samples', () => {
    it('emits a 100 Hz RMS envelope as CSV by default', async () => {
      const { harness, input, adapter } = setup(sineWav(440, 2));
      const output = textOutput(
        await harness.invoke(adapter, { task: 'samples', inputs: [input], output: { modality: 'signal' } }),
      );
      expect(output.mediaType).toBe('text/csv');
      const [header, ...rows] = output.text.trim().split('\n');
      expect(header).toBe('time_s,audio');
      expect(rows).toHaveLength(200);
      expect(rows[1]).toMatch(/^0\.01,/);
      // A sine of amplitude 0.5 has an RMS of 0.5 / √2.
      const middle = Number(rows[100].split(',')[1]);
      expect(middle).toBeCloseTo(0.5 / Math.SQRT2, 2);
    });

    it('emits raw stereo samples as JSON in the gateway’s signal form', async () => {
      const { harness, input, adapter } = setup();
      const output = textOutput(
        await harness.invoke(adapter, {
          task: 'samples',
          inputs: [input],
          output: { modality: 'signal', mediaType: 'application/json' },
          options: { mode: 'raw', sampleRateHz: 8_000, channels: 2, duration: 1 },
        }),
      );
      expect(output.mediaType).toBe('application/json');
      const signal = JSON.parse(output.text) as {
        sampleRateHz: number;
        channels: { name: string; values: number[] }[];
      };
      expect(signal.sampleRateHz).toBe(8_000);
      expect(signal.channels.map((channel) => channel.name)).toEqual(['left', 'right']);
      expect(signal.channels[0].values.length).toBeGreaterThan(7_900);
      expect(signal.channels[0].values.length).toBeLessThanOrEqual(8_000);
      expect(signal.channels[0].values.some((value) => Math.abs(value) > 0.01)).toBe(true);
    });

    it('falls back to raw samples with a warning when an envelope rate is too high', async () => {
      const { harness, input, adapter } = setup(sineWav(440, 0.5));
      const result = await harness.invoke(adapter, {
        task: 'samples',
        inputs: [input],
        output: { modality: 'signal' },
        options: { sampleRateHz: 4_000 },
      });
      expect(result.warnings).toEqual([
        'an envelope needs sampleRateHz <= 1000; emitting raw samples instead',
      ]);
      expect(textOutput(result).text.trim().split('\n')).toHaveLength(1 + 2_000);
    });
  });

  it('has a descriptor the contract accepts', () => {
    const { descriptor } = new FfmpegAudioAdapter();
    expect(AdapterDescriptorSchema.parse(descriptor)).toEqual(descriptor);
  });

  it('validates options with its schema, dropping unknown keys', () => {
    const adapter = new FfmpegAudioAdapter();
    expect(adapter.options.safeParse({ sampleRateHz: 0 }).success).toBe(false);
    expect(adapter.options.safeParse({ format: 'aac' }).success).toBe(false);
    expect(adapter.options.safeParse({ start: -1 }).success).toBe(false);
    expect(adapter.options.parse({ normalize: true, reverb: 1 })).toEqual({ normalize: true });
  });

  it('declares convert, spectrogram and samples', () => {
    expect(new FfmpegAudioAdapter().descriptor.capabilities.map((c) => `${c.task}:${c.output}`)).toEqual([
      'convert:audio',
      'spectrogram:image',
      'samples:signal',
    ]);
  });

  it('does no work once the job is aborted', async () => {
    const { harness, input, adapter } = setup();
    harness.controller.abort(new Error('cancelled'));
    await expect(
      harness.invoke(adapter, { task: 'convert', inputs: [input], output: { modality: 'audio' } }),
    ).rejects.toThrow('cancelled');
  });
});
