import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

/** The gateway runs in this process: its event loop is this one, so the monitor sees its stalls. */
const MAX_LOOP_DELAY_MS = 1000;
const MAX_ANSWER_MS = 5000;

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; details?: Record<string, unknown> } } & Record<
    string,
    unknown
  >;
  ms: number;
  loopDelayMs: number;
}

/** POSTs JSON and measures the answer's time and the longest event-loop stall meanwhile. */
async function post(url: string, body: unknown): Promise<Answer> {
  const monitor = monitorEventLoopDelay({ resolution: 10 });
  monitor.enable();
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const answer = (await res.json()) as Answer['body'];
    return {
      status: res.status,
      body: answer,
      ms: performance.now() - started,
      loopDelayMs: monitor.max / 1e6,
    };
  } finally {
    monitor.disable();
  }
}

function expectQuick(answer: Answer): void {
  expect(answer.ms, JSON.stringify(answer.body).slice(0, 300)).toBeLessThan(MAX_ANSWER_MS);
  expect(answer.loopDelayMs).toBeLessThan(MAX_LOOP_DELAY_MS);
}

const base64 = (content: string | Buffer) => Buffer.from(content).toString('base64');

/** A copy of `image` with its declared size replaced, at `set`. */
function patched(path: string, set: (image: Buffer) => void): Buffer {
  const image = Buffer.from(fixture(path));
  set(image);
  return image;
}

/** The offset of a JPEG's frame header (SOF0–SOF2), whose height and width follow its precision byte. */
function jpegFrame(jpeg: Buffer): number {
  for (let at = 2; at + 4 <= jpeg.length;) {
    const marker = jpeg[at + 1];
    if (marker >= 0xc0 && marker <= 0xc2) return at;
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  throw new Error('no frame header');
}

/** The offset of a GIF's first image descriptor (`,`), whose width and height follow its position. */
function gifFrame(gif: Buffer): number {
  const flags = gif[10];
  let at = 13 + (flags & 0x80 ? 3 << ((flags & 0x07) + 1) : 0);
  while (gif[at] === 0x21) {
    at += 2;
    while (gif[at] !== 0) at += gif[at] + 1;
    at += 1;
  }
  if (gif[at] !== 0x2c) throw new Error('no image descriptor');
  return at;
}

describe('hostile input through /v1/detect and /v1/infer (issue 12)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ JOB_ATTEMPTS: '1', LIMIT_IMAGE_PIXELS: '50000000' });
  });
  afterAll(async () => gw.close());

  // H3: the PCD signature pattern backtracked exponentially: 36 newlines and an x, 45 s.
  describe.each([
    ['36 newlines and x', '\n'.repeat(36) + 'x', 200],
    ['10,000 newlines and x', '\n'.repeat(10_000) + 'x', 422],
    // Over the 64 KiB the renderer takes: 413 with details.max.
    ['1 MB of newlines', '\n'.repeat(1 << 20), 413],
    ['1 MB of "#\\n"', '#\n'.repeat(1 << 19), 413],
  ])('%s', (_name, content, imageStatus) => {
    const data = base64(content);

    it('is detected as text at once', async () => {
      const answer = await post(`${gw.url}/v1/detect`, { inputs: [{ data }] });
      expect(answer.status).toBe(200);
      expect(answer.body.detected).toMatchObject([{ modality: 'text', mediaType: 'text/plain' }]);
      expectQuick(answer);
    });

    // To image: rendered, or refused for its size by the renderer; never a stall.
    it(`answers /v1/infer to image with ${imageStatus} at once`, async () => {
      const answer = await post(`${gw.url}/v1/infer`, { inputs: [{ data }], output: 'image' });
      expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(imageStatus);
      expectQuick(answer);
    });
  });

  it.each([
    ['36 newlines and x', '\n'.repeat(36) + 'x'],
    ['10,000 newlines and x', '\n'.repeat(10_000) + 'x'],
  ])('answers /v1/infer to text for %s at once', async (_name, content) => {
    const answer = await post(`${gw.url}/v1/infer`, { inputs: [{ data: base64(content) }], output: 'text' });
    expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
    expectQuick(answer);
  });

  // Item 2: the size an image header claims is refused before any decoder allocates for it.
  it.each([
    [
      'GIF of 65535 × 65535',
      patched('image/fixture.gif', (gif) => {
        for (const at of [6, gifFrame(gif) + 5]) {
          gif.writeUInt16LE(65535, at);
          gif.writeUInt16LE(65535, at + 2);
        }
      }),
    ],
    [
      'JPEG of 65000 × 65000',
      patched('image/fixture.jpg', (jpeg) => {
        const frame = jpegFrame(jpeg);
        jpeg.writeUInt16BE(65000, frame + 5);
        jpeg.writeUInt16BE(65000, frame + 7);
      }),
    ],
    [
      // Over the 65,500 libjpeg reads: libvips refuses the header, the declared size still answers.
      'JPEG of 65535 × 65535',
      patched('image/fixture.jpg', (jpeg) => {
        const frame = jpegFrame(jpeg);
        jpeg.writeUInt16BE(65535, frame + 5);
        jpeg.writeUInt16BE(65535, frame + 7);
      }),
    ],
    [
      'WebP of 16383 × 16383',
      patched('image/fixture.webp', (webp) => {
        // VP8 frame header: 14-bit width and height after the start code 9d 01 2a.
        const start = webp.indexOf(Buffer.from([0x9d, 0x01, 0x2a]));
        webp.writeUInt16LE(16383, start + 3);
        webp.writeUInt16LE(16383, start + 5);
      }),
    ],
  ])('refuses a %s header with 413 LIMIT_IMAGE_PIXELS', async (_name, image) => {
    for (const [path, extra] of [
      ['/v1/detect', {}],
      ['/v1/infer', { output: 'text' }],
    ] as const) {
      const answer = await post(`${gw.url}${path}`, { inputs: [{ data: base64(image) }], ...extra });
      expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(413);
      expect(answer.body.error).toMatchObject({
        code: 'payload_too_large',
        details: { limit: 'LIMIT_IMAGE_PIXELS', max: 50_000_000 },
      });
      expectQuick(answer);
    }
  });

  // Item 2: a duration is the container's claim, refused from the header (FLAC's STREAMINFO).
  it('refuses a FLAC whose STREAMINFO claims 2^36 samples with 413 LIMIT_MEDIA_DURATION_S', async () => {
    const flac = patched('audio/fixture.flac', (content) => {
      content[8 + 13] |= 0x0f;
      content.writeUInt32BE(0xffffffff, 8 + 14);
    });
    const answer = await post(`${gw.url}/v1/infer`, { inputs: [{ data: base64(flac) }], output: 'text' });
    expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(413);
    expect(answer.body.error).toMatchObject({ details: { limit: 'LIMIT_MEDIA_DURATION_S' } });
    expectQuick(answer);
  });
});

