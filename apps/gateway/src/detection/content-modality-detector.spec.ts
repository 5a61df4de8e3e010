import { ModalityDefinitionSchema, type Detection } from '@omnigate/contracts';
import { describe, expect, it } from 'vitest';
import { fixture, manifest, type ManifestEntry } from '../../../../test/fixtures';
import { ContentModalityDetector } from './content-modality-detector';
import { DetectionError } from './detection-error';
import { DETECTION_SAMPLE_BYTES, type DetectionHints } from './modality-detector';
import { ModalityRegistry } from '../routing/modality-registry';

const detector = new ContentModalityDetector();

/** Detects as the gateway does: only the first 64 KiB are handed over. */
function detect(content: Buffer, hints: DetectionHints = {}): Promise<Detection> {
  return detector.detect(content.subarray(0, DETECTION_SAMPLE_BYTES), content.length, hints);
}

async function detectionError(content: Buffer, hints: DetectionHints = {}): Promise<DetectionError> {
  const error: unknown = await detect(content, hints).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DetectionError);
  return error as DetectionError;
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const entries = manifest();
const byModality = (modality: string | null) => entries.filter((e) => e.modality === modality);
const SLEEP_WAV = 'signal/sleep-psg-1hz.wav';

describe('ContentModalityDetector on the shared fixtures', () => {
  const expected = entries.filter((e) => e.modality !== null && e.path !== SLEEP_WAV);

  it.each(expected.map((e) => [e.path, e] as const))('%s', async (_path, entry: ManifestEntry) => {
    const detection = await detect(fixture(entry.path));
    expect(detection.modality).toBe(entry.modality);
    expect(detection.confidence).toBeGreaterThan(0.5);
    expect(detection.reason).not.toBe('');
  });

  it('covers every modality of the manifest', () => {
    expect(new Set(expected.map((e) => e.modality))).toEqual(
      new Set(['text', 'image', 'audio', 'video', 'signal', 'pointcloud']),
    );
  });

  it.each(byModality('image').map((e) => [e.path, e] as const))(
    'reads format and, where sharp can from a prefix, size of %s',
    async (_path, entry: ManifestEntry) => {
      const { meta, confidence } = await detect(fixture(entry.path));
      expect(confidence).toBe(1);
      expect(meta?.format).toBe(entry.format);
      // BMP has no sharp decoder; the TIFF's first IFD lies beyond the 64 KiB sample.
      if (entry.format === 'bmp' || entry.format === 'tiff') {
        expect(meta?.width).toBeUndefined();
      } else {
        expect(meta).toMatchObject({ width: entry.width, height: entry.height, alpha: false });
      }
    },
  );

  it('gives binary media their registered media types', async () => {
    const types: Record<string, string> = {
      'image/fixture.jpg': 'image/jpeg',
      'image/fixture.tif': 'image/tiff',
      'audio/fixture.m4a': 'audio/mp4',
      'audio/fixture.ogg': 'audio/ogg',
      'audio/fixture.opus': 'audio/ogg',
      'audio/fixture.aif': 'audio/aiff',
      'video/fixture.mp4': 'video/mp4',
      'video/fixture.webm': 'video/webm',
      'video/fixture.mkv': 'video/matroska',
      'video/fixture.mov': 'video/quicktime',
      'video/fixture.avi': 'video/vnd.avi',
      'video/fixture.3gp': 'video/3gpp',
      'video/fixture.mpg': 'video/mpeg',
    };
    for (const [path, mediaType] of Object.entries(types)) {
      expect((await detect(fixture(path))).mediaType, path).toBe(mediaType);
    }
    expect((await detect(fixture('audio/fixture.opus'))).meta?.format).toBe('opus');
  });

  it('reads PCD and PLY headers, binary ones included', async () => {
    for (const entry of byModality('pointcloud')) {
      const detection = await detect(fixture(entry.path));
      const mediaType = entry.format === 'ply' ? 'application/x-ply' : 'application/x-pcd';
      expect(detection.mediaType, entry.path).toBe(mediaType);
      expect(detection.meta, entry.path).toMatchObject({
        format: entry.format,
        points: entry.points,
        encoding: entry.encoding,
      });
      if (entry.fields) expect(detection.meta?.fields, entry.path).toEqual(entry.fields);
    }
    expect((await detect(fixture('pointcloud/cube.ply'))).meta).toMatchObject({
      faces: 12,
      fields: ['x', 'y', 'z'],
    });
  });

  it('reads the EDF+ header', async () => {
    const detection = await detect(fixture('signal/edf-test-generator.edf'));
    const entry = entries.find((e) => e.path === 'signal/edf-test-generator.edf');
    expect(detection).toMatchObject({ modality: 'signal', mediaType: 'application/edf' });
    expect(detection.meta).toMatchObject({ format: 'edf', sampleRateHz: 200, durationS: 600 });
    expect((detection.meta?.channels as { name: string }[]).map((c) => c.name)).toEqual(entry?.labels);
  });

  it('reads the ECG CSV as two channels beside a time column', async () => {
    const detection = await detect(fixture('signal/mitdb-100-ecg-10s.csv'));
    expect(detection).toMatchObject({ modality: 'signal', mediaType: 'text/csv', confidence: 0.9 });
    expect(detection.meta).toMatchObject({
      channels: ['MLII_mV', 'V5_mV'],
      timeColumn: 'time_s',
      header: true,
    });
    // 82 KB file: only the rows inside the 64 KiB sample are counted.
    expect(detection.meta?.rowsSampled).toBe(199);
    expect(detection.meta?.rowsSampled).toBeLessThan(3600);
  });

  it('reads the sleep WAV as audio, and as a signal when declared so', async () => {
    const wav = fixture(SLEEP_WAV);
    expect(await detect(wav)).toMatchObject({ modality: 'audio', mediaType: 'audio/wav' });
    expect(await detect(wav, { modality: 'signal' })).toMatchObject({
      modality: 'signal',
      mediaType: 'audio/wav',
    });
  });

  it('reads text fixtures with their text media types', async () => {
    expect(await detect(fixture('text/request.json'))).toMatchObject({
      modality: 'text',
      mediaType: 'application/json',
    });
    expect(await detect(fixture('text/chinese.txt'))).toMatchObject({
      modality: 'text',
      mediaType: 'text/plain',
    });
    expect(await detect(fixture('text/notes.md'), { filename: 'notes.md' })).toMatchObject({
      modality: 'text',
      mediaType: 'text/markdown',
    });
    expect(
      await detect(fixture('text/english.txt'), { mediaType: 'text/markdown; charset=utf-8' }),
    ).toMatchObject({
      mediaType: 'text/markdown',
    });
  });

  // The PNG signature and IHDR are intact; file-type gives up at the oversized chunk, sharp
  // cannot read the header, and decoding fails later in the adapter (422), not here.
  it('takes invalid/corrupt.png for an image by its signature, without size', async () => {
    const detection = await detect(fixture('invalid/corrupt.png'));
    expect(detection).toMatchObject({ modality: 'image', mediaType: 'image/png', confidence: 1 });
    expect(detection.meta?.width).toBeUndefined();
  });

  it.each([
    ['invalid/document.pdf', 'application/pdf'],
    ['invalid/archive.zip', 'application/zip'],
    ['invalid/archive.gz', 'application/gzip'],
    ['invalid/corrupt.mkv', 'application/octet-stream'],
  ])('refuses %s as unsupported_media (%s)', async (path, mediaType) => {
    const error = await detectionError(fixture(path));
    expect(error.code).toBe('unsupported_media');
    expect(error.details?.mediaType).toBe(mediaType);
    expect(error.message).toMatch(path.endsWith('.mkv') ? /EBML/ : mediaType);
  });

  it('lists every invalid/ fixture in the two tests above', () => {
    expect(
      byModality(null)
        .map((e) => e.path)
        .filter((p) => p.startsWith('invalid/'))
        .sort(),
    ).toEqual([
      'invalid/archive.gz',
      'invalid/archive.zip',
      'invalid/corrupt.mkv',
      'invalid/corrupt.png',
      'invalid/document.pdf',
    ]);
  });

  it('refuses UTF-16 text with 415 naming its encoding, not as an unreadable MP3 (its mark FF FE passes for an MPEG frame)', async () => {
    const text = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(fixture('text/english.txt').toString(), 'utf16le'),
    ]);
    const error = await detectionError(text, { mediaType: 'text/plain', filename: 'input.txt' });
    expect(error.code).toBe('unsupported_media');
    expect(error.message).toMatch(/UTF-16LE .*only UTF-8 text is read/);
  });

  // file-type calls any content starting "solid " model/stl: a mesh, which no built-in modality takes.
  it('refuses the ASCII STL mesh with 415, unless declared text', async () => {
    const stl = fixture('extra/mesh.stl');
    const error = await detectionError(stl);
    expect(error.code).toBe('unsupported_media');
    expect(error.message).toMatch(/3-D model \(model\/stl\)/);
    expect(await detect(stl, { modality: 'text' })).toMatchObject({
      modality: 'text',
      mediaType: 'text/plain',
      meta: { resembles: 'model/stl' },
    });
    const declared = await detectionError(stl, { modality: 'mesh' });
    expect(declared.details).toMatchObject({ declared: 'mesh', detected: 'text' });
  });
});

