import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stillVideo } from '../../libs/adapters/src/builtin/media/media.testing';
import { boxStrokeWidth } from '../../libs/adapters/src/builtin/vision/draw-boxes';
import {
  CANVAS,
  PASTED,
  personOnCanvas,
  SAMPLES,
  type Box,
} from '../../libs/adapters/src/builtin/vision/vision.testing';
import { startGateway, type TestGateway } from '../gateway-harness';

interface JobBody {
  status: string;
  outputs: { modality: string; mediaType: string; text?: string; url?: string }[];
  route: { adapter: string; task: string; from: string[]; to: string }[];
  error?: { code: string; message: string };
}

interface Capabilities {
  tasks: { task: string; edges: { adapter: string; from: string[]; to: string }[] }[];
}

const post = (gw: TestGateway, body: unknown) =>
  fetch(`${gw.url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const image = (data: Buffer, filename: string) => ({ data: data.toString('base64'), filename });

describe('builtin.vision through the gateway: objects and faces offline (BullMQ on Redis)', () => {
  let gw: TestGateway;
  let picture: Buffer;

  beforeAll(async () => {
    gw = await startGateway();
    picture = await personOnCanvas();
  });
  afterAll(async () => gw?.close());

  const infer = async (body: unknown): Promise<JobBody> => {
    const res = await post(gw, body);
    const job = (await res.json()) as JobBody;
    expect(res.status, JSON.stringify(job)).toBe(200);
    expect(job.status).toBe('completed');
    return job;
  };

  it('lists detect (image and video) and faces in /v1/capabilities', async () => {
    const { tasks } = (await (await fetch(`${gw.url}/v1/capabilities`)).json()) as Capabilities;
    const edges = (task: string) => tasks.find((t) => t.task === task)?.edges ?? [];
    expect(edges('detect')).toContainEqual({ adapter: 'builtin.vision', from: ['video'], to: 'text' });
    expect(edges('faces').map((e) => e.to)).toEqual(['text', 'image']);
  });

  it('detect: names the people of the sample sheet, one line per person', async () => {
    const job = await infer({
      inputs: [image(await sharp(SAMPLES).png().toBuffer(), 'samples.png')],
      task: 'detect',
      output: 'text',
      options: { labels: ['person'] },
    });
    expect(job.route).toMatchObject([
      { adapter: 'builtin.vision', task: 'detect', from: ['image'], to: 'text' },
    ]);
    const [summary, ...lines] = job.outputs[0].text!.trim().split('\n');
    expect(summary).toMatch(/^\d+ objects in the 1280×1158 image: \d+ person$/);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^person \d+% at x=\d+ y=\d+ w=\d+ h=\d+$/);
  });

  it('detect to an image: a PNG with the box drawn where the JSON answer puts the person', async () => {
    const json = await infer({
      inputs: [image(picture, 'person.png')],
      task: 'detect',
      output: { modality: 'text', mediaType: 'application/json' },
    });
    const value = JSON.parse(json.outputs[0].text!) as { objects: { label: string; box: Box }[] };
    const people = value.objects.filter((o) => o.label === 'person');
    expect(people).toHaveLength(1);
    const [{ box }] = people;
    expect(box.x).toBeGreaterThanOrEqual(PASTED.x - 8);
    expect(box.x + box.width).toBeLessThanOrEqual(PASTED.x + PASTED.width + 8);

    const drawn = await infer({ inputs: [image(picture, 'person.png')], task: 'detect', output: 'image' });
    expect(drawn.route).toMatchObject([{ adapter: 'builtin.vision', to: 'image' }]);
    expect(drawn.outputs[0]).toMatchObject({ modality: 'image', mediaType: 'image/png' });
    const blob = await fetch(`${gw.url}${drawn.outputs[0].url}`);
    expect(blob.headers.get('content-type')).toBe('image/png');
    const { data, info } = await sharp(Buffer.from(await blob.arrayBuffer()))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject(CANVAS);
    const pixel = (x: number, y: number) => {
      const at = (y * info.width + x) * info.channels;
      return [data[at], data[at + 1], data[at + 2]];
    };
    const magenta = [255, 0, 255];
    const inset = Math.floor(boxStrokeWidth(CANVAS.width, CANVAS.height) / 2);
    for (const f of [0.25, 0.5, 0.75]) {
      const y = Math.round(box.y + box.height * f);
      expect(pixel(box.x + inset, y)).toEqual(magenta);
      expect(pixel(box.x + box.width - 1 - inset, y)).toEqual(magenta);
      expect(pixel(Math.round(box.x + box.width * f), box.y + box.height - 1 - inset)).toEqual(magenta);
    }
    expect(pixel(20, CANVAS.height - 20)).toEqual([128, 128, 128]);
  });

  it('faces: one face, with an age guess', async () => {
    const man = await sharp(SAMPLES)
      .extract({ left: 325, top: 0, width: 210, height: 160 })
      .resize(630, 480)
      .png()
      .toBuffer();
    const job = await infer({ inputs: [image(man, 'man.png')], task: 'faces', output: 'text' });
    expect(job.route).toMatchObject([{ adapter: 'builtin.vision', task: 'faces' }]);
    expect(job.outputs[0].text).toMatch(/^1 face in the 630×480 image: 1 face\nface \d+%, about \d+/);
  });

  it('detect on a video: the person at each sampled second, as text with times', async () => {
    const video = await stillVideo(picture, 3);
    const job = await infer({
      inputs: [{ data: video.toString('base64'), filename: 'person.mp4' }],
      task: 'detect',
      output: 'text',
      options: { labels: ['person'] },
    });
    expect(job.route).toMatchObject([
      { adapter: 'builtin.vision', task: 'detect', from: ['video'], to: 'text' },
    ]);
    const lines = job.outputs[0].text!.trim().split('\n');
    expect(lines[0]).toBe('3 frames of the 800×600 video, one every 1.0 s: person in 3 (at most 1 at once)');
    expect(lines.slice(1).map((line) => line.replace(/ 0\.\d\d \[\d+,\d+,\d+,\d+\]$/, ''))).toEqual([
      '0.0 s: person',
      '1.0 s: person',
      '2.0 s: person',
    ]);
  });
});

describe('BUILTIN_MODELS=off', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ BUILTIN_MODELS: 'off' });
  });
  afterAll(async () => gw?.close());

  it('leaves detect and faces out of /v1/capabilities, and asking for them is 422 no_route', async () => {
    const { tasks } = (await (await fetch(`${gw.url}/v1/capabilities`)).json()) as Capabilities;
    const names = tasks.map((t) => t.task);
    expect(names).not.toContain('detect');
    expect(names).not.toContain('faces');
    // A task that is still there, so the list itself is not simply empty.
    expect(names).toContain('ocr');
    const picture = await personOnCanvas();
    for (const task of ['detect', 'faces']) {
      const res = await post(gw, { inputs: [image(picture, 'person.png')], task, output: 'text' });
      expect(res.status).toBe(422);
      expect(((await res.json()) as JobBody).error?.code).toBe('no_route');
    }
    const video = await stillVideo(picture, 1);
    const res = await post(gw, {
      inputs: [{ data: video.toString('base64'), filename: 'person.mp4' }],
      task: 'detect',
      output: 'text',
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as JobBody).error?.code).toBe('no_route');
  });
});