/** A remote adapter server that only describes itself: a `scan` modality recognised by `pattern`. */
async function describingServer(pattern: string): Promise<{ url: string; close(): Promise<void> }> {
  const descriptor = {
    version: '1.0.0',
    capabilities: [{ task: 'describe', inputs: ['scan'], output: 'text' }],
    modalities: [{ name: 'scan', mediaTypes: ['application/x-scan'], pattern }],
  };
  const server: Server = createServer((req, res) => {
    res.writeHead(req.url === '/descriptor' ? 200 : 204, { 'content-type': 'application/json' });
    res.end(req.url === '/descriptor' ? JSON.stringify(descriptor) : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// M5: a registered modality's pattern ran on the JavaScript engine: `^(a|aa)+$` made a 41-byte
// upload take 3.75 s, 1.6 times more per byte, on every API process.
describe('registered modality patterns (issue 12, M5)', () => {
  let gw: TestGateway;
  const servers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    gw = await startGateway({ JOB_ATTEMPTS: '1' });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  const register = async (id: string, pattern: string) => {
    const server = await describingServer(pattern);
    servers.push(server);
    return post(`${gw.url}/v1/adapters`, { kind: 'http', id, url: server.url });
  };

  it('runs an exponential pattern in linear time on every upload', async () => {
    const registered = await register('acme.scan', '^(a|aa)+$');
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    for (const content of ['a'.repeat(41) + 'b', 'a'.repeat(64) + 'b', 'a'.repeat(4095) + 'b']) {
      const answer = await post(`${gw.url}/v1/detect`, { inputs: [{ data: base64(content) }] });
      expect(answer.status).toBe(200);
      expect(answer.body.detected, JSON.stringify(answer.body)).toMatchObject([{ modality: 'text' }]);
      expectQuick(answer);
    }
    const scan = await post(`${gw.url}/v1/detect`, { inputs: [{ data: base64('a'.repeat(4096)) }] });
    expect(scan.body.detected).toMatchObject([
      { modality: 'scan', reason: 'registered modality: scan header pattern' },
    ]);
  });

  it.each([
    ['a backreference', '^(a)\\1'],
    ['a lookahead', '^a(?=b)'],
    ['a program over 100 instructions', '^[a-z]{0,200}x'],
  ])('refuses a pattern with %s: 400 naming the field', async (_what, pattern) => {
    const answer = await register(`acme.bad${servers.length}`, pattern);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'invalid_request',
      details: { field: 'modalities[0].pattern', modality: 'scan' },
    });
  });
});