describe('ContentModalityDetector with registered modalities', () => {
  const modalities = new ModalityRegistry();
  modalities.add('acme.mesh', [
    ModalityDefinitionSchema.parse({
      name: 'mesh',
      mediaTypes: ['model/stl', 'model/gltf-binary'],
      extensions: ['stl', 'glb'],
      magic: [{ offset: 0, hex: '676c5446' }],
      pattern: '^solid\\s',
    }),
  ]);
  const withMesh = new ContentModalityDetector(modalities);
  const detectWith = (content: Buffer, hints: DetectionHints = {}) =>
    withMesh.detect(content.subarray(0, DETECTION_SAMPLE_BYTES), content.length, hints);

  it('recognises the STL by its header pattern', async () => {
    expect(await detectWith(fixture('extra/mesh.stl'))).toMatchObject({
      modality: 'mesh',
      mediaType: 'model/stl',
      reason: 'registered modality: mesh header pattern',
    });
  });

  it('recognises magic bytes, and an extension only for content that is nothing better', async () => {
    const glb = Buffer.concat([Buffer.from('glTF', 'latin1'), Buffer.alloc(16, 1)]);
    expect((await detectWith(glb)).modality).toBe('mesh');
    expect((await detectWith(text('just words'), { filename: 'x.stl' })).modality).toBe('mesh');
    expect((await detectWith(fixture('image/fixture.png'), { filename: 'x.stl' })).modality).toBe('image');
  });

  it('leaves everything else as it was', async () => {
    expect((await detectWith(fixture('image/fixture.png'))).modality).toBe('image');
    expect((await detectWith(text('hello'))).modality).toBe('text');
  });
});

