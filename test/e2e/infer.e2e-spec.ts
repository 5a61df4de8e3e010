import { decodeSignal } from '@omnigate/adapters';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

interface JobBody {
  id: string;
  status: string;
  outputs: {
    modality: string;
    mediaType: string;
    text?: string;
    blobId?: string;
    url?: string;
    bytes?: number;
    data?: string;
  }[];
  route: { adapter: string; task: string; from: string[]; to: string; ms?: number }[];
  detected: { modality: string; mediaType: string; meta?: Record<string, unknown> }[];
  warnings: string[];
  timings: { queuedMs?: number; totalMs?: number };
  links: { self: string };
}

describe('POST /v1/infer over HTTP (BullMQ on Redis)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw.close());

  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('converts the PNG fixture to WebP and serves the output blob', async () => {
    const res = await postJson('/v1/infer', {
      inputs: [{ data: fixture('image/fixture.png').toString('base64'), filename: 'fixture.png' }],
      output: { modality: 'image', mediaType: 'image/webp' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as JobBody;
    expect(body.status).toBe('completed');
    expect(body.route).toMatchObject([
      { adapter: 'builtin.sharp', task: 'convert', from: ['image'], to: 'image' },
    ]);
    expect(body.detected[0]).toMatchObject({
      modality: 'image',
      mediaType: 'image/png',
      meta: { width: 200, height: 133 },
    });
    expect(body.timings.totalMs).toBeGreaterThanOrEqual(0);
    const [out] = body.outputs;
    expect(out).toMatchObject({ modality: 'image', mediaType: 'image/webp' });
    const blob = await fetch(`${gw.url}${out.url}`);
    expect(blob.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await blob.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 200, height: 133 });
  });

  it('returns raw bytes for Accept: image/webp, from a multipart upload, with resize options', async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture('image/fixture.png')], { type: 'image/png' }), 'fixture.png');
    form.append('output', 'image');
    form.append('options', JSON.stringify({ width: 100 }));
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      body: form,
      headers: { accept: 'image/webp' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 100, height: 67 });
  });

  it('describes the ECG CSV: 360 Hz and both channels', async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture('signal/mitdb-100-ecg-10s.csv')], { type: 'text/csv' }), 'ecg.csv');
    form.append('output', 'text');
    const res = await fetch(`${gw.url}/v1/infer`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const body = (await res.json()) as JobBody;
    expect(body.detected[0].modality).toBe('signal');
    expect(body.route[0].adapter).toBe('builtin.signal');
    const text = body.outputs[0].text ?? '';
    expect(text).toMatch(/360(\.0+)? ?Hz/);
    expect(text).toContain('MLII');
    expect(text).toContain('V5');
    expect(text).toMatch(/3600 samples/);
  });

  it('renders text to a PNG', async () => {
    const res = await postJson('/v1/infer', {
      inputs: [{ text: 'Hello, omnigate!' }],
      output: { modality: 'image', inline: true },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as JobBody;
    expect(body.route[0].adapter).toBe('builtin.render');
    const png = Buffer.from(body.outputs[0].data!, 'base64');
    const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBeGreaterThan(50);
    const dark = data.filter((v) => v < 128).length;
    expect(dark).toBeGreaterThan(100);
  });

  it('chains hops: a CSV signal to an image goes signal → text → image, options reaching their hop', async () => {
    const res = await postJson('/v1/infer', {
      inputs: [{ data: fixture('signal/mitdb-100-ecg-10s.csv').toString('base64'), filename: 'ecg.csv' }],
      output: { modality: 'image', inline: true },
      // Pinning the renderer makes the route go through text (a plot adapter would be one hop).
      adapter: 'builtin.render',
      options: { width: 400, channels: ['MLII_mV'], glitter: true },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as JobBody;
    expect(body.route.map((r) => `${r.adapter}:${r.from.join('+')}>${r.to}`)).toEqual([
      'builtin.signal:signal>text',
      'builtin.render:text>image',
    ]);
    expect(body.route.every((r) => typeof r.ms === 'number')).toBe(true);
    expect(body.detected[0].modality).toBe('signal');
    expect(body.warnings.join(' ')).toContain('glitter');
    const png = Buffer.from(body.outputs[0].data!, 'base64');
    const meta = await sharp(png).metadata();
    // The renderer got width 400 (plus its padding); the signal hop got the channel selection.
    expect(meta.format).toBe('png');
    expect(meta.width).toBeLessThan(500);
  });

  it("runs a media chain: video → audio → signal (the sound track's envelope as CSV)", async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture('video/fixture.3gp')]), 'clip.3gp');
    form.append('output', 'signal');
    form.append('task', 'samples');
    const res = await fetch(`${gw.url}/v1/infer`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const body = (await res.json()) as JobBody;
    expect(body.route.map((r) => `${r.adapter}:${r.task}`)).toEqual([
      'builtin.video:extract',
      'builtin.audio:samples',
    ]);
    const [out] = body.outputs;
    const csv =
      out.text !== undefined
        ? Buffer.from(out.text)
        : Buffer.from(await (await fetch(`${gw.url}${out.url}`)).arrayBuffer());
    const signal = decodeSignal(csv, 'csv');
    expect(signal.sampleRateHz).toBe(100);
    // 5.6 s of sound at 100 Hz.
    expect(Math.abs(signal.channels[0].values.length - 558)).toBeLessThan(30);
  });

  it('answers 202 in async mode and the job can be polled to completion', async () => {
    const res = await postJson('/v1/infer', {
      inputs: [{ text: 'later' }],
      output: 'text',
      task: 'echo',
      mode: 'async',
    });
    expect(res.status).toBe(202);
    const location = res.headers.get('location');
    expect(location).toMatch(/^\/v1\/jobs\//);
    let body: JobBody | undefined;
    for (let i = 0; i < 100; i++) {
      body = (await (await fetch(`${gw.url}${location}`)).json()) as JobBody;
      if (body.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(body?.status).toBe('completed');
    expect(body?.outputs[0].text).toBe('later');
  });

  it('stores blobs byte for byte and takes them as inputs by id', async () => {
    const png = fixture('image/fixture.png');
    const up = await fetch(`${gw.url}/v1/blobs`, {
      method: 'POST',
      body: png,
      headers: { 'content-type': 'image/png' },
    });
    expect(up.status).toBe(201);
    const blob = (await up.json()) as { id: string; bytes: number };
    expect(blob.bytes).toBe(png.length);
    const down = await fetch(`${gw.url}/v1/blobs/${blob.id}`);
    expect(down.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await down.arrayBuffer()).equals(png)).toBe(true);

    const json = Buffer.from(
      '{"sampleRateHz": 10, "channels": [{"name": "a", "values": [1,2,3,4,5,6,7,8]}]}',
    );
    const upJson = await fetch(`${gw.url}/v1/blobs`, {
      method: 'POST',
      body: json,
      headers: { 'content-type': 'application/json' },
    });
    const jsonBlob = (await upJson.json()) as { id: string };
    const jsonBack = Buffer.from(await (await fetch(`${gw.url}/v1/blobs/${jsonBlob.id}`)).arrayBuffer());
    expect(jsonBack.equals(json)).toBe(true);

    const res = await postJson('/v1/infer', {
      inputs: [{ blobId: blob.id }],
      output: { modality: 'image', mediaType: 'image/jpeg' },
    });
    const body = (await res.json()) as JobBody;
    expect(body.outputs[0].mediaType).toBe('image/jpeg');
  });

  it('turns options an adapter does not know into warnings', async () => {
    const res = await postJson('/v1/infer', {
      inputs: [{ data: fixture('image/fixture.png').toString('base64') }],
      output: 'image',
      options: { width: 50, sparkle: true },
    });
    const body = (await res.json()) as JobBody;
    expect(res.status).toBe(200);
    expect(body.warnings.join(' ')).toContain('sparkle');
  });

  it('lists adapters, answers health probes and serves the OpenAPI document', async () => {
    const adapters = (await (await fetch(`${gw.url}/v1/adapters`)).json()) as { adapters: { id: string }[] };
    expect(adapters.adapters.map((a) => a.id)).toEqual(
      expect.arrayContaining(['builtin.sharp', 'builtin.render', 'builtin.signal', 'builtin.echo']),
    );
    expect((await fetch(`${gw.url}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${gw.url}/health/ready`)).json()).toEqual({ status: 'ok', queue: 'bullmq' });
    const doc = (await (await fetch(`${gw.url}/docs/json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/infer', '/v1/detect', '/v1/jobs/{id}', '/v1/blobs']),
    );
    expect(Object.keys(doc.components.schemas.InferRequest.properties ?? {})).toEqual(
      expect.arrayContaining(['inputs', 'output', 'task', 'adapter', 'mode']),
    );
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/adapters/{id}', '/v1/chat/completions', '/v1/audio/transcriptions']),
    );
    // Every reference points at a schema the document has.
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.filter((id) => !(id in doc.components.schemas))).toEqual([]);
  });

  describe('refuses bad input with a clear 4xx', () => {
    const cases: [string, () => Promise<Response>, number, string][] = [
      [
        'invalid JSON',
        () =>
          fetch(`${gw.url}/v1/infer`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"inputs": [',
          }),
        400,
        'invalid_request',
      ],
      ['a missing output', () => postJson('/v1/infer', { inputs: [{ text: 'x' }] }), 400, 'invalid_request'],
      [
        'a field of the wrong type',
        () => postJson('/v1/infer', { inputs: [{ text: 'x' }], output: 'text', timeoutMs: 'soon' }),
        400,
        'invalid_request',
      ],
      [
        'an unknown field',
        () => postJson('/v1/infer', { inputs: [{ text: 'x' }], output: 'text', colour: 'red' }),
        400,
        'invalid_request',
      ],
      [
        'an unknown modality',
        () => postJson('/v1/infer', { inputs: [{ text: 'x' }], output: 'smell' }),
        400,
        'invalid_request',
      ],
      [
        'an unknown adapter',
        () => postJson('/v1/infer', { inputs: [{ text: 'x' }], output: 'text', adapter: 'nope.adapter' }),
        404,
        'not_found',
      ],
      [
        'an unknown blob',
        () => postJson('/v1/infer', { inputs: [{ blobId: 'a'.repeat(64) }], output: 'text' }),
        404,
        'not_found',
      ],
      ['an unknown job', () => fetch(`${gw.url}/v1/jobs/does-not-exist`), 404, 'not_found'],
      ['an unknown blob download', () => fetch(`${gw.url}/v1/blobs/${'b'.repeat(64)}`), 404, 'not_found'],
      [
        'no route',
        () => postJson('/v1/infer', { inputs: [{ text: 'x' }], output: 'pointcloud', task: 'juggle' }),
        422,
        'no_route',
      ],
      [
        'a bad option value',
        () =>
          postJson('/v1/infer', {
            inputs: [{ data: fixture('image/fixture.png').toString('base64') }],
            output: 'image',
            options: { width: -3 },
          }),
        400,
        'invalid_request',
      ],
      [
        'a corrupt PNG',
        () =>
          postJson('/v1/infer', {
            inputs: [{ data: fixture('invalid/corrupt.png').toString('base64') }],
            output: 'image',
          }),
        422,
        'unprocessable_input',
      ],
      [
        'a PDF',
        () =>
          postJson('/v1/infer', {
            inputs: [{ data: fixture('invalid/document.pdf').toString('base64') }],
            output: 'text',
          }),
        415,
        'unsupported_media',
      ],
      [
        'a PNG declared as audio',
        () =>
          postJson('/v1/infer', {
            inputs: [{ data: fixture('image/fixture.png').toString('base64'), modality: 'audio' }],
            output: 'text',
          }),
        415,
        'unsupported_media',
      ],
      [
        'a plain-text body',
        () =>
          fetch(`${gw.url}/v1/infer`, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: 'hi',
          }),
        415,
        'unsupported_media',
      ],
      [
        'an unsatisfiable Accept',
        () => postJson('/v1/infer', { inputs: [{ text: 'x' }], output: 'text' }, { accept: 'image/png' }),
        406,
        'not_acceptable',
      ],
      ['an unknown path', () => fetch(`${gw.url}/v1/nowhere`), 404, 'not_found'],
    ];
    it.each(cases)('%s', async (_name, send, status, code) => {
      const res = await send();
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(0);
    });
  });
});

describe('limits', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ MAX_BODY_BYTES: '2048', BLOB_MAX_BYTES: '4096' });
  });
  afterAll(async () => gw.close());

  it('refuses an oversized JSON body with 413', async () => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ text: 'x'.repeat(5000) }], output: 'text' }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('refuses an oversized upload with 413', async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture('image/fixture.png')], { type: 'image/png' }), 'big.png');
    form.append('output', 'image');
    const res = await fetch(`${gw.url}/v1/infer`, { method: 'POST', body: form });
    expect(res.status).toBe(413);
    const raw = await fetch(`${gw.url}/v1/blobs`, {
      method: 'POST',
      body: fixture('image/fixture.png'),
      headers: { 'content-type': 'image/png' },
    });
    expect(raw.status).toBe(413);
  });
});

describe('the in-process driver', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ QUEUE_DRIVER: 'inline' });
  });
  afterAll(async () => gw.close());

  it('runs the same request without Redis', async () => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'image/avif' },
      body: JSON.stringify({
        inputs: [{ data: fixture('image/fixture.jpg').toString('base64') }],
        output: 'image',
      }),
    });
    expect(res.status).toBe(200);
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).format).toBe('heif');
    expect(await (await fetch(`${gw.url}/health/ready`)).json()).toEqual({ status: 'ok', queue: 'inline' });
  });
});
