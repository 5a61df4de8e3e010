import { decodePointCloud, decodeSignal, pointCloudFormatOf, signalFormatOf } from '@omnigate/adapters';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe } from '../../libs/adapters/src/builtin/media/media.testing';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

/** One real input per modality. */
const INPUTS: Record<string, { path: string; name: string }> = {
  text: { path: 'text/english.txt', name: 'english.txt' },
  image: { path: 'image/fixture.png', name: 'fixture.png' },
  audio: { path: 'audio/jfk.wav', name: 'jfk.wav' },
  video: { path: 'video/fixture.3gp', name: 'fixture.3gp' },
  signal: { path: 'signal/mitdb-100-ecg-10s.csv', name: 'ecg.csv' },
  pointcloud: { path: 'pointcloud/bunny.pcd', name: 'bunny.pcd' },
};
const MODALITIES = Object.keys(INPUTS);

/** Pairs whose default route is pinned: a direct capability, where one exists for the pair. */
const EXPECTED_ROUTE: Record<string, string> = {
  'text→text': 'builtin.text:describe',
  'audio→text': 'builtin.audio:describe',
  'audio→video': 'builtin.audio:visualize',
  'video→text': 'builtin.video:describe',
  'video→signal': 'builtin.video:measure',
  'video→image': 'builtin.video:thumbnail',
  'video→audio': 'builtin.video:extract',
  'pointcloud→video': 'builtin.pointcloud:turntable',
  'image→video': 'builtin.video:still',
};

interface Output {
  modality: string;
  mediaType: string;
  text?: string;
  url?: string;
}

/** Decodes an output as the modality asked for, and checks it holds something. */
async function checkOutput(to: string, out: Output, bytes: Buffer): Promise<void> {
  expect(out.modality).toBe(to);
  switch (to) {
    case 'text':
      expect(bytes.toString('utf8').trim().length).toBeGreaterThan(0);
      break;
    case 'image': {
      const stats = await sharp(bytes).stats();
      expect(stats.channels.some((c) => c.stdev > 0)).toBe(true);
      break;
    }
    case 'audio':
    case 'video': {
      const probe = await ffprobe(bytes);
      expect(probe.streams.some((s) => s.codec_type === to)).toBe(true);
      expect(Number(probe.format.duration)).toBeGreaterThan(0);
      break;
    }
    case 'signal': {
      const signal = decodeSignal(bytes, signalFormatOf(out.mediaType) ?? 'csv');
      expect(signal.channels.length).toBeGreaterThan(0);
      expect(signal.channels[0].values.length).toBeGreaterThan(1);
      break;
    }
    case 'pointcloud': {
      const cloud = decodePointCloud(
        bytes,
        pointCloudFormatOf(out.mediaType, { knownPointCloud: true }) ?? 'ply',
      );
      expect(cloud.count).toBeGreaterThan(0);
      break;
    }
  }
}

