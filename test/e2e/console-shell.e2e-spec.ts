import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';
import { CONSOLE_DIR, haveBrowser, openConsoleBrowser, type ConsoleBrowser } from '../console-browser';

const INFER_KEY = 'og-infer-key-0123456789abcdef';
const ADMIN_KEY = 'og-admin-key-0123456789abcdef';
const API_KEYS = JSON.stringify([
  { name: 'app', key: INFER_KEY, scopes: ['infer'] },
  { name: 'ops', key: ADMIN_KEY, scopes: ['admin', 'infer', 'batch'] },
]);

/** The console's page, its assets and caching, served by the gateway itself. */
describe('the web console, served at /', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ CONSOLE_DIR });
  });
  afterAll(() => gw?.close());

  it('serves its page never from a cache unasked, its hashed assets for a year, compressed', async () => {
    const page = await fetch(`${gw.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${gw.url}${script}`, { headers: { 'accept-encoding': 'br' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    // Every asset the build made is there, with its compressed twins.
    const built = readdirSync(join(CONSOLE_DIR, 'assets'));
    expect(built.filter((f) => f.endsWith('.js.br')).length).toBeGreaterThan(0);
  });

  it('leaves every other path to the API: a 404 in its error shape, not the page', async () => {
    const res = await fetch(`${gw.url}/no-such-page`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it.skipIf(!haveBrowser)(
    'loads within a second on loopback and shows every page in the navigation',
    async () => {
      const b = await openConsoleBrowser(gw.url);
      try {
        await b.open('playground');
        await b.waitForText(['Playground', 'Capabilities', 'Chat', 'Jobs', 'Adapters', 'Batches']);
        // The browser's own account of the navigation (the test runs in Node: no DOM types here).
        const loadMs = await b.page.evaluate<number>(
          "(([nav]) => nav.loadEventEnd - nav.startTime)(performance.getEntriesByType('navigation'))",
        );
        expect(loadMs).toBeGreaterThan(0);
        expect(loadMs).toBeLessThan(1000);
        expect(b.elsewhere).toEqual([]);
        expect(b.pageErrors).toEqual([]);
        await b.screenshot('console-shell');
      } finally {
        await b.close();
      }
    },
  );
});

describe('the web console with API_KEYS set', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ CONSOLE_DIR, API_KEYS });
  });
  afterAll(() => gw?.close());

  it('serves the page and its assets without a key; /v1/whoami names a key and its scopes, never the key', async () => {
    expect((await fetch(`${gw.url}/`)).status).toBe(200);
    expect((await fetch(`${gw.url}/v1/whoami`)).status).toBe(401);
    const bad = await fetch(`${gw.url}/v1/whoami`, {
      headers: { authorization: 'Bearer og-wrong-key-000000000000' },
    });
    expect(bad.status).toBe(401);
    const res = await fetch(`${gw.url}/v1/whoami`, { headers: { authorization: `Bearer ${INFER_KEY}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ keysRequired: true, key: { name: 'app', scopes: ['infer'] } });
    expect(text).not.toContain(INFER_KEY);
    const doc = (await (await fetch(`${gw.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/whoami');
  });

  it.skipIf(!haveBrowser)(
    'asks for a key, says a wrong one was refused (401), and tells which pages a key opens',
    async () => {
      const b: ConsoleBrowser = await openConsoleBrowser(gw.url);
      try {
        await b.open('jobs');
        await b.waitForText(['API key', 'Use this key']);
        await b.page.getByLabel('Key').fill('og-wrong-key-000000000000');
        await b.page.getByRole('button', { name: 'Use this key' }).click();
        await b.waitForText(['unauthorized', 'refused this key (401)']);
        await b.screenshot('console-key-refused');

        await b.page.getByLabel('Key').fill(INFER_KEY);
        await b.page.getByRole('button', { name: 'Use this key' }).click();
        // The Jobs page needs admin: said with the key's name and scopes, not a blank page.
        await b.waitForText([
          'forbidden',
          'the key "app" does not have the "admin" scope',
          'key app (infer)',
        ]);
        await b.screenshot('console-key-forbidden');
        // The key stays for the tab: a reload does not ask again.
        await b.page.reload();
        await b.waitForText(['key app (infer)']);
        expect(await b.page.evaluate<string>("sessionStorage.getItem('omnigate.key')")).toBe(INFER_KEY);

        await b.page.getByRole('button', { name: 'Change key' }).click();
        await b.waitForText(['Use this key']);
        await b.page.getByLabel('Key').fill(ADMIN_KEY);
        await b.page.getByRole('button', { name: 'Use this key' }).click();
        await b.waitForText(['key ops (admin, infer, batch)']);
        expect(await b.page.innerText('body')).not.toContain('forbidden');
        expect(b.elsewhere).toEqual([]);
      } finally {
        await b.close();
      }
    },
  );

  it.skipIf(!haveBrowser)('fits a phone-width screen', async () => {
    const b = await openConsoleBrowser(gw.url, { width: 390, height: 844 });
    try {
      await b.open('playground');
      await b.waitForText(['Use this key']);
      const overflow = await b.page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await b.screenshot('console-phone');
    } finally {
      await b.close();
    }
  });
});
