import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';
import { rawRequest, trickle, type RawAnswer } from '../raw-http';

/** A request head with Host and Connection: close, plus `headers`. */
const head = (requestLine: string, ...headers: string[]) =>
  [requestLine, 'Host: 127.0.0.1', 'Connection: close', ...headers].join('\r\n');

const json = (body: string) => [
  'Content-Type: application/json',
  `Content-Length: ${Buffer.byteLength(body)}`,
];

function expectNative(answer: RawAnswer, status: number, code: string): Record<string, unknown> {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body) as {
    error: { code: string; message: string; details?: Record<string, unknown> };
  };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body.error.details ?? {};
}

function expectOpenAi(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status, answer.body).toBe(status);
  expect(JSON.parse(answer.body)).toMatchObject({
    error: { code, type: 'invalid_request_error', param: null },
  });
}

describe('errors the framework or Node meet before a route runs, in the gateway’s shape', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ MAX_BODY_BYTES: '2048' });
  });
  afterAll(() => gw.close());

  it('a path parameter over 100 characters: 400, in OpenAI’s shape on its routes, without the path', async () => {
    const long = 'a'.repeat(5000);
    const native = await rawRequest(gw.url, head(`GET /v1/jobs/${long} HTTP/1.1`));
    expect(expectNative(native, 400, 'invalid_request')).toEqual({ maxLength: 100 });
    expect(native.body).not.toContain(long.slice(0, 200));
    expectOpenAi(await rawRequest(gw.url, head(`GET /v1/models/${long} HTTP/1.1`)), 400, 'invalid_request');
  });

  it('a route that does not exist, with a 10 KB path: 404 whose message repeats at most 256 characters of it', async () => {
    const answer = await rawRequest(gw.url, head(`GET /nowhere/${'b'.repeat(10_000)} HTTP/1.1`));
    expectNative(answer, 404, 'not_found');
    const { message } = (JSON.parse(answer.body) as { error: { message: string } }).error;
    expect(message.startsWith('Cannot GET /nowhere/bbb')).toBe(true);
    expect(message.length).toBeLessThanOrEqual(257);
  });

  it.each(['/v1/jobs/%ff', '/v1/jobs/%zz', '/v1/%c3%28', 'http://h/v1/jobs/%'])(
    'a path that is not valid percent-encoding (%s): 400',
    async (target) => {
      expectNative(await rawRequest(gw.url, head(`GET ${target} HTTP/1.1`)), 400, 'invalid_request');
    },
  );

  it('bad percent-encoding on an OpenAI route: 400 in OpenAI’s shape', async () => {
    expectOpenAi(await rawRequest(gw.url, head('GET /v1/models/%ff HTTP/1.1')), 400, 'invalid_request');
  });

  it('a 100 KB URL, or headers over Node’s limit: 431 headers_too_large', async () => {
    const url = await rawRequest(gw.url, head(`GET /v1/jobs/${'a'.repeat(100_000)} HTTP/1.1`));
    expect(expectNative(url, 431, 'headers_too_large')).toEqual({ maxBytes: 16_384 });
    const header = await rawRequest(
      gw.url,
      head('GET /v1/capabilities HTTP/1.1', `X-Big: ${'b'.repeat(20_000)}`),
    );
    expectNative(header, 431, 'headers_too_large');
  });

  it.each([
    ['an unknown method', head('BREW /v1/infer HTTP/1.1')],
    ['a relative target', head('GET v1/infer HTTP/1.1')],
    ['a fragment in an absolute target', head('GET http://h#/v1/files HTTP/1.1')],
    ['an HTTP version that does not exist', head('GET /health/live HTTP/7.0')],
    ['a Content-Length that is not a number', head('POST /v1/infer HTTP/1.1', 'Content-Length: ten')],
    [
      'Content-Length and chunked together',
      head('POST /v1/infer HTTP/1.1', 'Content-Length: 3', 'Transfer-Encoding: chunked'),
    ],
  ])('%s: 400 invalid_request naming the parser error', async (_what, request) => {
    const details = expectNative(await rawRequest(gw.url, request), 400, 'invalid_request');
    expect(details.parserError).toMatch(/^HPE_/);
  });

  it('no Host header on HTTP/1.1: 400 that says so', async () => {
    const answer = await rawRequest(gw.url, 'GET /v1/capabilities HTTP/1.1\r\nConnection: close');
    expectNative(answer, 400, 'invalid_request');
    expect(answer.body).toContain('Host');
  });

  it('bad JSON, an empty JSON body: 400; in OpenAI’s shape on its routes', async () => {
    expectNative(
      await rawRequest(gw.url, head('POST /v1/infer HTTP/1.1', ...json('{"a":')), '{"a":'),
      400,
      'invalid_request',
    );
    expectNative(
      await rawRequest(gw.url, head('POST /v1/infer HTTP/1.1', ...json('')), ''),
      400,
      'invalid_request',
    );
    const openai = await rawRequest(
      gw.url,
      head('POST /v1/chat/completions HTTP/1.1', ...json('{"a":')),
      '{"a":',
    );
    expectOpenAi(openai, 400, 'invalid_request');
  });

  it.each([
    ['no content type', ['Content-Length: 2']],
    ['text/plain', ['Content-Type: text/plain', 'Content-Length: 2']],
    ['a content type that is not a media type', ['Content-Type: ;;;', 'Content-Length: 2']],
  ])('%s on /v1/infer: 415', async (_what, headers) => {
    expectNative(
      await rawRequest(gw.url, head('POST /v1/infer HTTP/1.1', ...headers), '{}'),
      415,
      'unsupported_media',
    );
  });

  it('a JSON body over MAX_BODY_BYTES: 413 naming the variable', async () => {
    const body = JSON.stringify({ inputs: [{ text: 'x'.repeat(5000) }], output: 'text' });
    const answer = await rawRequest(gw.url, head('POST /v1/infer HTTP/1.1', ...json(body)), body);
    expect(expectNative(answer, 413, 'payload_too_large')).toMatchObject({ limit: 'MAX_BODY_BYTES' });
    const openai = await rawRequest(gw.url, head('POST /v1/embeddings HTTP/1.1', ...json(body)), body);
    expectOpenAi(openai, 413, 'payload_too_large');
  });
});