describe('any in, any out: 6 × 6 with the built-in adapters', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ SYNC_TIMEOUT_MS: '60000' });
  });
  afterAll(async () => gw.close());

  it('routes all 36 pairs', async () => {
    const caps = (await (await fetch(`${gw.url}/v1/capabilities`)).json()) as {
      routable: number;
      pairs: number;
    };
    expect(caps).toMatchObject({ routable: 36, pairs: 36 });
  });

  const infer = async (form: FormData) => {
    const res = await fetch(`${gw.url}/v1/infer`, { method: 'POST', body: form });
    const body = (await res.json()) as { outputs: Output[]; error?: unknown };
    expect(res.status, JSON.stringify(body.error)).toBe(200);
    return body.outputs[0];
  };
  const download = async (out: Output) =>
    Buffer.from(await (await fetch(`${gw.url}${out.url}`)).arrayBuffer());

  it('text → image: OCR of the rendered text finds the words', async () => {
    const form = new FormData();
    form.append('text', 'Any input any output');
    form.append('output', 'image');
    form.append('options', JSON.stringify({ fontSize: 48 }));
    const png = await download(await infer(form));
    const ocr = new FormData();
    ocr.append('file', new Blob([png], { type: 'image/png' }), 'rendered.png');
    ocr.append('output', 'text');
    ocr.append('task', 'ocr');
    const text = (await infer(ocr)).text ?? '';
    for (const word of ['any', 'input', 'output']) expect(text.toLowerCase()).toContain(word);
  });

  it('pointcloud → pointcloud: a PCD converted to PLY keeps its point count', async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture('pointcloud/bunny.pcd')]), 'bunny.pcd');
    form.append('output', JSON.stringify({ modality: 'pointcloud', mediaType: 'application/x-ply' }));
    const out = await infer(form);
    expect(decodePointCloud(await download(out), 'ply').count).toBe(397);
  });

  it('video → video: the transcoded video keeps the source duration within 5 %', async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture('video/fixture.3gp')]), 'clip.3gp');
    form.append('output', JSON.stringify({ modality: 'video', mediaType: 'video/webm' }));
    const probe = await ffprobe(await download(await infer(form)));
    expect(Math.abs(Number(probe.format.duration) - 5.578) / 5.578).toBeLessThan(0.05);
  });

  it('audio → image: the spectrogram of a sine is not blank', async () => {
    const rate = 8000;
    const samples = Buffer.alloc(rate * 2 * 2);
    for (let i = 0; i < rate * 2; i++)
      samples.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'latin1');
    header.writeUInt32LE(36 + samples.length, 4);
    header.write('WAVEfmt ', 8, 'latin1');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(rate, 24);
    header.writeUInt32LE(rate * 2, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'latin1');
    header.writeUInt32LE(samples.length, 40);
    const form = new FormData();
    form.append('file', new Blob([Buffer.concat([header, samples])], { type: 'audio/wav' }), 'sine.wav');
    form.append('output', 'image');
    const stats = await sharp(await download(await infer(form))).stats();
    expect(Math.max(...stats.channels.map((c) => c.stdev))).toBeGreaterThan(5);
  });

  it('audio → video keeps the sound; audio → text reports loudness and pitch', async () => {
    const video = new FormData();
    video.append('file', new Blob([fixture('audio/jfk.wav')]), 'jfk.wav');
    video.append('output', 'video');
    const probe = await ffprobe(await download(await infer(video)));
    expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    const text = new FormData();
    text.append('file', new Blob([fixture('audio/jfk.wav')]), 'jfk.wav');
    text.append('output', 'text');
    const description = (await infer(text)).text ?? '';
    expect(description).toMatch(/LUFS/);
    expect(description).toMatch(/pitch: median \d+/);
  });

  it('video → signal: brightness and motion at the frame rate', async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture('video/fixture.3gp')]), 'clip.3gp');
    form.append('output', 'signal');
    const signal = decodeSignal(Buffer.from((await infer(form)).text ?? ''), 'csv');
    expect(signal.channels.map((c) => c.name)).toEqual(['brightness', 'motion']);
    expect(Math.abs(signal.channels[0].values.length - 5.578 * 30)).toBeLessThanOrEqual(2);
    expect(Math.max(...signal.channels[1].values)).toBeGreaterThan(0);
  });

  const pairs = MODALITIES.flatMap((from) => MODALITIES.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s', async (from, to) => {
    const form = new FormData();
    form.append('file', new Blob([fixture(INPUTS[from].path)]), INPUTS[from].name);
    form.append('output', to);
    const res = await fetch(`${gw.url}/v1/infer`, { method: 'POST', body: form });
    const body = (await res.json()) as {
      outputs: Output[];
      route: { adapter: string; task: string }[];
      error?: unknown;
    };
    expect(res.status, JSON.stringify(body.error ?? body.route)).toBe(200);
    const expected = EXPECTED_ROUTE[`${from}→${to}`];
    if (expected) expect(body.route.map((r) => `${r.adapter}:${r.task}`).join(' > ')).toBe(expected);
    const [out] = body.outputs;
    const bytes =
      out.text !== undefined
        ? Buffer.from(out.text)
        : Buffer.from(await (await fetch(`${gw.url}${out.url}`)).arrayBuffer());
    await checkOutput(to, out, bytes);
  });
});
