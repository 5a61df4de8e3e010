import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';
import { rawRequest } from '../raw-http';

const FORWARDED = { 'x-forwarded-host': 'public.example', 'x-forwarded-proto': 'https' };

/** The `url` of a generated image (`response_format: url`: the gateway's own blob URL). */
async function imageUrl(gw: TestGateway, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${gw.url}/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ prompt: 'a fox', size: '64x64', response_format: 'url' }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { url: string }[] };
  return body.data[0]!.url;
}

describe('X-Forwarded-* headers', () => {
  const gateways: TestGateway[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const gw = await startGateway(env);
    gateways.push(gw);
    return gw;
  };
  afterAll(() => Promise.all(gateways.map((gw) => gw.close())));

  let open: TestGateway;
  beforeAll(async () => {
    open = await start();
  });

  it('are believed from nobody by default: a URL the gateway builds names the host that was asked', async () => {
    const url = await imageUrl(open, FORWARDED);
    expect(url.startsWith(`${open.url}/v1/blobs/`)).toBe(true);
  });

  it.each([['127.0.0.1'], ['loopback'], ['10.0.0.0/8, 127.0.0.0/8'], ['1'], ['true']])(
    'are believed from the proxies TRUST_PROXY=%s names',
    async (trust) => {
      const gw = await start({ TRUST_PROXY: trust });
      expect(await imageUrl(gw, FORWARDED)).toMatch(/^https:\/\/public\.example\/v1\/blobs\/[0-9a-f]{64}$/);
    },
  );

  it('are not believed from a peer that is not in the TRUST_PROXY list', async () => {
    const gw = await start({ TRUST_PROXY: '10.0.0.0/8,::1' });
    const url = await imageUrl(gw, FORWARDED);
    expect(url.startsWith(`${gw.url}/v1/blobs/`)).toBe(true);
  });

  it('refuses a Host that is not a host instead of writing it into a URL', async () => {
    const body = JSON.stringify({ prompt: 'a fox', size: '64x64', response_format: 'url' });
    for (const host of ['evil.example/x?', 'a@evil.example', 'evil.example#']) {
      const res = await rawRequest(
        open.url,
        [
          'POST /v1/images/generations HTTP/1.1',
          `Host: ${host}`,
          'Content-Type: application/json',
          `Content-Length: ${body.length}`,
          'Connection: close',
        ].join('\r\n'),
        body,
      );
      expect(res.status, host).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_request', param: null } });
      expect(res.body).not.toContain('evil.example');
    }
  });
});
