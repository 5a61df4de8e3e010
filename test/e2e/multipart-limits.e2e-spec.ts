import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';
import { rawRequest, streamRequest, type RawAnswer } from '../raw-http';

const BOUNDARY = 'omnigate-test-7d0c';
const MiB = 1024 * 1024;

/** One part of a form: a field, or a file when it has a filename; `content` a size in bytes of `a`s. */
interface Part {
  name: string;
  filename?: string;
  type?: string;
  content: number | string | Buffer;
}

function partHead(part: Part): string {
  const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
  return `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ''}\r\n`;
}

const contentLength = (content: Part['content']) =>
  typeof content === 'number' ? content : Buffer.byteLength(content);

/** A multipart request to `path`: its head, and its body as chunks generated on the fly (never whole in memory). */
function multipart(path: string, parts: Part[]): { head: string; body: () => Generator<Buffer> } {
  const tail = `--${BOUNDARY}--\r\n`;
  const length =
    parts.reduce((n, p) => n + Buffer.byteLength(partHead(p)) + contentLength(p.content) + 2, 0) +
    tail.length;
  const head = [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}`,
    `Content-Length: ${length}`,
    'Connection: close',
  ].join('\r\n');
  function* body(): Generator<Buffer> {
    const block = Buffer.alloc(64 * 1024, 'a');
    for (const part of parts) {
      yield Buffer.from(partHead(part));
      if (typeof part.content === 'number') {
        for (let left = part.content; left > 0; left -= block.length)
          yield block.subarray(0, Math.min(left, block.length));
      } else {
        yield Buffer.from(part.content);
      }
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(tail);
  }
  return { head, body };
}

function errorOf(answer: RawAnswer | undefined, status: number) {
  expect(answer, 'no answer').toBeDefined();
  expect(answer!.status, answer!.body).toBe(status);
  return (
    JSON.parse(answer!.body) as {
      error: { code: string; message: string; details?: Record<string, unknown> };
    }
  ).error;
}

async function send(gw: TestGateway, path: string, parts: Part[]) {
  const { head, body } = multipart(path, parts);
  return streamRequest(gw.url, head, body());
}

describe('multipart bodies are bounded while they stream (M3)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // MAX_BODY_BYTES as by default; a text may be 100,000 characters (300,000 bytes of UTF-8).
    gw = await startGateway({ LIMIT_TEXT_CHARS: '100000', BLOB_MAX_BYTES: String(MiB) });
  });
  afterAll(() => gw.close());

  it('refuses 8 text fields of 24 MiB at the first one’s 300 KB, without reading or holding the rest', async () => {
    const parts = Array.from({ length: 8 }, () => ({ name: 'text', content: 24 * MiB }));
    const before = process.memoryUsage().rss;
    const { answer, bytesWritten } = await send(gw, '/v1/infer', [
      { name: 'output', content: 'text' },
      ...parts,
    ]);
    const grown = process.memoryUsage().rss - before;
    const error = errorOf(answer, 413);
    expect(error).toMatchObject({
      code: 'payload_too_large',
      details: { limit: 'LIMIT_TEXT_CHARS', max: 100_000 },
    });
    // The answer came while most of the 192 MiB were still unsent: nothing waited for the rest.
    expect(bytesWritten).toBeLessThan(48 * MiB);
    expect(grown).toBeLessThan(64 * MiB);
  });

  it.each(['/v1/infer', '/v1/detect'])(
    '%s: a text of LIMIT_TEXT_CHARS characters of 3 bytes each is read whole',
    async (path) => {
      const text = '語'.repeat(100_000);
      const run =
        path === '/v1/infer'
          ? [
              { name: 'output', content: 'text' },
              { name: 'task', content: 'echo' },
            ]
          : [];
      const { answer } = await send(gw, path, [{ name: 'text', content: text }, ...run]);
      expect(answer?.status, answer?.body).toBe(200);
    },
  );

  it('refuses a text one character over LIMIT_TEXT_CHARS, counted in characters', async () => {
    const { answer } = await send(gw, '/v1/detect', [{ name: 'text', content: 'é'.repeat(100_001) }]);
    expect(errorOf(answer, 413).details).toEqual({
      limit: 'LIMIT_TEXT_CHARS',
      max: 100_000,
      actual: 100_001,
    });
  });

  it('refuses a file over BLOB_MAX_BYTES naming it', async () => {
    const { answer, bytesWritten } = await send(gw, '/v1/infer', [
      { name: 'file', filename: 'big.bin', type: 'application/octet-stream', content: 64 * MiB },
      { name: 'output', content: 'text' },
    ]);
    expect(errorOf(answer, 413).details).toEqual({ limit: 'BLOB_MAX_BYTES', max: MiB });
    expect(bytesWritten).toBeLessThan(32 * MiB);
  });

  it('refuses a raw /v1/blobs body over BLOB_MAX_BYTES naming it, before the rest is read', async () => {
    const head = [
      'POST /v1/blobs HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: image/png',
      `Content-Length: ${64 * MiB}`,
      'Connection: close',
    ].join('\r\n');
    const block = Buffer.alloc(64 * 1024);
    const { answer, bytesWritten } = await streamRequest(
      gw.url,
      head,
      Array.from({ length: 1024 }, () => block),
    );
    expect(errorOf(answer, 413).details).toEqual({ limit: 'BLOB_MAX_BYTES', max: MiB });
    expect(bytesWritten).toBeLessThan(32 * MiB);
  });
});

describe('the fields of every multipart endpoint share MAX_BODY_BYTES', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ MAX_BODY_BYTES: String(MiB) });
  });
  afterAll(() => gw.close());

  it.each([
    [
      '/v1/infer',
      [
        { name: 'output', content: 'text' },
        ...Array.from({ length: 8 }, () => ({ name: 'text', content: MiB / 2 })),
      ],
    ],
    ['/v1/infer', [{ name: 'options', content: 40 * MiB }]],
    ['/v1/detect', [{ name: 'text', content: 40 * MiB }]],
    [
      '/v1/blobs',
      [
        { name: 'note', content: 40 * MiB },
        { name: 'file', filename: 'a.txt', content: 'abc' },
      ],
    ],
    ['/v1/files', [{ name: 'purpose', content: 40 * MiB }]],
    ['/v1/audio/transcriptions', [{ name: 'prompt', content: 40 * MiB }]],
  ] satisfies [string, Part[]][])('%s: 413 as soon as the fields pass it', async (path, parts) => {
    const { answer, bytesWritten } = await send(gw, path, parts);
    const error = errorOf(answer, 413);
    // The native shape names it in details.limit, OpenAI's (files, audio) in the message.
    expect(error.details?.limit ?? error.message).toContain('MAX_BODY_BYTES');
    expect(bytesWritten).toBeLessThan(20 * MiB);
  });

  it('counts every part: 65 parts are 413, 17 files on /v1/infer are 413', async () => {
    const fields = Array.from({ length: 65 }, () => ({ name: 'x', content: 'y' }));
    expect(errorOf((await send(gw, '/v1/infer', fields)).answer, 413).details).toEqual({ maxParts: 64 });
    const png = fixture('image/fixture.png');
    const files = Array.from({ length: 17 }, (_, i) => ({
      name: 'file',
      filename: `${i}.png`,
      type: 'image/png',
      content: png,
    }));
    expect(errorOf((await send(gw, '/v1/infer', files)).answer, 413).details).toEqual({ maxFiles: 16 });
  });

  it('stores a file sent after the fields on /v1/blobs, and the first file only', async () => {
    const { answer } = await send(gw, '/v1/blobs', [
      { name: 'note', content: 'hello' },
      { name: 'file', filename: 'a.txt', type: 'text/plain', content: 'first' },
      { name: 'file', filename: 'b.txt', type: 'text/plain', content: 'second' },
    ]);
    expect(answer?.status, answer?.body).toBe(201);
    expect(JSON.parse(answer!.body)).toMatchObject({ bytes: 5, mediaType: 'text/plain', filename: 'a.txt' });
  });

  it.each([
    ['no boundary', 'multipart/form-data', 'xx'],
    ['garbage', `multipart/form-data; boundary=${BOUNDARY}`, 'garbage'],
    [
      'a part that never ends',
      `multipart/form-data; boundary=${BOUNDARY}`,
      `${partHead({ name: 'text', content: '' })}abc`,
    ],
  ])('a body that is not multipart (%s): 400', async (_what, type, body) => {
    const answer = await rawRequest(
      gw.url,
      [
        'POST /v1/infer HTTP/1.1',
        'Host: 127.0.0.1',
        `Content-Type: ${type}`,
        `Content-Length: ${body.length}`,
        'Connection: close',
      ].join('\r\n'),
      body,
    );
    expect(errorOf(answer, 400).code).toBe('invalid_request');
  });
});
