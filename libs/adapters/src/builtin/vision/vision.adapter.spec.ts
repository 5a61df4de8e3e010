import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS } from '../../sdk/input-limits';
import { stillVideo } from '../media/media.testing';
import { binaryOutput, createAdapterHarness, textOutput } from '../testing';
import { boxStrokeWidth } from './draw-boxes';
import { VisionAdapter } from './vision.adapter';
import { CANVAS, PASTED, personOnCanvas, SAMPLES, type Box } from './vision.testing';

describe('VisionAdapter (real models)', () => {
  // One adapter, so the models load once for the whole file.
  const adapter = new VisionAdapter(DEFAULT_INPUT_LIMITS);
  let picture: Buffer;

  beforeAll(async () => {
    picture = await personOnCanvas();
  });
  afterAll(() => adapter.close());

  it('finds the one person, where the photo was pasted', async () => {
    const harness = createAdapterHarness();
    const input = harness.put(picture, { modality: 'image', mediaType: 'image/png' });
    const result = await harness.invoke(adapter, {
      task: 'detect',
      inputs: [input],
      output: { modality: 'text', mediaType: 'application/json' },
    });
    const value = JSON.parse(textOutput(result).text) as {
      width: number;
      height: number;
      counts: Record<string, number>;
      objects: { label: string; score: number; box: Box }[];
    };
    expect(value).toMatchObject({ width: CANVAS.width, height: CANVAS.height });
    const people = value.objects.filter((o) => o.label === 'person');
    expect(people).toHaveLength(1);
    expect(value.counts.person).toBe(1);
    const [{ box, score }] = people;
    expect(score).toBeGreaterThan(0.3);
    // Inside the pasted photo (a few pixels of slack), and most of its height: she stands head to foot.
    expect(box.x).toBeGreaterThanOrEqual(PASTED.x - 8);
    expect(box.y).toBeGreaterThanOrEqual(PASTED.y - 8);
    expect(box.x + box.width).toBeLessThanOrEqual(PASTED.x + PASTED.width + 8);
    expect(box.y + box.height).toBeLessThanOrEqual(PASTED.y + PASTED.height + 8);
    expect(box.height).toBeGreaterThan(PASTED.height * 0.6);
    expect(box.width).toBeGreaterThan(PASTED.width * 0.2);
    expect(adapter.engine.loads).toBe(1);
  });

  it('answers plain text with a count and one line per object', async () => {
    const harness = createAdapterHarness();
    const input = harness.put(picture, { modality: 'image', mediaType: 'image/png' });
    const result = await harness.invoke(adapter, {
      task: 'detect',
      inputs: [input],
      output: { modality: 'text' },
      options: { labels: ['person'] },
    });
    const text = textOutput(result).text;
    expect(text).toMatch(
      /^1 object in the 800×600 image: 1 person\nperson \d+% at x=\d+ y=\d+ w=\d+ h=\d+\n$/,
    );
  });

  it('draws each box at the detection: box colour along its edges, the photo untouched inside', async () => {
    const harness = createAdapterHarness();
    const input = harness.put(picture, { modality: 'image', mediaType: 'image/png' });
    const json = await harness.invoke(adapter, {
      task: 'detect',
      inputs: [input],
      output: { modality: 'text', mediaType: 'application/json' },
    });
    const [{ box }] = (JSON.parse(textOutput(json).text) as { objects: { box: Box }[] }).objects;
    const drawn = binaryOutput(
      await harness.invoke(adapter, { task: 'detect', inputs: [input], output: { modality: 'image' } }),
    );
    expect(drawn.mediaType).toBe('image/png');
    const { data, info } = await sharp(drawn.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: CANVAS.width, height: CANVAS.height });
    const pixel = (x: number, y: number) => {
      const at = (y * info.width + x) * info.channels;
      return [data[at], data[at + 1], data[at + 2]];
    };
    const magenta = [255, 0, 255];
    const inset = Math.floor(boxStrokeWidth(CANVAS.width, CANVAS.height) / 2);
    const right = box.x + box.width - 1 - inset;
    const bottom = box.y + box.height - 1 - inset;
    // Points along the left, right and bottom edges (the top one carries the caption).
    for (const f of [0.25, 0.5, 0.75]) {
      const y = Math.round(box.y + box.height * f);
      const x = Math.round(box.x + box.width * f);
      expect(pixel(box.x + inset, y)).toEqual(magenta);
      expect(pixel(right, y)).toEqual(magenta);
      expect(pixel(x, bottom)).toEqual(magenta);
    }
    // The grey canvas well outside the box is as it was.
    expect(pixel(20, CANVAS.height - 20)).toEqual([128, 128, 128]);
  });

  it('finds the one face, with an age, a gender guess, an emotion and a descriptor', async () => {
    const harness = createAdapterHarness();
    // The third photo of the strip: a man, his face turned to the camera.
    const man = await sharp(SAMPLES)
      .extract({ left: 325, top: 0, width: 210, height: 160 })
      .resize(630, 480)
      .png()
      .toBuffer();
    const input = harness.put(man, { modality: 'image', mediaType: 'image/png' });
    const result = await harness.invoke(adapter, {
      task: 'faces',
      inputs: [input],
      output: { modality: 'text', mediaType: 'application/json' },
      options: { descriptor: true },
    });
    const value = JSON.parse(textOutput(result).text) as {
      faces: { box: Box; age: number; gender: string; emotion: string; descriptor: number[] }[];
    };
    expect(value.faces).toHaveLength(1);
    const [face] = value.faces;
    expect(face.age).toBeGreaterThan(15);
    expect(face.age).toBeLessThan(70);
    // Gender is a weak estimate on a face this small (the model is unsure either way): only its form is checked.
    expect(['male', 'female', 'unknown']).toContain(face.gender);
    expect(typeof face.emotion).toBe('string');
    expect(face.descriptor).toHaveLength(1024);
    // The face is in the upper half of the photo, the suit below it.
    expect(face.box.y + face.box.height).toBeLessThan(330);
  });

  it('refuses an output it cannot write, and a non-image, as unprocessable', async () => {
    const harness = createAdapterHarness();
    const input = harness.put(picture, { modality: 'image', mediaType: 'image/png' });
    await expect(
      harness.invoke(adapter, { task: 'detect', inputs: [input], output: { modality: 'audio' } }),
    ).rejects.toMatchObject({ code: 'unprocessable_input' });
    const junk = harness.put(Buffer.from('not an image'), { modality: 'image', mediaType: 'image/png' });
    const error = await harness
      .invoke(adapter, { task: 'detect', inputs: [junk], output: { modality: 'text' } })
      .catch((e: unknown) => e);
    expect(AdapterError.is(error) && error.code).toBe('unprocessable_input');
  });

  describe('detect on a video', () => {
    let video: Buffer;
    beforeAll(async () => {
      // 3 s of the person on the canvas, stored sideways with a 90° display rotation, as phones record.
      video = await stillVideo(picture, 3, 90);
    });

    it('finds the person at each sampled second, where the photo was pasted, with per-label counts', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(video, { modality: 'video', mediaType: 'video/mp4' });
      const result = await harness.invoke(adapter, {
        task: 'detect',
        inputs: [input],
        output: { modality: 'text', mediaType: 'application/json' },
        options: { labels: ['person'] },
      });
      const value = JSON.parse(textOutput(result).text) as {
        width: number;
        height: number;
        intervalS: number;
        counts: Record<string, number>;
        frameCounts: Record<string, number>;
        frames: { timeS: number; objects: { label: string; score: number; box: Box }[] }[];
      };
      expect(value).toMatchObject({ width: CANVAS.width, height: CANVAS.height, intervalS: 1 });
      expect(value.counts).toEqual({ person: 1 });
      expect(value.frameCounts).toEqual({ person: 3 });
      expect(value.frames.map((f) => f.timeS)).toEqual([0, 1, 2]);
      for (const { objects } of value.frames) {
        expect(objects).toHaveLength(1);
        const [{ box }] = objects;
        // The frames are read at 640 pixels: boxes come back in the video's own, a little coarser.
        expect(box.x).toBeGreaterThanOrEqual(PASTED.x - 12);
        expect(box.y).toBeGreaterThanOrEqual(PASTED.y - 12);
        expect(box.x + box.width).toBeLessThanOrEqual(PASTED.x + PASTED.width + 12);
        expect(box.y + box.height).toBeLessThanOrEqual(PASTED.y + PASTED.height + 12);
        expect(box.height).toBeGreaterThan(PASTED.height * 0.6);
      }
      expect(harness.progress.at(-1)).toBeCloseTo(0.95);
    });

    it('answers text: a summary, then each sampled time with what was seen; at most maxFrames', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(video, { modality: 'video', mediaType: 'video/mp4' });
      const result = await harness.invoke(adapter, {
        task: 'detect',
        inputs: [input],
        output: { modality: 'text' },
        options: { labels: ['person'], maxFrames: 2 },
      });
      expect(textOutput(result)).toMatchObject({ mediaType: 'text/plain' });
      expect(textOutput(result).text).toMatch(
        /^2 frames of the 800×600 video, one every 1\.5 s: person in 2 \(at most 1 at once\)\n0\.0 s: person 0\.\d\d \[\d+,\d+,\d+,\d+\]\n1\.5 s: person 0\.\d\d \[\d+,\d+,\d+,\d+\]\n$/,
      );
      expect(result.warnings).toEqual([
        'one frame every 1.5 s was sampled, so that the video fits in 2 frames',
      ]);
    });

    it('refuses faces, an image output and a broken video as unprocessable', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(video, { modality: 'video', mediaType: 'video/mp4' });
      for (const request of [
        { task: 'faces', inputs: [input], output: { modality: 'text' } },
        { task: 'detect', inputs: [input], output: { modality: 'image' } },
        {
          task: 'detect',
          inputs: [harness.put(video.subarray(0, 2_000), { modality: 'video', mediaType: 'video/mp4' })],
          output: { modality: 'text' },
        },
      ]) {
        const error = await harness.invoke(adapter, request).catch((e: unknown) => e);
        expect(AdapterError.is(error) && error.code).toBe('unprocessable_input');
      }
    });

    it('stops between frames when the job is aborted', async () => {
      const harness = createAdapterHarness();
      const input = harness.put(video, { modality: 'video', mediaType: 'video/mp4' });
      const seen: number[] = [];
      const context = {
        ...harness.context,
        progress: async (fraction: number) => {
          seen.push(fraction);
          // After the first frame's detections: stop the job.
          if (seen.length === 2) harness.controller.abort(new Error('cancelled'));
        },
      };
      const options = adapter.options.parse({});
      await expect(
        adapter.invoke({ task: 'detect', inputs: [input], output: { modality: 'text' }, options }, context),
      ).rejects.toThrow('cancelled');
      expect(seen).toHaveLength(2);
    });
  });

  it('stops at once when the job is aborted, and the next job loads the models again', async () => {
    const local = new VisionAdapter(DEFAULT_INPUT_LIMITS);
    try {
      const harness = createAdapterHarness();
      const input = harness.put(picture, { modality: 'image', mediaType: 'image/png' });
      const running = harness.invoke(local, {
        task: 'detect',
        inputs: [input],
        output: { modality: 'text' },
      });
      setTimeout(() => harness.controller.abort(new Error('cancelled')), 50);
      await expect(running).rejects.toThrow('cancelled');
      const again = createAdapterHarness();
      const next = await again.invoke(local, {
        task: 'detect',
        inputs: [again.put(picture, { modality: 'image', mediaType: 'image/png' })],
        output: { modality: 'text' },
      });
      expect(textOutput(next).text).toContain('1 person');
      expect(local.engine.loads).toBe(2);
    } finally {
      await local.close();
    }
  });
});
