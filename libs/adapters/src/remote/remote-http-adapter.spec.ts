import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAdapterHarness } from '../builtin/testing';
import { AdapterError } from '../sdk/adapter-error';
import { RemoteHttpAdapter } from './remote-http-adapter';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A local server whose answer per path the test sets; it records what it was sent. */
class ScriptedServer {
  readonly seen: { path: string; apiKey?: string; traceparent?: string }[] = [];
  routes = new Map<string, Route>();
  url = '';
  private server?: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const header = req.headers['x-api-key'];
      const traceparent = req.headers.traceparent;
      this.seen.push({
        path: req.url ?? '',
        apiKey: typeof header === 'string' ? header : undefined,
        ...(typeof traceparent === 'string' ? { traceparent } : {}),
      });
      req.resume();
      req.on('end', () => (this.routes.get(req.url ?? '') ?? notFound)(req, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const notFound: Route = (_req, res) => void res.writeHead(404).end();
const json =
  (body: unknown): Route =>
  (_req, res) =>
    void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const redirectTo =
  (location: string, status = 302): Route =>
  (_req, res) =>
    void res.writeHead(status, { location }).end();
/** `bytes` of JSON-ish filler, chunked (no Content-Length): only counting what arrives can stop it. */
const streamed =
  (bytes: number): Route =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const more = () => {
      while (sent < bytes && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  };

const KEY = 'remote-adapter-key-0123456789';
/** What the call threw; fails the test when it did not throw. */
const refused = (call: Promise<unknown>): Promise<AdapterError> =>
  call.then(
    () => expect.unreachable('the call should fail'),
    (err: unknown) => err as AdapterError,
  );
const DESCRIPTOR = { version: '1.0.0', capabilities: [{ task: 'shout', inputs: ['text'], output: 'text' }] };

describe('RemoteHttpAdapter against a hostile or misconfigured server', () => {
  const origin = new ScriptedServer();
  const elsewhere = new ScriptedServer();
  beforeAll(async () => {
    await Promise.all([origin.start(), elsewhere.start()]);
    elsewhere.routes.set('/descriptor', json(DESCRIPTOR));
    elsewhere.routes.set('/health', json({}));
    elsewhere.routes.set(
      '/invoke',
      json({ outputs: [{ modality: 'text', mediaType: 'text/plain', text: 'HI' }] }),
    );
  });
  afterEach(() => {
    origin.routes.clear();
    origin.seen.length = 0;
    elsewhere.seen.length = 0;
  });
  afterAll(() => Promise.all([origin.close(), elsewhere.close()]));

  const target = () => ({ id: 'acme.shout', url: origin.url, headers: { 'x-api-key': KEY } });
  const connected = async (maxResultBytes = 1024 * 1024) => {
    origin.routes.set('/descriptor', json(DESCRIPTOR));
    return RemoteHttpAdapter.connect(target(), { maxResultBytes });
  };
  const shout = async (adapter: RemoteHttpAdapter) => {
    const harness = createAdapterHarness();
    const input = harness.put('hi', { modality: 'text', mediaType: 'text/plain' });
    return refused(harness.invoke(adapter, { task: 'shout', inputs: [input], output: { modality: 'text' } }));
  };

  it('refuses a descriptor that redirects, and the key never reaches the redirect target', async () => {
    for (const status of [301, 302, 307, 308]) {
      origin.routes.set('/descriptor', redirectTo(`${elsewhere.url}/descriptor?sig=s3cret`, status));
      const error = await refused(RemoteHttpAdapter.connect(target()));
      expect(error).toBeInstanceOf(AdapterError);
      expect(error.code).toBe('unprocessable_input');
      expect(error.message).toMatch(
        new RegExp(`answered ${status}, a redirect to .*: redirects are not followed`),
      );
      expect(error.message).not.toContain('s3cret');
    }
    expect(origin.seen.map((s) => s.apiKey)).toEqual([KEY, KEY, KEY, KEY]);
    expect(elsewhere.seen).toEqual([]);
  });

  it('takes an invoke or health answer that redirects as a failure, not followed', async () => {
    const adapter = await connected();
    origin.routes.set('/invoke', redirectTo(`${elsewhere.url}/invoke`, 307));
    origin.routes.set('/health', redirectTo(`${elsewhere.url}/health`));
    const error = await shout(adapter);
    expect(error).toMatchObject({ code: 'adapter_failed', retryable: false });
    expect(error.message).toMatch(/answered 307, a redirect .*not followed/);
    expect(await adapter.healthy()).toBe(false);
    expect(elsewhere.seen).toEqual([]);
  });

  it('refuses a descriptor over 1 MiB without reading the rest', async () => {
    origin.routes.set('/descriptor', streamed(64 * 1024 * 1024));
    const error = await refused(RemoteHttpAdapter.connect(target()));
    expect(error).toMatchObject({ code: 'unprocessable_input' });
    expect(error.message).toMatch(/sent a descriptor over 1048576 bytes/);
  });

  it('refuses a descriptor nested too deep', async () => {
    const deep = `{"version":"1","capabilities":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    origin.routes.set('/descriptor', (_req, res) => void res.writeHead(200).end(deep));
    const error = await refused(RemoteHttpAdapter.connect(target()));
    expect(error.message).toMatch(/invalid descriptor: JSON nested deeper than 64 levels/);
  });

  it('fails a result over the byte bound, declared or streamed, not retryable', async () => {
    const adapter = await connected(256 * 1024);
    const declared: Route = (_req, res) =>
      void res.writeHead(200, { 'content-length': String(1 << 30) }).write('{');
    for (const route of [streamed(16 * 1024 * 1024), declared]) {
      origin.routes.set('/invoke', route);
      const error = await shout(adapter);
      expect(error).toMatchObject({ code: 'adapter_failed', retryable: false });
      expect(error.message).toBe('acme.shout sent a result over 262144 bytes');
    }
  });

  it('fails a result whose meta is nested too deep, which the job record could not store', async () => {
    const adapter = await connected();
    const meta = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    origin.routes.set('/invoke', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`{"outputs":[{"modality":"text","mediaType":"text/plain","text":"HI"}],"meta":{"x":${meta}}}`),
    );
    const error = await shout(adapter);
    expect(error.message).toBe('acme.shout sent an unreadable result');
    expect((error.cause as Error).message).toMatch(/deeper than 64/);
  });

  it('keeps the registration’s header values out of an error the server echoes', async () => {
    const adapter = await connected();
    origin.routes.set('/invoke', (req, res) =>
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `bad key ${String(req.headers['x-api-key'])}` } })),
    );
    const error = await shout(adapter);
    expect(error.message).toBe('acme.shout: bad key [redacted]');
  });

  it("sends the call's trace context beside the registration's headers, which it cannot override", async () => {
    const adapter = await connected();
    origin.routes.set(
      '/invoke',
      json({ outputs: [{ modality: 'text', mediaType: 'text/plain', text: 'HI' }] }),
    );
    const harness = createAdapterHarness();
    const traceparent = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    harness.context.traceHeaders = { traceparent, 'x-api-key': 'not-the-key' };
    const input = harness.put('hi', { modality: 'text', mediaType: 'text/plain' });
    await harness.invoke(adapter, { task: 'shout', inputs: [input], output: { modality: 'text' } });
    expect(origin.seen.find((s) => s.path === '/invoke')).toEqual({
      path: '/invoke',
      apiKey: KEY,
      traceparent,
    });
  });
});