describe('slow clients (HTTP_HEADERS_TIMEOUT_MS=1000, HTTP_REQUEST_TIMEOUT_MS=2000)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' });
  });
  afterAll(() => gw.close());

  // Each client would take 30 s to finish; the gateway hangs up with a 408 long before.
  it('a connection that sends nothing, or headers a line at a time: 408 naming HTTP_HEADERS_TIMEOUT_MS', async () => {
    const lines = [
      'GET /v1/capabilities HTTP/1.1\r\n',
      ...Array.from({ length: 300 }, (_, i) => `X-${i}: a\r\n`),
    ];
    for (const chunks of [[], lines]) {
      const { answer, written, ms } = await trickle(gw.url, chunks, 100);
      expect(answer).toBeDefined();
      expect(expectNative(answer!, 408, 'request_timeout')).toEqual({
        limit: 'HTTP_HEADERS_TIMEOUT_MS',
        max: 1000,
      });
      expect(ms).toBeLessThan(15_000);
      if (chunks.length > 0) expect(written).toBeLessThan(chunks.length);
    }
  });

  it('a body a byte at a time: 408 naming HTTP_REQUEST_TIMEOUT_MS', async () => {
    const body = 'x'.repeat(300);
    const start = head(
      'POST /v1/blobs HTTP/1.1',
      'Content-Type: text/plain',
      `Content-Length: ${body.length}`,
    );
    const { answer, written } = await trickle(gw.url, [`${start}\r\n\r\n`, ...body], 100);
    expect(answer).toBeDefined();
    expect(expectNative(answer!, 408, 'request_timeout')).toEqual({
      limit: 'HTTP_REQUEST_TIMEOUT_MS',
      max: 2000,
    });
    expect(written).toBeLessThan(body.length);
  });
});
