import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, type Chromium } from '../chromium';
import { startGateway, type TestGateway } from '../gateway-harness';

const ADMIN_KEY = 'og-admin-key-0123456789abcdef';
const API_KEYS = JSON.stringify([{ name: 'ops', key: ADMIN_KEY, scopes: ['admin', 'infer'] }]);

/**
 * A person opens /admin/queues in a browser (Debian's Chromium, headless), answers the login
 * prompt with the key as the password, and sees the queues. SCREENSHOT_DIR=<dir> keeps what the
 * browser showed there (queue-dashboard.png, queue-dashboard-queue.png).
 */
describe.skipIf(!hasChromium())('the queue dashboard in a browser', () => {
  let gw: TestGateway;
  let browser: Chromium;
  const prompts: { scheme: string; realm: string }[] = [];
  /** Requests the page made to anywhere but the gateway (refused, so that the test needs no network). */
  const elsewhere: string[] = [];

  beforeAll(async () => {
    gw = await startGateway({ API_KEYS, DISPATCH: 'queue' });
    browser = await launchChromium();
    const { page } = browser;
    // Every request passes through here: a person's answer to the login prompt, and the gateway only.
    await page.send('Fetch.enable', { handleAuthRequests: true, patterns: [{ urlPattern: '*' }] });
    page.on('Fetch.authRequired', ({ requestId, authChallenge }) => {
      prompts.push(authChallenge as { scheme: string; realm: string });
      void page.send('Fetch.continueWithAuth', {
        requestId,
        authChallengeResponse: { response: 'ProvideCredentials', username: 'ops', password: ADMIN_KEY },
      });
    });
    page.on('Fetch.requestPaused', ({ requestId, request }) => {
      const { url } = request as { url: string };
      if (url.startsWith(`${gw.url}/`)) return void page.send('Fetch.continueRequest', { requestId });
      elsewhere.push(new URL(url).host);
      void page.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' });
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  /** Navigates and waits until the page's text holds every one of `texts`; returns the text. */
  async function open(path: string, texts: string[]): Promise<string> {
    await browser.page.send('Page.navigate', { url: `${gw.url}${path}` });
    let text = '';
    await expect
      .poll(
        async () => {
          text = await browser.page.evaluate<string>('document.body.innerText');
          return texts.filter((t) => !text.includes(t));
        },
        { timeout: 15_000, interval: 100 },
      )
      .toEqual([]);
    return text;
  }

  async function screenshot(name: string): Promise<void> {
    const { data } = await browser.page.send<{ data: string }>('Page.captureScreenshot', { format: 'png' });
    const png = Buffer.from(data, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    if (process.env.SCREENSHOT_DIR) writeFileSync(join(process.env.SCREENSHOT_DIR, name), png);
  }

  it('asks for the key once, then lists every queue', async () => {
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
    // One prompt: the page's scripts, styles and API calls reuse the answer.
    expect(prompts).toEqual([expect.objectContaining({ scheme: 'basic', realm: 'omnigate' })]);
    // Bull Board's page asks Google for its fonts; nothing else leaves the gateway.
    expect(new Set(elsewhere)).toEqual(new Set(['fonts.googleapis.com']));
    await screenshot('queue-dashboard.png');
  });

  it("shows a queue's hops, read-only: no button that would change them", async () => {
    const text = await open('/admin/queues/queue/builtin.echo?status=completed', [
      'interactive hops of builtin.echo',
      'jobId',
    ]);
    expect(text).toContain('adapter:"builtin.echo"');
    const buttons = await browser.page.evaluate<string[]>(
      `[...document.querySelectorAll('button')].map((b) => b.innerText.trim()).filter(Boolean)`,
    );
    expect(buttons).toContain('Data');
    expect(buttons).not.toContain('Retry all');
    expect(buttons).not.toContain('Clean all');
    await screenshot('queue-dashboard-queue.png');
  });
});
