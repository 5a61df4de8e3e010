import type { Detection } from '@omnigate/contracts';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixture, FIXTURES_DIR, manifest, type ManifestEntry } from '../../../../../test/fixtures';
import { ContentModalityDetector } from '../content-modality-detector';
import type { ProbeSource } from '../media-prober';
import { DETECTION_SAMPLE_BYTES } from '../modality-detector';
import { ContentMediaProber } from './content-media-prober';

const detector = new ContentModalityDetector();
const prober = new ContentMediaProber({ timeoutMs: 10_000 });
const entries = manifest();
const byModality = (modality: string) => entries.filter((e) => e.modality === modality);

type Stream = {
  codec_name: string;
  codec_type: 'audio' | 'video';
  sample_rate?: string;
  channels?: number;
  width?: number;
  height?: number;
};
const streams = (entry: ManifestEntry) => entry.streams as Stream[];
const durationOf = (entry: ManifestEntry) => entry.duration_s as number;
const track = (entry: ManifestEntry, type: Stream['codec_type']) =>
  streams(entry).find((s) => s.codec_type === type);

/** A source as the gateway builds it: the first 64 KiB, the blob's file when it has one, read(). */
function sourceOf(content: Buffer, localPath?: string): ProbeSource & { read: ReturnType<typeof vi.fn> } {
  return {
    sample: content.subarray(0, DETECTION_SAMPLE_BYTES),
    totalBytes: content.length,
    ...(localPath ? { localPath } : {}),
    read: vi.fn(async () => content),
  };
}

/** Detects and probes as the gateway does. */
async function inspect(
  path: string,
  withLocalPath = true,
): Promise<{ detection: Detection; source: ProbeSource }> {
  const content = fixture(path);
  const source = sourceOf(content, withLocalPath ? join(FIXTURES_DIR, path) : undefined);
  const detected = await detector.detect(source.sample, content.length, {});
  return { detection: await prober.probe(detected, source), source };
}

/** Within 1 %, or ±1 ms for durations so short that 1 % is below ffprobe's precision. */
function expectDuration(actual: unknown, expected: number): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(Math.max(expected * 0.01, 0.001));
}

beforeAll(() => {
  if (!prober.ffprobePath) {
    throw new Error('these tests need ffprobe: apt-get install -y --no-install-recommends ffmpeg');
  }
});

describe('ContentMediaProber: images', () => {
  it.each(byModality('image').map((e) => [e.path, e] as const))('%s', async (path, entry) => {
    const { detection, source } = await inspect(path);
    expect(detection.meta).toMatchObject({
      format: entry.format,
      width: entry.width,
      height: entry.height,
      pages: 1,
      alpha: false,
      probe: entry.format === 'bmp' ? 'header' : 'sharp',
    });
    expect(source.read).not.toHaveBeenCalled();
  });

  it('names the format itself when the detection did not (libvips says heif for AVIF)', async () => {
    for (const entry of byModality('image')) {
      const content = fixture(entry.path);
      const bare: Detection = { modality: 'image', mediaType: 'image/*', confidence: 1, reason: 'test' };
      const { meta } = await prober.probe(bare, sourceOf(content, join(FIXTURES_DIR, entry.path)));
      expect(meta?.format).toBe(entry.format);
    }
  });

  it('reads a TIFF whose directory is past the sample from the local file, else from read()', async () => {
    const viaFile = await inspect('image/fixture.tif');
    expect(viaFile.source.read).not.toHaveBeenCalled();
    const viaRead = await inspect('image/fixture.tif', false);
    expect(viaRead.source.read).toHaveBeenCalledOnce();
    expect(viaRead.detection.meta).toMatchObject({ width: 725, height: 489, orientation: 1, probe: 'sharp' });
  });

  it('reports EXIF orientation when the image has one', async () => {
    const { detection } = await inspect('image/fixture.jpg');
    expect(detection.meta?.orientation).toBe(1);
  });

  describe('pages of animations and multi-page files larger than the sample', () => {
    let frames: Buffer[];
    beforeAll(async () => {
      frames = await Promise.all(
        Array.from({ length: 6 }, () =>
          sharp({
            create: {
              width: 160,
              height: 120,
              channels: 4,
              background: '#000',
              noise: { type: 'gaussian', mean: 128, sigma: 60 },
            },
          })
            .png()
            .toBuffer(),
        ),
      );
    });

    it.each(['gif', 'webp', 'tiff'] as const)('%s', async (format) => {
      const content = await sharp(frames, { join: { animated: true } })
        .toFormat(format)
        .toBuffer();
      expect(content.length).toBeGreaterThan(DETECTION_SAMPLE_BYTES);
      const detected = await detector.detect(content.subarray(0, DETECTION_SAMPLE_BYTES), content.length, {});
      const { meta } = await prober.probe(detected, sourceOf(content));
      expect(meta).toMatchObject({ width: 160, height: 120, pages: 6 });
    });
  });

  it('refuses nothing and decodes nothing for the corrupt PNG', async () => {
    const content = fixture('invalid/corrupt.png');
    const detection: Detection = {
      modality: 'image',
      mediaType: 'image/png',
      confidence: 1,
      reason: 'test',
      meta: { format: 'png' },
    };
    const { meta } = await prober.probe(detection, sourceOf(content));
    expect(meta).toMatchObject({ format: 'png', probe: 'failed' });
    expect(meta?.reason).toMatch(/corrupt/);
  });

  it('reports the size a crafted PNG claims (100000 × 100000) without decoding it', async () => {
    const png = craftedPng(100_000, 100_000);
    const detected = await detector.detect(png, png.length, {});
    const started = performance.now();
    const { meta } = await prober.probe(detected, sourceOf(png));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(meta).toMatchObject({ format: 'png', width: 100_000, height: 100_000 });
  });
});