describe('ContentModalityDetector hints', () => {
  it('refuses a PNG declared as audio, naming both', async () => {
    const error = await detectionError(fixture('image/fixture.png'), { modality: 'audio' });
    expect(error.code).toBe('unsupported_media');
    expect(error.message).toMatch(/audio.*image/);
    expect(error.details).toMatchObject({ declared: 'audio', detected: 'image', mediaType: 'image/png' });
  });

  it('refuses a PDF declared as an image, naming both', async () => {
    const error = await detectionError(fixture('invalid/document.pdf'), { modality: 'image' });
    expect(error.details).toMatchObject({ declared: 'image', detected: 'application/pdf' });
  });

  it('reads an MP4 or WebM as audio when the hints say audio', async () => {
    const mp4 = fixture('video/fixture.mp4');
    expect(await detect(mp4, { mediaType: 'audio/mp4' })).toMatchObject({
      modality: 'audio',
      mediaType: 'audio/mp4',
    });
    expect(await detect(mp4, { filename: 'voice.m4a' })).toMatchObject({ modality: 'audio' });
    expect(await detect(fixture('video/fixture.webm'), { modality: 'audio' })).toMatchObject({
      modality: 'audio',
      mediaType: 'audio/webm',
    });
    expect(await detect(fixture('video/fixture.avi'), { mediaType: 'audio/x-msvideo' })).toMatchObject({
      modality: 'video',
      meta: { declaredMediaType: 'audio/x-msvideo' },
    });
  });

  it('refuses an M4A declared as video', async () => {
    const error = await detectionError(fixture('audio/fixture.m4a'), { modality: 'video' });
    expect(error.details).toMatchObject({ declared: 'video', detected: 'audio' });
  });

  it('lets content win over a declared media type and notes a different family', async () => {
    const png = fixture('image/fixture.png');
    const sameFamily = await detect(png, { mediaType: 'image/jpeg' });
    expect(sameFamily.mediaType).toBe('image/png');
    expect(sameFamily.meta?.declaredMediaType).toBeUndefined();
    expect((await detect(png, { mediaType: 'text/plain' })).meta?.declaredMediaType).toBe('text/plain');
    expect(
      (await detect(png, { mediaType: 'application/octet-stream' })).meta?.declaredMediaType,
    ).toBeUndefined();
  });

  it('treats an unknown declared modality as a contradiction', async () => {
    const error = await detectionError(text('hello'), { modality: 'hologram' });
    expect(error.code).toBe('unsupported_media');
    expect(error.details).toMatchObject({ declared: 'hologram', detected: 'text' });
  });
});

