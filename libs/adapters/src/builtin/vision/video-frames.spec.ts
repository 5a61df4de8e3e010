import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { Ffmpeg } from '../media/ffmpeg';
import { readMediaInput } from '../media/media-input';
import { stillVideo } from '../media/media.testing';
import { createAdapterHarness } from '../testing';
import { FRAME_MAX_SIDE, sampleFrames, samplingIntervalMs, type SampledFrames } from './video-frames';

const ffmpeg = new Ffmpeg();

async function sample(
  video: Buffer,
  mediaType: string,
  sampling = { intervalS: 1, maxFrames: 30 },
  limits = DEFAULT_INPUT_LIMITS,
): Promise<SampledFrames> {
  const harness = createAdapterHarness();
  const input = harness.put(video, { modality: 'video', mediaType });
  const media = await readMediaInput(ffmpeg, harness.context, input, limits);
  return sampleFrames(ffmpeg, media, sampling, limits, harness.context.signal);
}

/** 1280 × 720: red, with a blue square in its top-left corner (so a turned picture shows). */
async function marked(): Promise<Buffer> {
  const square = await sharp({
    create: { width: 320, height: 320, channels: 3, background: '#0000ff' },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width: 1280, height: 720, channels: 3, background: '#ff0000' } })
    .composite([{ input: square, left: 0, top: 0 }])
    .png()
    .toBuffer();
}

const pixel = (frame: SampledFrames['frames'][number], x: number, y: number) => {
  const at = (y * frame.rgb.width + x) * 3;
  return [...frame.rgb.data.subarray(at, at + 3)];
};
const near = (actual: number[], expected: number[]) =>
  actual.every((value, i) => Math.abs(value - expected[i]) <= 24);

describe('samplingIntervalMs', () => {
  it('keeps the interval asked for while the video fits in maxFrames, else spreads maxFrames over it', () => {
    expect(samplingIntervalMs(3, { intervalS: 1, maxFrames: 30 })).toBe(1000);
    expect(samplingIntervalMs(undefined, { intervalS: 0.25, maxFrames: 30 })).toBe(250);
    expect(samplingIntervalMs(120, { intervalS: 1, maxFrames: 30 })).toBe(4000);
    expect(samplingIntervalMs(3, { intervalS: 1, maxFrames: 2 })).toBe(1500);
  });
});

describe('sampleFrames (real ffmpeg)', () => {
  it('takes one frame a second at the times of the samples, shrunk to FRAME_MAX_SIDE', async () => {
    const sampled = await sample(await stillVideo(await marked(), 3), 'video/mp4');
    expect(sampled).toMatchObject({ width: 1280, height: 720, intervalS: 1 });
    expect(sampled.frames.map((f) => f.timeS)).toEqual([0, 1, 2]);
    for (const frame of sampled.frames) {
      expect(frame.rgb).toMatchObject({ width: FRAME_MAX_SIDE, height: 360 });
      expect(frame.rgb.data.length).toBe(FRAME_MAX_SIDE * 360 * 3);
      expect(near(pixel(frame, 40, 40), [0, 0, 255])).toBe(true);
      expect(near(pixel(frame, 600, 300), [255, 0, 0])).toBe(true);
    }
    expect(sampled.scaleX).toBeCloseTo(0.5);
  });

  it('turns a video that says it is rotated upright, and reports its size as shown', async () => {
    const sampled = await sample(await stillVideo(await marked(), 2, 90), 'video/mp4');
    expect(sampled).toMatchObject({ width: 1280, height: 720 });
    const [first] = sampled.frames;
    expect(first.rgb).toMatchObject({ width: FRAME_MAX_SIDE, height: 360 });
    expect(near(pixel(first, 40, 40), [0, 0, 255])).toBe(true);
    expect(near(pixel(first, 600, 300), [255, 0, 0])).toBe(true);
  });

  it('takes at most maxFrames, spread over the whole video', async () => {
    const sampled = await sample(await stillVideo(await marked(), 3), 'video/mp4', {
      intervalS: 0.5,
      maxFrames: 2,
    });
    expect(sampled.intervalS).toBe(1.5);
    expect(sampled.frames.map((f) => f.timeS)).toEqual([0, 1.5]);
  });

  it('reads the shared fixtures: a 5.6 s 3GP gives six frames, a clip shorter than a second one', async () => {
    const gp = await sample(fixture('video/fixture.3gp'), 'video/3gpp');
    expect(gp).toMatchObject({ width: 352, height: 288 });
    expect(gp.frames.map((f) => f.timeS)).toEqual([0, 1, 2, 3, 4, 5]);
    const short = await sample(fixture('video/fixture.webm'), 'video/webm');
    expect(short.frames.map((f) => f.timeS)).toEqual([0]);
    expect(short.frames[0].rgb).toMatchObject({ width: 640, height: 356 });
  });

  it('refuses a video over LIMIT_MEDIA_DURATION_S before decoding it, and junk as unprocessable', async () => {
    const video = await stillVideo(await marked(), 3);
    const error = await sample(video, 'video/mp4', undefined, {
      ...DEFAULT_INPUT_LIMITS,
      mediaDurationS: 2,
    }).catch((e: unknown) => e);
    expect(AdapterError.is(error) && error.code).toBe('payload_too_large');
    const junk = await sample(Buffer.from('not a video at all'), 'video/mp4').catch((e: unknown) => e);
    expect(AdapterError.is(junk) && junk.code).toBe('unprocessable_input');
  });
});