describe('ContentMediaProber: audio', () => {
  it.each(byModality('audio').map((e) => [e.path, e] as const))('%s', async (path, entry) => {
    const { detection, source } = await inspect(path);
    const sound = track(entry, 'audio') as Stream;
    // WAV, AIFF and FLAC headers say everything; the other formats need ffprobe.
    const fromHeader = ['wav', 'aiff', 'flac'].includes(entry.container as string);
    expect(detection.meta).toMatchObject({
      probe: fromHeader ? 'header' : 'ffprobe',
      container: entry.container,
      codec: sound.codec_name,
      sampleRateHz: Number(sound.sample_rate),
      channels: sound.channels,
    });
    expectDuration(detection.meta?.durationS, durationOf(entry));
    expect(source.read).not.toHaveBeenCalled();
  });

  it.each(['audio/fixture.m4a', 'audio/jfk.mp3'])(
    'probes %s from read() through a temporary file',
    async (path) => {
      const entry = entries.find((e) => e.path === path) as ManifestEntry;
      const { detection, source } = await withTemporaryDirectory(() => inspect(path, false));
      expect(source.read).toHaveBeenCalledOnce();
      expect(detection.meta).toMatchObject({ probe: 'ffprobe', codec: track(entry, 'audio')?.codec_name });
      expectDuration(detection.meta?.durationS, durationOf(entry));
    },
  );
});

