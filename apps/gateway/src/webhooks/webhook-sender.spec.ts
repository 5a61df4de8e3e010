import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from './webhook-sender';

describe('postWebhook', () => {
  let server: Server;
  let port: number;
  const seen: { host?: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ host: req.headers.host, body });
        if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end(), 1000);
        res.writeHead(req.url === '/fail' ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  const loopback = [{ address: '127.0.0.1', family: 4 }];

  it('connects to the checked address, never resolving the host again', async () => {
    // `.invalid` never resolves: only the pinned address can have answered.
    const status = await postWebhook({
      url: `http://hooks.invalid:${port}/ok`,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
      addresses: loopback,
      timeoutMs: 2000,
    });
    expect(status).toBe(204);
    expect(seen.at(-1)).toEqual({ host: `hooks.invalid:${port}`, body: '{"a":1}' });
  });

  it('returns a non-2xx status as it is', async () => {
    const status = await postWebhook({
      url: `http://127.0.0.1:${port}/fail`,
      headers: {},
      body: '{}',
      addresses: loopback,
      timeoutMs: 2000,
    });
    expect(status).toBe(503);
  });

  it('gives up after the time limit', async () => {
    const started = Date.now();
    await expect(
      postWebhook({
        url: `http://127.0.0.1:${port}/slow`,
        headers: {},
        body: '{}',
        addresses: loopback,
        timeoutMs: 200,
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(900);
  });
});