describe('ContentModalityDetector on synthetic text', () => {
  const csv = 'time,left,right\n0,1.5,-2\n0.1,1.25,-2.5\n0.2,1,-3e-1\n0.3,0.5,NaN\n';

  it('reads a CSV with a header and a time column as a signal', async () => {
    const detection = await detect(text(csv));
    expect(detection).toMatchObject({ modality: 'signal', mediaType: 'text/csv', confidence: 0.9 });
    expect(detection.meta).toMatchObject({ channels: ['left', 'right'], timeColumn: 'time', rowsSampled: 4 });
    expect(detection.reason).toBe('CSV with 3 numeric columns and a header (time column "time")');
  });

  it('reads a headerless TSV and a single numeric column as signals', async () => {
    expect(await detect(text('1\t2\n3\t4\n5\t6\n'))).toMatchObject({
      modality: 'signal',
      mediaType: 'text/tab-separated-values',
      meta: { channels: ['ch1', 'ch2'], header: false },
    });
    expect(await detect(text('0.1\n0.2\n0.3\n0.4\n'))).toMatchObject({
      modality: 'signal',
      mediaType: 'text/csv',
    });
  });

  it('keeps text with too few rows or mixed fields as text', async () => {
    expect((await detect(text('a,b\n1,2\n3,4\n'))).modality).toBe('text');
    expect((await detect(text('x,y\n1,2\n3,four\n5,6\n7,8\n'))).modality).toBe('text');
  });

  it('reads a numeric CSV declared as a point cloud as one, when it has 3 columns', async () => {
    const xyz = 'x,y,z\n0,0,0\n1,0,0\n0,1,0\n0,0,1\n';
    expect(await detect(text(xyz))).toMatchObject({ modality: 'signal' });
    expect(await detect(text(xyz), { modality: 'pointcloud' })).toMatchObject({
      modality: 'pointcloud',
      mediaType: 'text/csv',
      meta: { fields: ['x', 'y', 'z'], pointsSampled: 4 },
    });
    const error = await detectionError(text('a,b\n1,2\n3,4\n5,6\n'), { modality: 'pointcloud' });
    expect(error.details).toMatchObject({ declared: 'pointcloud', detected: 'signal' });
  });

  it('keeps CSV declared as text as text', async () => {
    expect(await detect(text(csv), { modality: 'text' })).toMatchObject({
      modality: 'text',
      mediaType: 'text/plain',
    });
    expect(await detect(text(csv), { modality: 'text', mediaType: 'text/csv' })).toMatchObject({
      modality: 'text',
      mediaType: 'text/csv',
    });
  });

  it('reads whitespace-separated x y z rows as an XYZ point cloud', async () => {
    const detection = await detect(text('0.0 0.0 0.0\n1.0 0.5 0.25\n2 1 0.5\n3 1.5 0.75\n'));
    expect(detection).toMatchObject({
      modality: 'pointcloud',
      mediaType: 'text/x-xyz',
      meta: { columns: 3 },
    });
  });

  it('reads a JSON signal and a numeric array as signals, other JSON as text', async () => {
    const signal = { sampleRateHz: 250, channels: [{ name: 'ecg', unit: 'mV', values: [0.1, 0.2, 0.15] }] };
    expect(await detect(text(JSON.stringify(signal)))).toMatchObject({
      modality: 'signal',
      mediaType: 'application/json',
      meta: { sampleRateHz: 250, channels: ['ecg'], samples: 3 },
    });
    expect(await detect(text('[1, 2.5, -3]'))).toMatchObject({
      modality: 'signal',
      meta: { channels: 1, samples: 3 },
    });
    expect(await detect(text(JSON.stringify(signal)), { modality: 'text' })).toMatchObject({
      modality: 'text',
      mediaType: 'application/json',
    });
    expect(await detect(text('{"channels": "none"}'))).toMatchObject({
      modality: 'text',
      mediaType: 'application/json',
    });
    const error = await detectionError(fixture('text/request.json'), { modality: 'signal' });
    expect(error.details).toMatchObject({ declared: 'signal', detected: 'text' });
  });

  it('reads a JSON point cloud of rows as a point cloud, and as JSON text when declared text', async () => {
    const rows = {
      fields: ['x', 'y', 'z', 'intensity'],
      points: [
        [0, 0, 0, 0.5],
        [1, 0, 0, 0.25],
        [0, 1, null, 1],
      ],
    };
    expect(await detect(text(JSON.stringify(rows)))).toEqual({
      modality: 'pointcloud',
      mediaType: 'application/json',
      confidence: 0.9,
      reason: 'JSON point cloud (3 points)',
      meta: { format: 'json', points: 3, fields: ['x', 'y', 'z', 'intensity'] },
    });
    expect(await detect(text(JSON.stringify(rows)), { modality: 'text' })).toMatchObject({
      modality: 'text',
      mediaType: 'application/json',
    });
    expect(await detect(text('{"points": [[1, 2, 3]]}'))).toMatchObject({
      modality: 'pointcloud',
      reason: 'JSON point cloud (1 point)',
      meta: { fields: ['x', 'y', 'z'] },
    });
  });

  it('reads a JSON point cloud of flat arrays as a point cloud', async () => {
    const arrays = {
      positions: [0, 0, 0, 1, 0, 0],
      colors: [255, 0, 0, 0, 255, 0],
      organized: { width: 2, height: 1 },
    };
    expect(await detect(text(JSON.stringify(arrays)))).toMatchObject({
      modality: 'pointcloud',
      mediaType: 'application/json',
      confidence: 0.9,
      reason: 'JSON point cloud (2 points)',
      meta: {
        format: 'json',
        points: 2,
        fields: ['x', 'y', 'z', 'red', 'green', 'blue'],
        width: 2,
        height: 1,
      },
    });
    const error = await detectionError(text(JSON.stringify(arrays)), { modality: 'signal' });
    expect(error.details).toMatchObject({ declared: 'signal', detected: 'pointcloud' });
  });

  it('keeps JSON signals signals and JSON that only resembles a point cloud text', async () => {
    const signal = { sampleRateHz: 100, channels: [{ name: 'x', values: [1, 2, 3] }] };
    expect(await detect(text(JSON.stringify(signal)))).toMatchObject({ modality: 'signal' });
    expect(await detect(text('[[1, 2, 3], [4, 5, 6]]'))).toMatchObject({ modality: 'text' });
    for (const notACloud of [
      { model: 'pointnet', points: [[1, 2, 3]] },
      { points: [[1, 2]] },
      {
        points: [
          [1, 2, 3],
          [4, 5],
        ],
      },
      { points: [] },
      { positions: [1, 2, 3, 4] },
      { points: 12 },
    ]) {
      expect(await detect(text(JSON.stringify(notACloud))), JSON.stringify(notACloud)).toMatchObject({
        modality: 'text',
        mediaType: 'application/json',
      });
    }
    expect(await detect(fixture('text/request.json'))).toMatchObject({ modality: 'text' });
  });

  it('judges a JSON point cloud larger than the sample by its whole rows', async () => {
    const points = Array.from({ length: 5000 }, (_, i) => [Math.sin(i), Math.cos(i), i / 7]);
    const big = text(JSON.stringify({ fields: ['x', 'y', 'z'], points }));
    expect(big.length).toBeGreaterThan(DETECTION_SAMPLE_BYTES);
    const detection = await detect(big);
    expect(detection).toMatchObject({
      modality: 'pointcloud',
      mediaType: 'application/json',
      confidence: 0.7,
      reason: 'JSON that opens like a point cloud (larger than the sample)',
      meta: { format: 'json', fields: ['x', 'y', 'z'] },
    });
    // A prefix's count is an estimate: the prober's to give.
    expect(detection.meta?.points).toBeUndefined();
    expect(await detect(big, { modality: 'text' })).toMatchObject({ modality: 'text', confidence: 0.7 });
  });

  it('judges a JSON signal larger than the sample by its opening', async () => {
    const values = Array.from({ length: 20_000 }, (_, i) => Math.sin(i / 10));
    const big = text(JSON.stringify({ sampleRateHz: 100, channels: [{ name: 'a', values }] }));
    expect(big.length).toBeGreaterThan(DETECTION_SAMPLE_BYTES);
    expect(await detect(big)).toMatchObject({
      modality: 'signal',
      mediaType: 'application/json',
      confidence: 0.7,
    });
  });

  it('reads an ASCII PLY header as a point cloud, and as text when declared so', async () => {
    const ply = [
      'ply',
      'format ascii 1.0',
      'element vertex 3',
      'property float x',
      'property float y',
      'property float z',
      'end_header',
      '0 0 0',
      '1 0 0',
      '0 1 0',
      '',
    ].join('\n');
    expect(await detect(text(ply))).toMatchObject({
      modality: 'pointcloud',
      mediaType: 'application/x-ply',
      meta: { format: 'ply', encoding: 'ascii', points: 3, fields: ['x', 'y', 'z'] },
    });
    expect(await detect(text(ply), { modality: 'text' })).toMatchObject({
      modality: 'text',
      mediaType: 'text/plain',
    });
  });

  it('refuses empty input as invalid_request', async () => {
    const error = await detectionError(Buffer.alloc(0));
    expect(error.code).toBe('invalid_request');
  });

  it('does not take text for a short binary signature', async () => {
    // file-type calls anything starting "BM" a BMP and "MZ" a Windows executable.
    const bmi = await detect(text('BMI,age\n21.5,30\n24.1,41\n19.8,25\n'));
    expect(bmi).toMatchObject({ modality: 'signal', meta: { channels: ['BMI', 'age'] } });
    expect(await detect(text('MZ is a postcode prefix.'))).toMatchObject({
      modality: 'text',
      meta: { resembles: 'application/x-msdownload' },
    });
  });

  it('keeps the type of text formats file-type knows', async () => {
    expect(await detect(text('<?xml version="1.0"?>\n<note>hi</note>\n'))).toMatchObject({
      modality: 'text',
      mediaType: 'application/xml',
    });
  });

  it('still refuses a PDF that is plain ASCII', async () => {
    const error = await detectionError(text('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'));
    expect(error.details).toMatchObject({ mediaType: 'application/pdf' });
  });

  it('accepts UTF-8 cut mid-character at the end of the sample', async () => {
    const chinese = text('全模态大模型'.repeat(5000));
    const sample = chinese.subarray(0, DETECTION_SAMPLE_BYTES);
    expect(DETECTION_SAMPLE_BYTES % 3).not.toBe(0);
    expect(await detector.detect(sample, chinese.length, {})).toMatchObject({
      modality: 'text',
      mediaType: 'text/plain',
    });
    // The same cut in a complete file is invalid UTF-8, so not text.
    await expect(detector.detect(sample, sample.length, {})).rejects.toBeInstanceOf(DetectionError);
  });

  it('refuses unrecognised binary content', async () => {
    const error = await detectionError(Buffer.from([0x00, 0x01, 0x02, 0xfe, 0xff, 0x10, 0x00, 0x7f]));
    expect(error).toMatchObject({
      code: 'unsupported_media',
      details: { mediaType: 'application/octet-stream' },
    });
  });
});