describe('ContentMediaProber: video', () => {
  it.each(byModality('video').map((e) => [e.path, e] as const))('%s', async (path, entry) => {
    const { detection } = await inspect(path);
    const video = track(entry, 'video') as Stream;
    const audio = track(entry, 'audio');
    expect(detection.meta).toMatchObject({
      probe: 'ffprobe',
      container: entry.container,
      videoCodec: video.codec_name,
      width: video.width,
      height: video.height,
      hasAudio: audio !== undefined,
      audio: audio
        ? { codec: audio.codec_name, sampleRateHz: Number(audio.sample_rate), channels: audio.channels }
        : null,
    });
    expect(detection.meta?.fps).toBeGreaterThan(0);
    expectDuration(detection.meta?.durationS, durationOf(entry));
  });

  it.each(['video/fixture.mp4', 'video/fixture.mov', 'video/fixture.3gp'])(
    'probes %s from read() through a temporary file, and removes it',
    async (path) => {
      const entry = entries.find((e) => e.path === path) as ManifestEntry;
      const { detection, source } = await withTemporaryDirectory(() => inspect(path, false));
      expect(source.read).toHaveBeenCalledOnce();
      expect(detection.meta).toMatchObject({ probe: 'ffprobe', width: track(entry, 'video')?.width });
      expectDuration(detection.meta?.durationS, durationOf(entry));
    },
  );

  it.each([
    ['with a local file', true],
    ['through read()', false],
  ])('reports a truncated MP4 as failed, %s, in bounded time', async (_how, withLocalPath) => {
    const dir = await mkdtemp(join(tmpdir(), 'probe-spec-'));
    try {
      const content = fixture('video/fixture.mp4').subarray(0, 1000);
      const path = join(dir, 'truncated.mp4');
      await writeFile(path, content);
      const detected = await detector.detect(content, content.length, {});
      const started = performance.now();
      const { meta } = await prober.probe(detected, sourceOf(content, withLocalPath ? path : undefined));
      expect(performance.now() - started).toBeLessThan(5000);
      expect(meta).toMatchObject({ format: 'mp4', probe: 'failed' });
      expect(meta?.reason).not.toContain(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports the corrupt MKV as failed with what ffprobe said, without server paths', async () => {
    const path = join(FIXTURES_DIR, 'invalid/corrupt.mkv');
    const detection: Detection = {
      modality: 'video',
      mediaType: 'video/matroska',
      confidence: 1,
      reason: 'test',
    };
    const { meta } = await prober.probe(detection, sourceOf(fixture('invalid/corrupt.mkv'), path));
    expect(meta?.probe).toBe('failed');
    expect(meta?.reason).toMatch(/Invalid data found when processing input/);
    expect(meta?.reason).toMatch(/EBML/);
    expect(meta?.reason).not.toContain(FIXTURES_DIR);
  });

  it('reports a video container with sound only as failed (no video stream)', async () => {
    const detection: Detection = { modality: 'video', mediaType: 'video/mp4', confidence: 1, reason: 'test' };
    const path = join(FIXTURES_DIR, 'audio/fixture.m4a');
    const { meta } = await prober.probe(detection, sourceOf(fixture('audio/fixture.m4a'), path));
    expect(meta).toMatchObject({ probe: 'failed', reason: 'no video stream (the content holds sound only)' });
  });
});

describe('ContentMediaProber with a stand-in ffprobe', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'probe-spec-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Probes the MP3 fixture with the shell `script` as ffprobe: the meta, and how long it took. */
  async function probeWith(name: string, script: string, timeoutMs: number) {
    await writeFile(join(dir, name), script);
    await chmod(join(dir, name), 0o755);
    const prober = new ContentMediaProber({ ffprobePath: join(dir, name), timeoutMs });
    const { detection } = await inspect('audio/fixture.mp3');
    const started = performance.now();
    const { meta } = await prober.probe(
      detection,
      sourceOf(fixture('audio/fixture.mp3'), join(FIXTURES_DIR, 'audio/fixture.mp3')),
    );
    return { meta, ms: performance.now() - started };
  }

  it('kills one that hangs at the timeout and reports the probe failed', async () => {
    const { meta, ms } = await probeWith('hangs', '#!/bin/sh\nexec sleep 30\n', 300);
    expect(ms).toBeLessThan(2000);
    expect(meta).toMatchObject({ probe: 'failed', reason: 'ffprobe timed out after 300 ms' });
  });

  // 200 KB of "[x" on one error line: the noise pattern re-read the rest of the line from each
  // "[" (11 s; the test allows 5 s for a loaded machine, the fix takes milliseconds).
  it('reports an error line naming hostile content, cut, in linear time', async () => {
    const script = `#!/bin/sh\nyes '[x' | head -c 200000 | tr -d '\\n' >&2\necho ' Invalid data' >&2\nexit 1\n`;
    const { meta, ms } = await probeWith('noisy', script, 5000);
    expect(ms).toBeLessThan(5000);
    expect(meta).toMatchObject({ probe: 'failed', reason: expect.stringMatching(/^(\[x)+$/) });
    expect(String(meta?.reason).length).toBe(300);
  });
});

describe('ContentMediaProber without ffprobe', () => {
  const headerOnly = new ContentMediaProber({ timeoutMs: 1000, env: { PATH: '' } });

  it('has no ffprobe', () => {
    expect(headerOnly.ffprobePath).toBeUndefined();
  });

  it.each(['audio/fixture.wav', 'audio/jfk.wav', 'audio/fixture.aif', 'audio/fixture.flac'])(
    'reads %s from its header',
    async (path) => {
      const entry = entries.find((e) => e.path === path) as ManifestEntry;
      const content = fixture(path);
      const detected = await detector.detect(content.subarray(0, DETECTION_SAMPLE_BYTES), content.length, {});
      const { meta } = await headerOnly.probe(detected, sourceOf(content));
      const sound = track(entry, 'audio') as Stream;
      expect(meta).toMatchObject({
        probe: 'header',
        container: entry.container,
        codec: sound.codec_name,
        sampleRateHz: Number(sound.sample_rate),
        channels: sound.channels,
      });
      expectDuration(meta?.durationS, durationOf(entry));
    },
  );

  it.each(['audio/fixture.ogg', 'audio/fixture.opus'])(
    'reads codec, rate and channels of %s',
    async (path) => {
      const entry = entries.find((e) => e.path === path) as ManifestEntry;
      const content = fixture(path);
      const detected = await detector.detect(content.subarray(0, DETECTION_SAMPLE_BYTES), content.length, {});
      const { meta } = await headerOnly.probe(detected, sourceOf(content));
      const sound = track(entry, 'audio') as Stream;
      expect(meta).toMatchObject({
        probe: 'header',
        container: 'ogg',
        codec: sound.codec_name,
        sampleRateHz: Number(sound.sample_rate),
        channels: sound.channels,
      });
      expectDuration(meta?.durationS, durationOf(entry));
    },
  );

  it('says a video was read from its header only, and keeps the detected format', async () => {
    const content = fixture('video/fixture.mp4');
    const detected = await detector.detect(content.subarray(0, DETECTION_SAMPLE_BYTES), content.length, {});
    const { meta } = await headerOnly.probe(detected, sourceOf(content));
    expect(meta).toEqual({ format: 'mp4', probe: 'header' });
  });
});

describe('ContentMediaProber: text, signals, point clouds', () => {
  it.each(byModality('text').map((e) => [e.path] as const))('%s', async (path) => {
    const { detection } = await inspect(path);
    const text = fixture(path).toString('utf8');
    expect(detection.meta).toMatchObject({
      length: text.length,
      lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0),
      bytes: fixture(path).length,
    });
  });

  it('guesses the script of the Chinese and English texts', async () => {
    expect((await inspect('text/chinese.txt')).detection.meta?.script).toBe('Han');
    expect((await inspect('text/english.txt')).detection.meta?.script).toBe('Latin');
  });

  it.each(['signal/mitdb-100-ecg-10s.csv', 'pointcloud/' + pointCloudFixture()])(
    'leaves %s as detected (its codec probes it)',
    async (path) => {
      const content = fixture(path);
      const detected = await detector.detect(content.subarray(0, DETECTION_SAMPLE_BYTES), content.length, {});
      const source = sourceOf(content, join(FIXTURES_DIR, path));
      expect(await prober.probe(detected, source)).toBe(detected);
      expect(source.read).not.toHaveBeenCalled();
    },
  );
});

function pointCloudFixture(): string {
  const entry = entries.find((e) => e.modality === 'pointcloud') as ManifestEntry;
  return entry.path.slice('pointcloud/'.length);
}

/** Runs `work` with os.tmpdir() pointing at a fresh folder, and checks that it is left empty. */
async function withTemporaryDirectory<T>(work: () => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'probe-spec-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    const result = await work();
    expect(await readdir(dir)).toEqual([]);
    return result;
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await rm(dir, { recursive: true, force: true });
  }
}

/** A valid PNG whose IHDR claims `width` × `height` (one tiny IDAT; nothing decodes it). */
function craftedPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
