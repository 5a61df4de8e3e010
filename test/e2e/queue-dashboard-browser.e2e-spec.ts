import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveBrowser, saveScreenshot, waitForPageText } from '../console-browser';
import { startGateway, type TestGateway } from '../gateway-harness';

const ADMIN_KEY = 'og-admin-key-0123456789abcdef';
const API_KEYS = JSON.stringify([{ name: 'ops', key: ADMIN_KEY, scopes: ['admin', 'infer'] }]);

/**
 * A person opens /admin/queues in a browser (Debian's Chromium, headless, driven by
 * playwright-core), answers the login prompt with the key as the password, and sees the queues.
 * What the browser showed is kept in artifacts/screenshots (queue-dashboard.png,
 * queue-dashboard-queue.png).
 */
describe.skipIf(!haveBrowser)('the queue dashboard in a browser', () => {
  let gw: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Requests the page made to anywhere but the gateway (refused, so that the test needs no network). */
  const elsewhere: string[] = [];

  beforeAll(async () => {
    gw = await startGateway({ API_KEYS, DISPATCH: 'queue' });
    browser = await chromium.launch({ executablePath: CHROMIUM });
    // A person's answer to the login prompt: any user name, the key as the password.
    context = await browser.newContext({
      httpCredentials: { username: 'ops', password: ADMIN_KEY },
      viewport: { width: 1280, height: 800 },
    });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${gw.url}/`)) return route.continue();
      elsewhere.push(new URL(url).host);
      return route.abort('blockedbyclient');
    });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  /** Navigates and waits until the page's text holds every one of `texts`; returns the text. */
  async function open(path: string, texts: string[]): Promise<string> {
    await page.goto(`${gw.url}${path}`);
    return waitForPageText(page, texts);
  }

  async function screenshot(name: string): Promise<void> {
    const png = await saveScreenshot(page, name);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  }

  it('asks for the key, then lists every queue', async () => {
    const res = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ inputs: [{ text: 'hi' }], output: 'text', task: 'echo' }),
    });
    expect(res.status).toBe(200);
    const adapters = (await (
      await fetch(`${gw.url}/v1/adapters`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).json()) as { adapters: { id: string }[] };
    const queues = adapters.adapters.flatMap(({ id }) => [id, `${id}@batch`]);

    // The queue list comes first, then each queue's card with its count.
    const text = await open('/admin/queues', ['omnigate queues', ...queues, '1 Job']);
    expect(text).toMatch(/builtin\.echo\s+1 Job\b/);
    // A browser without the key is asked for it (a login prompt), and headless, it has no answer.
    const stranger = await browser.newContext();
    await expect((await stranger.newPage()).goto(`${gw.url}/admin/queues`)).rejects.toThrow(
      /ERR_INVALID_AUTH_CREDENTIALS/,
    );
    await stranger.close();
    // Bull Board's page asks Google for its fonts; nothing else leaves the gateway.
    expect(new Set(elsewhere)).toEqual(new Set(['fonts.googleapis.com']));
    await screenshot('queue-dashboard');
  });

  it("shows a queue's hops, read-only: no button that would change them", async () => {
    const text = await open('/admin/queues/queue/builtin.echo?status=completed', [
      'interactive hops of builtin.echo',
      'jobId',
    ]);
    expect(text).toContain('adapter:"builtin.echo"');
    const buttons = (await page.locator('button').allInnerTexts()).map((b) => b.trim()).filter(Boolean);
    expect(buttons).toContain('Data');
    expect(buttons).not.toContain('Retry all');
    expect(buttons).not.toContain('Clean all');
    await screenshot('queue-dashboard-queue');
  });
});
