import { AdapterDescriptorSchema } from '@omnigate/contracts';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { binaryOutput, createAdapterHarness, textOutput } from '../testing';
import { Ffmpeg } from './ffmpeg';
import { FfmpegVideoAdapter } from './ffmpeg-video.adapter';
import { decodeSignal } from '../../codecs/signal';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { corruptedPng, durationOf, endOf, ffprobe, frameAt, lavfiVideo } from './media.testing';
import type { VideoDescription } from './video-description';

/** Mean absolute difference of two same-size pictures, per channel value (0..255). */
async function pictureDifference(a: Buffer, b: Buffer): Promise<number> {
  const [ra, rb] = await Promise.all([a, b].map((png) => sharp(png).removeAlpha().raw().toBuffer()));
  let sum = 0;
  for (let i = 0; i < ra.length; i++) sum += Math.abs(ra[i] - rb[i]);
  return sum / ra.length;
}

/** One second each of three flat colours at 25 fps: scene changes at 1 s and 2 s. */
const threeColours = () =>
  lavfiVideo(
    'color=c=red:s=160x120:r=25:d=1[a];color=c=blue:s=160x120:r=25:d=1[b];color=c=green:s=160x120:r=25:d=1[c];[a][b][c]concat=n=3:v=1:a=0',
  );

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

  describe('still with zoom', () => {
    const fitted = (width: number, height: number) =>
      sharp(fixture('image/fixture.png')).resize(width, height, { fit: 'fill' });

    it('zooms slowly towards the centre: the last frame is the centre of the first, enlarged', async () => {
      const { harness, input, adapter } = setup('image/fixture.png', 'image/png', 'image');
      const output = binaryOutput(
        await harness.invoke(adapter, {
          task: 'still',
          inputs: [input],
          output: { modality: 'video' },
          options: { zoom: 1.5, duration: 2 },
        }),
      );
      const probed = await ffprobe(output.data);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'h264', width: 200, height: 132 });
      withinFivePercent(durationOf(probed), 2);
      const [first, last] = await Promise.all([frameAt(output.data, 0), frameAt(output.data, 1.96)]);
      const whole = await fitted(200, 132).png().toBuffer();
      // The middle two thirds (1 / 1.5) of the picture, enlarged to the full size.
      const centre = await sharp(whole)
        .extract({ left: 33, top: 22, width: 133, height: 88 })
        .resize(200, 132, { fit: 'fill' })
        .png()
        .toBuffer();
      const moved = await pictureDifference(first, last);
      expect(moved).toBeGreaterThan(5);
      expect(await pictureDifference(whole, first)).toBeLessThan(moved / 2);
      expect(await pictureDifference(centre, last)).toBeLessThan(moved / 2);
    });

    it('keeps the picture still without zoom; zoom: true zooms, at a given width', async () => {
      const { harness, input, adapter } = setup('image/fixture.png', 'image/png', 'image');
      const still = binaryOutput(
        await harness.invoke(adapter, { task: 'still', inputs: [input], output: { modality: 'video' } }),
      );
      expect(
        await pictureDifference(await frameAt(still.data, 0), await frameAt(still.data, 2.9)),
      ).toBeLessThan(1);
      const zoomed = binaryOutput(
        await harness.invoke(adapter, {
          task: 'still',
          inputs: [input],
          output: { modality: 'video', mediaType: 'video/webm' },
          options: { zoom: true, width: 101 },
        }),
      );
      const probed = await ffprobe(zoomed.data);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'vp9', width: 100, height: 66 });
      withinFivePercent(durationOf(probed), 3);
      expect(
        await pictureDifference(await frameAt(zoomed.data, 0), await frameAt(zoomed.data, 2.9)),
      ).toBeGreaterThan(3);
    });
  });

  describe('describe', () => {
    const describeClip = async (
      data: Buffer,
      mediaType: string,
      output?: string,
      options: Record<string, unknown> = {},
    ) => {
      const harness = createAdapterHarness();
      const input = harness.put(data, { modality: 'video', mediaType });
      return textOutput(
        await harness.invoke(new FfmpegVideoAdapter(), {
          task: 'describe',
          inputs: [input],
          output: { modality: 'text', mediaType: output },
          options,
        }),
      );
    };

    it('reports the streams, duration and frame rate ffprobe sees', async () => {
      const source = await ffprobe(fixture('video/fixture.3gp'));
      const output = await describeClip(fixture('video/fixture.3gp'), 'video/3gpp', 'application/json');
      expect(output.mediaType).toBe('application/json');
      const description = JSON.parse(output.text) as VideoDescription;
      expect(description.durationS).toBeCloseTo(durationOf(source), 3);
      const video = source.streams.find((s) => s.codec_type === 'video')!;
      const audio = source.streams.find((s) => s.codec_type === 'audio')!;
      const [frames, per] = video.avg_frame_rate!.split('/').map(Number);
      expect(description.video).toEqual({
        codec: video.codec_name,
        width: video.width,
        height: video.height,
        frameRate: frames / per,
      });
      expect(description.audio).toEqual({
        codec: audio.codec_name,
        sampleRateHz: Number(audio.sample_rate),
        channels: audio.channels,
      });
      expect(description.streams.map((s) => s.type).sort()).toEqual(['audio', 'video']);
      // One continuous shot.
      expect(description.scenes).toEqual({ threshold: 0.3, changes: [] });
    });

    it('finds the cuts between scenes at their times, and says in text that there is no sound', async () => {
      const clip = await threeColours();
      const description = JSON.parse(
        (await describeClip(clip, 'video/mp4', 'application/json')).text,
      ) as VideoDescription;
      expect(description.audio).toBeNull();
      expect(description.scenes.changes.map((change) => change.timeS)).toEqual([1, 2]);
      for (const change of description.scenes.changes) expect(change.score).toBeGreaterThan(0.3);
      const text = (await describeClip(clip, 'video/mp4')).text.trim().split('\n');
      expect(text).toEqual([
        expect.stringMatching(/^video: 3 s, mov,mp4,/),
        'picture: h264 160x120 at 25 fps',
        'sound: none',
        'scene changes (score over 0.3): 2 at 1 s, 2 s',
      ]);
    });

    it('honours the scene threshold', async () => {
      const clip = await threeColours();
      const { scenes } = JSON.parse(
        (await describeClip(clip, 'video/mp4', 'application/json', { sceneThreshold: 1 })).text,
      ) as VideoDescription;
      expect(scenes).toEqual({ threshold: 1, changes: [] });
    });

    it('refuses a file with no video stream', async () => {
      await expect(describeClip(fixture('audio/jfk.wav'), 'audio/wav')).rejects.toMatchObject({
        code: 'unprocessable_input',
        message: 'the input has no video stream to describe',
      });
    });
  });

  describe('measure', () => {
    const measure = async (
      data: Buffer,
      mediaType: string,
      output?: string,
      options: Record<string, unknown> = {},
    ) => {
      const harness = createAdapterHarness();
      const input = harness.put(data, { modality: 'video', mediaType });
      const result = textOutput(
        await harness.invoke(new FfmpegVideoAdapter(), {
          task: 'measure',
          inputs: [input],
          output: { modality: 'signal', mediaType: output },
          options,
        }),
      );
      const format = result.mediaType === 'application/json' ? 'json' : 'csv';
      return { mediaType: result.mediaType, signal: decodeSignal(Buffer.from(result.text), format) };
    };

    it('emits brightness and motion per frame as CSV at the frame rate', async () => {
      const source = await ffprobe(fixture('video/fixture.3gp'));
      const { mediaType, signal } = await measure(fixture('video/fixture.3gp'), 'video/3gpp');
      expect(mediaType).toBe('text/csv');
      expect(signal.sampleRateHz).toBe(30);
      expect(signal.channels.map((c) => c.name)).toEqual(['brightness', 'motion']);
      const [brightness, motion] = signal.channels.map((c) => Array.from(c.values));
      expect(Math.abs(brightness.length - durationOf(source) * 30)).toBeLessThanOrEqual(2);
      expect(brightness.every((v) => v > 0 && v < 255)).toBe(true);
      // A hand-held clip: something moves in most frames.
      expect(motion[0]).toBe(0);
      expect(motion.filter((v) => v > 0).length).toBeGreaterThan(motion.length / 2);
      expect(Math.max(...motion)).toBeLessThanOrEqual(255);
    });

    it('reads black, white and the cut between them (BT.601 video range: 16 to 235)', async () => {
      const clip = await lavfiVideo(
        'color=c=black:s=64x64:r=25:d=1[a];color=c=white:s=64x64:r=25:d=1[b];[a][b]concat=n=2:v=1:a=0',
      );
      const { signal } = await measure(clip, 'video/mp4', 'application/json');
      const [brightness, motion] = signal.channels.map((c) => Array.from(c.values));
      expect(brightness).toHaveLength(50);
      expect(brightness[10]).toBeCloseTo(16, 0);
      expect(brightness[40]).toBeCloseTo(235, 0);
      const cut = motion.findIndex((v) => v > 100);
      expect(cut).toBe(25);
      expect(motion[cut]).toBeCloseTo(219, 0);
      expect(motion.filter((v, i) => i !== cut && v > 1)).toEqual([]);
    });

    it('resamples to a given rate and span, as JSON', async () => {
      const { mediaType, signal } = await measure(
        fixture('video/fixture.3gp'),
        'video/3gpp',
        'application/json',
        {
          sampleRateHz: 5,
          start: 1,
          duration: 2,
        },
      );
      expect(mediaType).toBe('application/json');
      expect(signal.sampleRateHz).toBe(5);
      expect(Math.abs(signal.channels[0].values.length - 10)).toBeLessThanOrEqual(1);
    });

    it('refuses a file with no video stream and a media type it does not write', async () => {
      await expect(measure(fixture('audio/jfk.wav'), 'audio/wav')).rejects.toMatchObject({
        code: 'unprocessable_input',
        message: 'the input has no video stream to measure',
      });
      await expect(measure(fixture('video/fixture.3gp'), 'video/3gpp', 'audio/wav')).rejects.toMatchObject({
        code: 'unprocessable_input',
      });
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
    expect(adapter.options.safeParse({ zoom: 1 }).success).toBe(false);
    expect(adapter.options.safeParse({ zoom: 5 }).success).toBe(false);
    expect(adapter.options.safeParse({ sceneThreshold: 0 }).success).toBe(false);
    expect(adapter.options.safeParse({ sampleRateHz: 0 }).success).toBe(false);
  });

  it('declares convert, thumbnail, extract, still, describe and measure', () => {
    expect(
      new FfmpegVideoAdapter().descriptor.capabilities.map(
        (c) => `${c.inputs.join('+')}:${c.task}:${c.output}`,
      ),
    ).toEqual([
      'video:convert:video',
      'video:thumbnail:image',
      'video:extract:audio',
      'image:still:video',
      'video:describe:text',
      'video:measure:signal',
    ]);
  });

  it('prices each task so that the planner’s default route for every pair from video is one hop', () => {
    const { descriptor } = new FfmpegVideoAdapter();
    // As the route planner adds a hop up: its cost hint plus a little for latency.
    const cost = (task: string) => {
      const capability = descriptor.capabilities.find((c) => c.task === task)!;
      return (
        (capability.costHint ?? descriptor.costHint ?? 1) +
        (capability.latencyHintMs ?? descriptor.latencyHintMs ?? 0) / 10_000
      );
    };
    // Any further hop costs at least 1 (the built-ins' lowest hint but echo's).
    expect(cost('describe')).toBeLessThan(cost('thumbnail') + 1); // not thumbnail → image describe
    expect(cost('measure')).toBeLessThan(cost('thumbnail') + 1); // not thumbnail → histogram
    expect(cost('thumbnail')).toBeLessThan(cost('describe') + 1); // not describe → render
    expect(cost('extract')).toBeLessThan(cost('measure') + 1); // not measure → sonify
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

  it('stops ffmpeg at its time budget as bad input, not to be retried', async () => {
    const harness = createAdapterHarness();
    const input = harness.put(fixture('image/fixture.png'), { modality: 'image', mediaType: 'image/png' });
    const budget = { baseMs: 300, msPerMediaSecond: 0, msPerMegapixel: 0 };
    const adapter = new FfmpegVideoAdapter(new Ffmpeg({ budget }));
    await expect(
      harness.invoke(adapter, {
        task: 'still',
        inputs: [input],
        output: { modality: 'video' },
        options: { duration: 3_600 },
      }),
    ).rejects.toMatchObject({ code: 'unprocessable_input', retryable: false, details: { budgetMs: 300 } });
  });

  describe('hostile input (issue 12)', () => {
    it('refuses a PNG with 26 bytes inserted as unprocessable, at once, instead of spinning ffmpeg (M1)', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(corruptedPng(), { modality: 'image', mediaType: 'image/png' });
      const started = Date.now();
      await expect(
        harness.invoke(new FfmpegVideoAdapter(), {
          task: 'still',
          inputs: [input],
          output: { modality: 'video' },
        }),
      ).rejects.toMatchObject({
        code: 'unprocessable_input',
        message: expect.stringContaining('cannot read the image'),
      });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('refuses an image over LIMIT_IMAGE_PIXELS before decoding it', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(fixture('image/fixture.png'), { modality: 'image', mediaType: 'image/png' });
      const adapter = new FfmpegVideoAdapter(new Ffmpeg(), {
        ...DEFAULT_INPUT_LIMITS,
        imagePixels: 200 * 132,
      });
      await expect(
        harness.invoke(adapter, { task: 'still', inputs: [input], output: { modality: 'video' } }),
      ).rejects.toMatchObject({
        code: 'payload_too_large',
        details: { limit: 'LIMIT_IMAGE_PIXELS', max: 200 * 132, actual: 200 * 133 },
      });
    });

    it('makes a clip of a huge picture no larger than 4K, with a warning', async () => {
      const harness = createAdapterHarness();
      const wide = await sharp({ create: { width: 6000, height: 1600, channels: 3, background: '#369' } })
        .jpeg()
        .toBuffer();
      const input = harness.put(wide, { modality: 'image', mediaType: 'image/jpeg' });
      const result = await harness.invoke(new FfmpegVideoAdapter(), {
        task: 'still',
        inputs: [input],
        output: { modality: 'video' },
        options: { duration: 0.04 },
      });
      const video = (await ffprobe(binaryOutput(result).data)).streams.find((s) => s.codec_type === 'video');
      expect((video?.width ?? 0) * (video?.height ?? 0)).toBeLessThanOrEqual(3840 * 2160);
      // 6000 × 1600 scaled by √(3840 × 2160 / 9.6 M) and rounded down to even.
      expect(video).toMatchObject({ width: 5576, height: 1486 });
      expect(result.warnings).toEqual([expect.stringContaining('5576×1486')]);
    });

    it.each(['convert', 'describe', 'extract', 'thumbnail', 'measure'])(
      'refuses to %s a video longer than LIMIT_MEDIA_DURATION_S, from its header',
      async (task) => {
        const { harness, input } = setup('video/fixture.3gp', 'video/3gpp');
        const adapter = new FfmpegVideoAdapter(new Ffmpeg(), { ...DEFAULT_INPUT_LIMITS, mediaDurationS: 5 });
        await expect(
          harness.invoke(adapter, { task, inputs: [input], output: { modality: 'video' } }),
        ).rejects.toMatchObject({
          code: 'payload_too_large',
          details: { limit: 'LIMIT_MEDIA_DURATION_S', max: 5 },
        });
      },
    );
  });
});
