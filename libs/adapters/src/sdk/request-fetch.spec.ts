import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseTooLargeError } from './bounded-fetch';
import { EXTRA_HEADERS, requestFetch, type WithExtraHeaders } from './request-fetch';

let server: Server;
let base: string;
const seen: { method?: string; headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body });
      if (req.url === '/json') {
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        res.end(JSON.stringify({ echo: body }));
      } else if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(100, i));
        res.end();
      } else if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let n = 0;
        const tick = setInterval(() => {
          res.write(`data: ${n++}\n\n`);
          if (n === 40) {
            clearInterval(tick);
            res.end();
          }
        }, 1);
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: '/json' });
        res.end();
      } else if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      } else if (req.url === '/hang') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('requestFetch', () => {
  const fetch = requestFetch(500);

  it('sends method, headers and a text body, and answers a fetch Response with every header', async () => {
    const response = await fetch(`${base}/json`, {
      method: 'POST',
      headers: new Headers({ 'content-type': 'application/json', 'x-key': 'k' }),
      body: '{"a":1}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ echo: '{"a":1}' });
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'x-key': 'k' } });
  });

  it('sends extra headers beside the request’s own, and hands them to the fallback in its headers', async () => {
    const extra = { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` };
    await fetch(`${base}/json`, {
      method: 'POST',
      headers: new Headers({ 'x-key': 'k' }),
      body: '{}',
      [EXTRA_HEADERS]: extra,
    } as WithExtraHeaders);
    expect(seen.at(-1)?.headers).toMatchObject({ 'x-key': 'k', ...extra });

    const inits: RequestInit[] = [];
    const viaFallback = requestFetch(500, {
      fallback: async (_input, init) => {
        inits.push(init!);
        return new Response('fallback');
      },
    });
    const body = new FormData();
    await viaFallback(`${base}/json`, {
      method: 'POST',
      body,
      headers: { 'x-key': 'k' },
      [EXTRA_HEADERS]: extra,
    } as WithExtraHeaders);
    expect(Object.fromEntries(new Headers(inits[0].headers))).toEqual({ 'x-key': 'k', ...extra });
    expect(inits[0].body).toBe(body);
  });

  it('fails an answer without a length once its bytes pass the bound', async () => {
    await expect(fetch(`${base}/chunked`)).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect(await (await requestFetch(1000)(`${base}/chunked`)).arrayBuffer()).toHaveProperty(
      'byteLength',
      1000,
    );
  });

  it('streams an event stream as it arrives, and fails it past the bound', async () => {
    const response = await requestFetch(100)(`${base}/events`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: 0/);
    let failure: unknown;
    try {
      for (;;) if ((await reader.read()).done) break;
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(ResponseTooLargeError);
  });

  it('answers a redirect as it is, and a 204 without a body', async () => {
    const redirect = await fetch(`${base}/redirect`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/json');
    expect((await fetch(`${base}/empty`)).status).toBe(204);
  });

  it('reports an abort as an AbortError, as fetch does', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const failure = await fetch(`${base}/hang`, { signal: controller.signal }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(DOMException);
    expect((failure as DOMException).name).toBe('AbortError');
  });

  it('reports a refused connection as a TypeError with its cause', async () => {
    const failure = await fetch('http://127.0.0.1:1/').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).cause).toBeDefined();
  });

  it('hands a FormData upload to the fallback', async () => {
    const calls: unknown[] = [];
    const viaFallback = requestFetch(500, {
      fallback: async (input) => {
        calls.push(input);
        return new Response('fallback');
      },
    });
    const form = new FormData();
    form.set('file', new Blob(['x']), 'x.txt');
    expect(await (await viaFallback(`${base}/json`, { method: 'POST', body: form })).text()).toBe('fallback');
    expect(calls).toEqual([`${base}/json`]);
  });
});
