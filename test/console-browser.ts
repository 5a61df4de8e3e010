import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium (apt), driven by playwright-core: no browser download. */
export const CHROMIUM = '/usr/bin/chromium';
/** The built console (`npm run build`; `npm test` builds it first). */
export const CONSOLE_DIR = resolve(__dirname, '../dist/console');
/** Where browser tests keep what the browser showed: artifacts/screenshots/<name>.png. */
export const SCREENSHOT_DIR = resolve(__dirname, '../artifacts/screenshots');

export const haveBrowser = existsSync(CHROMIUM);

const CLIENT_ERROR_LOADED = /^Failed to load resource: the server responded with a status of 4\d\d /;

/** A headless browser on the console of the gateway at `baseUrl`, refusing every other host. */
export interface ConsoleBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Hosts the page tried to reach other than the gateway (refused: the console needs no network). */
  elsewhere: string[];
  /** Console errors (but the API's 4xx answers) and uncaught exceptions of the page (a blank page's usual cause). */
  pageErrors: string[];
  /** Opens `#/<hash>` of the console. */
  open(hash?: string): Promise<void>;
  /** Waits until the page's text holds every one of `texts` (15 s), and returns the text. */
  waitForText(texts: string[], timeoutMs?: number): Promise<string>;
  /** Saves a PNG of the page as artifacts/screenshots/<name>.png and returns it. */
  screenshot(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

export async function openConsoleBrowser(
  baseUrl: string,
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<ConsoleBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const elsewhere: string[] = [];
  const pageErrors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${baseUrl}/`) || url.startsWith('blob:') || url.startsWith('data:'))
      return route.continue();
    elsewhere.push(new URL(url).host);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    // A 4xx the API answered is the page's business (it shows the code and message), not an
    // error of the page: Chromium logs each one as "Failed to load resource".
    if (msg.type() === 'error' && !CLIENT_ERROR_LOADED.test(msg.text())) pageErrors.push(msg.text());
  });
  return {
    browser,
    context,
    page,
    elsewhere,
    pageErrors,
    open: async (hash = '') => {
      await page.goto(`${baseUrl}/#/${hash}`);
    },
    waitForText: (texts, timeoutMs) => waitForPageText(page, texts, timeoutMs),
    screenshot: (name) => saveScreenshot(page, name),
    close: () => browser.close(),
  };
}

/** Waits until `page`'s text holds every one of `texts` (15 s by default), and returns the text. */
export async function waitForPageText(page: Page, texts: string[], timeoutMs = 15_000): Promise<string> {
  let text = '';
  await expect
    .poll(
      async () => {
        text = await page.innerText('body');
        return texts.filter((t) => !text.includes(t));
      },
      { timeout: timeoutMs, interval: 100 },
    )
    .toEqual([]);
  return text;
}

/** Saves a PNG of the whole of `page` as artifacts/screenshots/<name>.png and returns it. */
export async function saveScreenshot(page: Page, name: string): Promise<Buffer> {
  const png = await page.screenshot({ fullPage: true });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  writeFileSync(join(SCREENSHOT_DIR, `${name}.png`), png);
  return png;
}
