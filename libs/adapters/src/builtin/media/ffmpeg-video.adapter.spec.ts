import { AdapterDescriptorSchema } from '@omnigate/contracts';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { binaryOutput, createAdapterHarness } from '../testing';
import { Ffmpeg } from './ffmpeg';
import { FfmpegVideoAdapter } from './ffmpeg-video.adapter';
import { durationOf, endOf, ffprobe } from './media.testing';

function setup(path = 'video/fixture.mp4', mediaType = 'video/mp4', modality: 'video' | 'image' = 'video') {
  const harness = createAdapterHarness();
  const input = harness.put(fixture(path), { modality, mediaType });
  return { harness, input, adapter: new FfmpegVideoAdapter() };
}

const withinFivePercent = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected) / expected).toBeLessThan(0.05);

describe('FfmpegVideoAdapter', () => {
  describe('convert', () => {
    it('transcodes MP4 to WebM (VP9/Opus) and keeps the duration and size', async () => {
      const source = await ffprobe(fixture('video/fixture.mp4'));
      const { harness, input, adapter } = setup();
      const result = await harness.invoke(adapter, {
        task: 'convert',
        inputs: [input],
        output: { modality: 'video', mediaType: 'video/webm' },
      });
      const output = binaryOutput(result);
      expect(output.mediaType).toBe('video/webm');
      const probed = await ffprobe(output.data);
      expect(probed.format.format_name).toContain('webm');
      const video = probed.streams.find((s) => s.codec_type === 'video');
      expect(video).toMatchObject({ codec_name: 'vp9', width: 640, height: 356 });
      expect(probed.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'opus' });
      withinFivePercent(endOf(probed), durationOf(source));
      expect(result.warnings).toEqual([]);
    });

    it('keeps the duration of a longer clip within 5 % when transcoding to WebM', async () => {
      const source = await ffprobe(fixture('video/fixture.3gp'));
      const { harness, input, adapter } = setup('video/fixture.3gp', 'video/3gpp');
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'video' },
          options: { format: 'webm' },
        }),
      );
      const probed = await ffprobe(output.data);
      expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({
        codec_name: 'vp9',
        width: 352,
        height: 288,
      });
      withinFivePercent(durationOf(probed), durationOf(source));
    });

    it('writes H.264 MP4 by default and resizes to a width, keeping the aspect ratio', async () => {
      const { harness, input, adapter } = setup('video/fixture.webm', 'video/webm');
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'video' },
          options: { width: 320 },
        }),
      );
      expect(output.mediaType).toBe('video/mp4');
      const probed = await ffprobe(output.data);
      expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({
        codec_name: 'h264',
        width: 320,
        height: 178,
      });
      expect(probed.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    });

    it('converts a video without sound and trims it', async () => {
      const { harness, input, adapter } = setup('video/fixture.3gp', 'video/3gpp');
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'convert',
          inputs: [input],
          output: { modality: 'video', mediaType: 'video/mp4' },
          options: { start: 1, duration: 2 },
        }),
      );
      const probed = await ffprobe(output.data);
      expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });
      expect(durationOf(probed)).toBeGreaterThan(1.8);
      expect(durationOf(probed)).toBeLessThan(2.2);
    });

    it('refuses a corrupt video as unprocessable input', async () => {
      const { harness, input, adapter } = setup('invalid/corrupt.mkv', 'video/x-matroska');
      const error = await harness
        .invoke(adapter, { task: 'convert', inputs: [input], output: { modality: 'video' } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AdapterError);
      expect(error).toMatchObject({ code: 'unprocessable_input', retryable: false });
    });
  });

  describe('thumbnail', () => {
    // fixture.mp4 has a single frame, so 10 % in falls back to the first frame.
    it('takes a PNG frame of the video’s size, 10 % in by default', async () => {
      const { harness, input, adapter } = setup();
      const output = binaryOutput(
        await harness.invoke(adapter, { task: 'thumbnail', inputs: [input], output: { modality: 'image' } }),
      );
      expect(output.mediaType).toBe('image/png');
      expect(await sharp(output.data).metadata()).toMatchObject({ format: 'png', width: 640, height: 356 });
    });

    it('takes a frame 10 % into a longer clip', async () => {
      const { harness, input, adapter } = setup('video/fixture.3gp', 'video/3gpp');
      const output = binaryOutput(
        await harness.invoke(adapter, { task: 'thumbnail', inputs: [input], output: { modality: 'image' } }),
      );
      expect(await sharp(output.data).metadata()).toMatchObject({ format: 'png', width: 352, height: 288 });
    });

    it('takes the frame at a given time, scaled to a width', async () => {
      const { harness, input, adapter } = setup('video/fixture.3gp', 'video/3gpp');
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'thumbnail',
          inputs: [input],
          output: { modality: 'image' },
          options: { at: 2.5, width: 176 },
        }),
      );
      expect(await sharp(output.data).metadata()).toMatchObject({ format: 'png', width: 176, height: 144 });
    });

    it('says so when there is no frame at the given time', async () => {
      const { harness, input, adapter } = setup();
      await expect(
        harness.invoke(adapter, {
          task: 'thumbnail',
          inputs: [input],
          output: { modality: 'image' },
          options: { at: 60 },
        }),
      ).rejects.toMatchObject({
        code: 'unprocessable_input',
        message: 'no frame at 60 s (is it past the end?)',
      });
    });
  });

  describe('extract', () => {
    it('extracts the sound track as WAV', async () => {
      const { harness, input, adapter } = setup();
      const output = binaryOutput(
        await harness.invoke(adapter, { task: 'extract', inputs: [input], output: { modality: 'audio' } }),
      );
      expect(output.mediaType).toBe('audio/wav');
      const probed = await ffprobe(output.data);
      expect(probed.streams).toHaveLength(1);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '48000', channels: 2 });
      expect(durationOf(probed)).toBeGreaterThan(0.03);
    });

    it('refuses a video without a sound track as unprocessable', async () => {
      const { harness, input, adapter } = setup('video/fixture.mov', 'video/quicktime');
      await expect(
        harness.invoke(adapter, { task: 'extract', inputs: [input], output: { modality: 'audio' } }),
      ).rejects.toMatchObject({ code: 'unprocessable_input', message: 'the video has no sound track' });
    });
  });

  describe('still', () => {
    it('makes a 3 s H.264 clip from a PNG, with even dimensions', async () => {
      const { harness, input, adapter } = setup('image/fixture.png', 'image/png', 'image');
      const output = binaryOutput(
        await harness.invoke(adapter, { task: 'still', inputs: [input], output: { modality: 'video' } }),
      );
      expect(output.mediaType).toBe('video/mp4');
      const probed = await ffprobe(output.data);
      expect(probed.streams).toHaveLength(1);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'h264', width: 200, height: 132 });
      withinFivePercent(durationOf(probed), 3);
    });

    it('honours duration and the WebM media type', async () => {
      const { harness, input, adapter } = setup('image/fixture.jpg', 'image/jpeg', 'image');
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'still',
          inputs: [input],
          output: { modality: 'video', mediaType: 'video/webm' },
          options: { duration: 1.5 },
        }),
      );
      const probed = await ffprobe(output.data);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'vp9' });
      withinFivePercent(durationOf(probed), 1.5);
    });
  });

  it('warns about options a task does not use', async () => {
    const { harness, input, adapter } = setup();
    const result = await harness.invoke(adapter, {
      task: 'extract',
      inputs: [input],
      output: { modality: 'audio' },
      options: { width: 100 },
    });
    expect(result.warnings).toEqual(['width is ignored by extract']);
  });

  it('has a descriptor the contract accepts', () => {
    const { descriptor } = new FfmpegVideoAdapter();
    expect(AdapterDescriptorSchema.parse(descriptor)).toEqual(descriptor);
  });

  it('validates options with its schema, dropping unknown keys', () => {
    const adapter = new FfmpegVideoAdapter();
    expect(adapter.options.safeParse({ width: 0 }).success).toBe(false);
    expect(adapter.options.safeParse({ format: 'avi' }).success).toBe(false);
    expect(adapter.options.safeParse({ at: -1 }).success).toBe(false);
    expect(adapter.options.parse({ at: 1, crf: 20 })).toEqual({ at: 1 });
  });

  it('declares convert, thumbnail, extract and still', () => {
    expect(
      new FfmpegVideoAdapter().descriptor.capabilities.map(
        (c) => `${c.inputs.join('+')}:${c.task}:${c.output}`,
      ),
    ).toEqual(['video:convert:video', 'video:thumbnail:image', 'video:extract:audio', 'image:still:video']);
  });

  it('kills ffmpeg when the job is aborted mid-run', async () => {
    const { harness, input, adapter } = setup('image/fixture.png', 'image/png', 'image');
    const run = harness.invoke(adapter, {
      task: 'still',
      inputs: [input],
      output: { modality: 'video' },
      options: { duration: 3_600 },
    });
    setTimeout(() => harness.controller.abort(new Error('cancelled')), 200);
    const started = Date.now();
    await expect(run).rejects.toThrow('cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('kills ffmpeg on its own timeout, as a retryable timeout', async () => {
    const harness = createAdapterHarness();
    const input = harness.put(fixture('image/fixture.png'), { modality: 'image', mediaType: 'image/png' });
    const adapter = new FfmpegVideoAdapter(new Ffmpeg({ timeoutMs: 300 }));
    await expect(
      harness.invoke(adapter, {
        task: 'still',
        inputs: [input],
        output: { modality: 'video' },
        options: { duration: 3_600 },
      }),
    ).rejects.toMatchObject({ code: 'timeout', retryable: true });
  });
});
