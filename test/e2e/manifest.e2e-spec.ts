import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, manifest, type ManifestEntry } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

interface Detected {
  modality: string;
  mediaType: string;
  meta: Record<string, unknown>;
}

const within = (actual: unknown, expected: number, relative: number, absolute = 0) => {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(
    Math.max(expected * relative, absolute),
  );
};

/** What the manifest promises for each file, checked against `detected[].meta`. */
function checkMeta(entry: ManifestEntry, d: Detected): void {
  const meta = d.meta;
  switch (entry.modality) {
    case 'image':
      expect(meta).toMatchObject({ width: entry.width, height: entry.height });
      break;
    case 'audio': {
      const [stream] = entry.streams as { sample_rate: string; channels: number; codec_name: string }[];
      within(meta.durationS, entry.duration_s as number, 0.01);
      expect(meta).toMatchObject({
        sampleRateHz: Number(stream.sample_rate),
        channels: stream.channels,
        codec: stream.codec_name,
      });
      break;
    }
    case 'video': {
      const streams = entry.streams as {
        codec_type: string;
        codec_name: string;
        width?: number;
        height?: number;
      }[];
      const video = streams.find((s) => s.codec_type === 'video')!;
      within(meta.durationS, entry.duration_s as number, 0.01, 0.002);
      expect(meta).toMatchObject({ width: video.width, height: video.height, videoCodec: video.codec_name });
      expect(meta.hasAudio).toBe(streams.some((s) => s.codec_type === 'audio'));
      break;
    }
    case 'signal': {
      const channels = meta.channels as { name: string }[];
      const expectedChannels = Array.isArray(entry.channels) ? entry.channels.length : entry.channels;
      expect(channels).toHaveLength(expectedChannels as number);
      expect(meta.sampleRateHz).toBe(entry.sample_rate_hz);
      if (Array.isArray(entry.channels)) expect(channels.map((c) => c.name)).toEqual(entry.channels);
      if (entry.labels) expect(channels.map((c) => c.name)).toEqual(entry.labels);
      if (entry.duration_s) within(meta.durationS, entry.duration_s as number, 0.01);
      break;
    }
    case 'pointcloud':
      expect(meta).toMatchObject({ points: entry.points, encoding: entry.encoding, format: entry.format });
      if (entry.fields) expect(meta.fields).toEqual(entry.fields);
      if (entry.faces) expect(meta.faces).toBe(entry.faces);
      break;
  }
}

describe('every fixture, uploaded as a file to POST /v1/detect', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // sleep-psg-1hz.wav lasts 22 h: over the default LIMIT_MEDIA_DURATION_S when read as audio.
    gw = await startGateway({ LIMIT_MEDIA_DURATION_S: '100000' });
  });
  afterAll(async () => gw.close());

  const detect = async (entry: ManifestEntry, modality?: string) => {
    const form = new FormData();
    form.append('file', new Blob([fixture(entry.path)]), entry.path.split('/').pop());
    if (modality) form.append('modality', modality);
    const res = await fetch(`${gw.url}/v1/detect`, { method: 'POST', body: form });
    return {
      status: res.status,
      body: (await res.json()) as { detected: Detected[]; error?: { code: string; message: string } },
    };
  };

  const withModality = manifest().filter((e) => e.modality && e.path !== 'signal/sleep-psg-1hz.wav');
  it.each(withModality.map((e) => [e.path, e] as const))('%s', async (_path, entry) => {
    const { status, body } = await detect(entry);
    expect(status).toBe(200);
    expect(body.detected[0].modality).toBe(entry.modality);
    checkMeta(entry, body.detected[0]);
  });

  it('sleep-psg-1hz.wav is audio by content and a 7-channel 1 Hz signal when declared so', async () => {
    const entry = manifest().find((e) => e.path === 'signal/sleep-psg-1hz.wav')!;
    const asAudio = await detect(entry);
    expect(asAudio.body.detected[0].modality).toBe('audio');
    const asSignal = await detect(entry, 'signal');
    expect(asSignal.status).toBe(200);
    expect(asSignal.body.detected[0].modality).toBe('signal');
    checkMeta(entry, asSignal.body.detected[0]);
  });

  const invalid = manifest().filter((e) => e.path.startsWith('invalid/'));
  it.each(invalid.map((e) => [e.path, e] as const))(
    '%s gets a 4xx with a clear message',
    async (_path, entry) => {
      const { status, body } = await detect(entry);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      expect(body.error?.message.length).toBeGreaterThan(15);
      const infer = new FormData();
      infer.append('file', new Blob([fixture(entry.path)]), entry.path.split('/').pop());
      infer.append('output', 'image');
      const res = await fetch(`${gw.url}/v1/infer`, { method: 'POST', body: infer });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      await res.text();
    },
  );
});