/** Detects `content` and says how long it took: the hostile cases must stay cheap, not only right. */
async function timedDetect(content: Buffer, hints: DetectionHints = {}) {
  const started = performance.now();
  const detection = await detect(content, hints);
  return { detection, ms: performance.now() - started };
}

describe('ContentModalityDetector on hostile input (issue 12, H3)', () => {
  // Each case took exponential time in the PCD signature's backtracking pattern: 36 newlines
  // and an `x` blocked the event loop for 45 s, and every 2 more newlines multiplied that by 4.
  it.each([
    ['36 newlines and x', '\n'.repeat(36) + 'x'],
    ['10,000 newlines and x', '\n'.repeat(10_000) + 'x'],
    ['1 MB of newlines', '\n'.repeat(1 << 20)],
    ['1 MB of "#\\n"', '#\n'.repeat(1 << 19)],
    ['1 MB of " \\n"', ' \n'.repeat(1 << 19)],
    ['1 MB of spaces', ' '.repeat(1 << 20)],
    ['comments then 1 MB of newlines and VERSION', '# c\n'.repeat(100) + '\n'.repeat(1 << 20) + 'VERSION .7'],
  ])('reads %s as text at once', async (_name, content) => {
    const { detection, ms } = await timedDetect(text(content));
    expect(detection).toMatchObject({ modality: 'text', mediaType: 'text/plain' });
    expect(ms).toBeLessThan(1000);
  });

  it('reads 32,000 nested brackets as plain text without parsing them', async () => {
    const { detection, ms } = await timedDetect(text('['.repeat(32_000) + ']'.repeat(32_000)));
    expect(detection).toMatchObject({ modality: 'text', mediaType: 'text/plain' });
    expect(ms).toBeLessThan(1000);
  });

  it('reads JSON of the shape of a signal but with 16,000 strings for values as JSON text', async () => {
    const values = Array.from({ length: 12_000 }, () => 'x');
    const signalLike = { sampleRateHz: 100, channels: [{ name: 'a', values }] };
    for (const json of [JSON.stringify(values), JSON.stringify(signalLike)]) {
      const { detection, ms } = await timedDetect(text(json));
      expect(detection).toMatchObject({ modality: 'text', mediaType: 'application/json' });
      expect(ms).toBeLessThan(1000);
    }
  });

  it('takes a text that opens with "VERSION" for text, not for a PCD', async () => {
    const changelog = 'VERSION 2.1\n\nFixed: the parser.\nAdded: a manual.\n';
    expect(await detect(text(changelog))).toMatchObject({ modality: 'text', mediaType: 'text/plain' });
  });

  it('takes a space-padded numeric table that starts "0       " for a table, not for EDF', async () => {
    const table = Array.from({ length: 40 }, (_, i) => `${String(i).padEnd(8)}${i * 2}       ${i * 3}`);
    const detection = await detect(text(table.join('\n') + '\n'));
    expect(detection.modality).toBe('pointcloud');
    expect(detection.mediaType).toBe('text/x-xyz');
  });

  it('reads a PCD whose header announces more points than the file holds as a PCD it cannot read', async () => {
    const pcd = fixture('pointcloud/bunny.pcd').toString('latin1');
    const truncated = text(pcd.slice(0, pcd.indexOf('DATA ascii') + 200));
    const detection = await detect(truncated);
    expect(detection).toMatchObject({
      modality: 'pointcloud',
      mediaType: 'application/x-pcd',
      meta: { format: 'pcd', probe: 'failed' },
    });
    expect(String(detection.meta?.reason)).toMatch(/397 points/);
    // Still text when the caller says so: an ASCII header is text too.
    expect((await detect(truncated, { modality: 'text' })).modality).toBe('text');
  });
});
