import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

/** A valid PNG header that claims a huge image, with one tiny IDAT: nothing may decode it. */
function hugePng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4); // readers that check CRCs refuse it anyway; the size is in the header
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('POST /v1/detect', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ LIMIT_IMAGE_PIXELS: '50000000', LIMIT_TEXT_CHARS: '1000' });
  });
  afterAll(async () => gw.close());

  const detect = (inputs: unknown[]) =>
    fetch(`${gw.url}/v1/detect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs }),
    });

  it('detects JSON inputs and multipart files without running anything', async () => {
    const res = await detect([{ text: 'hello' }, { data: fixture('image/fixture.png').toString('base64') }]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { detected: { modality: string; meta?: Record<string, unknown> }[] };
    expect(body.detected.map((d) => d.modality)).toEqual(['text', 'image']);
    expect(body.detected[1].meta).toMatchObject({ width: 200, height: 133 });

    const form = new FormData();
    form.append('file', new Blob([fixture('signal/mitdb-100-ecg-10s.csv')], { type: 'text/csv' }), 'ecg.csv');
    const multi = await fetch(`${gw.url}/v1/detect`, { method: 'POST', body: form });
    expect(multi.status).toBe(200);
    expect(((await multi.json()) as { detected: { modality: string }[] }).detected[0].modality).toBe(
      'signal',
    );
  });

  it('reads a JSON point cloud and probes its bounding box', async () => {
    const cloud = {
      points: [
        [0, 0, 0],
        [1, 2, 3],
        [7, 8, 9.5],
      ],
    };
    const res = await detect([{ data: Buffer.from(JSON.stringify(cloud)).toString('base64') }]);
    expect(res.status).toBe(200);
    const [d] = ((await res.json()) as { detected: { modality: string; meta: Record<string, unknown> }[] })
      .detected;
    expect(d.modality).toBe('pointcloud');
    expect(d.meta).toMatchObject({
      format: 'json',
      points: 3,
      fields: ['x', 'y', 'z'],
      boundingBox: { min: [0, 0, 0], max: [7, 8, 9.5] },
    });
  });

  it('refuses a PNG that claims too many pixels before decoding it, naming the limit', async () => {
    const res = await detect([{ data: hugePng(100_000, 100_000).toString('base64') }]);
    expect(res.status).toBe(413);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { limit: string } };
    };
    expect(body.error.code).toBe('payload_too_large');
    expect(body.error.details.limit).toBe('LIMIT_IMAGE_PIXELS');
    expect(body.error.message).toContain('LIMIT_IMAGE_PIXELS');
  });

  it('refuses text over the length limit', async () => {
    const res = await detect([{ text: 'x'.repeat(2000) }]);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { details: { limit: string } } }).error.details.limit).toBe(
      'LIMIT_TEXT_CHARS',
    );
  });

  it.each(['invalid/document.pdf', 'invalid/archive.zip', 'invalid/archive.gz', 'invalid/corrupt.mkv'])(
    'refuses %s with 415',
    async (path) => {
      const res = await detect([{ data: fixture(path).toString('base64') }]);
      expect(res.status).toBe(415);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unsupported_media');
      expect(body.error.message.length).toBeGreaterThan(10);
    },
  );

  it.each([
    ['LIMIT_POINTS', '100', 'pointcloud/bunny.pcd'],
    ['LIMIT_SIGNAL_VALUES', '1000', 'signal/mitdb-100-ecg-10s.csv'],
    ['LIMIT_MEDIA_DURATION_S', '5', 'audio/jfk.wav'],
  ])('refuses an input over %s=%s (%s)', async (variable, value, path) => {
    const small = await startGateway({ [variable]: value });
    try {
      const res = await fetch(`${small.url}/v1/detect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ data: fixture(path).toString('base64'), filename: path.split('/')[1] }],
        }),
      });
      expect(res.status).toBe(413);
      const body = (await res.json()) as { error: { code: string; details: { limit: string } } };
      expect(body.error).toMatchObject({ code: 'payload_too_large', details: { limit: variable } });
    } finally {
      await small.close();
    }
  });

  it('refuses a body without inputs', async () => {
    const res = await fetch(`${gw.url}/v1/detect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [] }),
    });
    expect(res.status).toBe(400);
  });
});
