import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CONSOLE_DIR, haveBrowser, openConsoleBrowser, type ConsoleBrowser } from '../console-browser';
import { FIXTURES_DIR } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

const fixture = (path: string) => join(FIXTURES_DIR, path);

/** The pixels of what `target` shows on screen (canvas, WebGL or not), as RGBA. */
async function pixelsOf(target: Locator): Promise<{ data: Buffer; width: number; height: number }> {
  const png = await target.screenshot();
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** How many pixels differ (by more than a faint anti-aliasing step) from the most common colour. */
function notBackground({ data }: { data: Buffer }): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < data.length; i += 4) {
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const bg = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  const [r, g, b] = [bg >> 16, (bg >> 8) & 255, bg & 255];
  let n = 0;
  for (let i = 0; i < data.length; i += 4)
    if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) > 40) n++;
  return n;
}

/** How many pixels differ between two pictures of the same element. */
function changed(a: { data: Buffer }, b: { data: Buffer }): number {
  let n = 0;
  const length = Math.min(a.data.length, b.data.length);
  for (let i = 0; i < length; i += 4)
    if (
      Math.abs(a.data[i] - b.data[i]) +
        Math.abs(a.data[i + 1] - b.data[i + 1]) +
        Math.abs(a.data[i + 2] - b.data[i + 2]) >
      40
    )
      n++;
  return n + Math.abs(a.data.length - b.data.length) / 4;
}

/** The playground's inputs and their previews, in Debian's Chromium against a real gateway. */
describe.skipIf(!haveBrowser)('the console playground: inputs detected and previewed', () => {
  let gw: TestGateway;
  let b: ConsoleBrowser;
  beforeAll(async () => {
    gw = await startGateway({ CONSOLE_DIR });
    b = await openConsoleBrowser(gw.url);
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
    await b.open('playground');
  });
  afterAll(async () => {
    await b?.close();
    await gw?.close();
  });

  const pick = async (...paths: string[]) => {
    await b.page.locator('input[type=file]').setInputFiles(paths.map(fixture));
  };
  /** The card of the input named `name`, once its detection answered. */
  const card = async (name: string | RegExp) => {
    const escaped = typeof name === 'string' ? name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : name.source;
    const c = b.page.getByRole('article', { name: new RegExp(`^Input \\d+: ${escaped}$`) });
    await c.waitFor();
    await expect.poll(() => c.getAttribute('aria-busy'), { timeout: 15_000 }).toBeNull();
    return c;
  };
  const removeAll = async () => {
    const remove = b.page.getByRole('button', { name: /^Remove / });
    while ((await remove.count()) > 0) await remove.first().click();
    expect(await b.page.locator('article.input-card').count()).toBe(0);
  };

  it('draws a PCD point cloud in 3-D, which turns when dragged; a binary_compressed one with its colours', async () => {
    await pick('pointcloud/bunny.pcd', 'pointcloud/milk_color.pcd', 'pointcloud/car6.pcd');
    const bunny = await card('bunny.pcd');
    const text = await bunny.innerText();
    for (const t of [
      'pointcloud',
      'application/x-pcd',
      '95%',
      'PCD header (ascii)',
      'points',
      '397',
      'x, y, z',
    ])
      expect(text).toContain(t);
    await expect.poll(() => bunny.innerText()).toContain('397 points · coloured by height');
    const canvas = bunny.locator('canvas.cloud-canvas');
    await canvas.scrollIntoViewIfNeeded();
    const before = await pixelsOf(canvas);
    expect(notBackground(before)).toBeGreaterThan(500);
    const box = (await canvas.boundingBox())!;
    await b.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await b.page.mouse.down();
    await b.page.mouse.move(box.x + box.width / 2 + 150, box.y + box.height / 2 + 40, { steps: 8 });
    await b.page.mouse.up();
    const after = await pixelsOf(canvas);
    expect(notBackground(after)).toBeGreaterThan(500);
    expect(changed(before, after)).toBeGreaterThan(300);

    const milk = await card('milk_color.pcd');
    expect(await milk.innerText()).toContain('PCD header (binary_compressed)');
    await expect.poll(() => milk.innerText()).toContain('13,704 points · coloured by rgb');
    expect(notBackground(await pixelsOf(milk.locator('canvas.cloud-canvas')))).toBeGreaterThan(2000);
    const car = await card('car6.pcd');
    await expect.poll(() => car.innerText()).toContain('10,031 points · coloured by height');
    expect(notBackground(await pixelsOf(car.locator('canvas.cloud-canvas')))).toBeGreaterThan(1000);
    await b.screenshot('console-media-pointcloud');

    // The preview's download is the file itself.
    const [download] = await Promise.all([
      b.page.waitForEvent('download'),
      bunny.getByRole('button', { name: 'Download bunny.pcd' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('bunny.pcd');
    expect(readFileSync((await download.path())!)).toEqual(readFileSync(fixture('pointcloud/bunny.pcd')));
    await removeAll();
  });

  it('plots a CSV signal with its channels named from the header; toggles, zooms and resets', async () => {
    await pick('signal/mitdb-100-ecg-10s.csv');
    const ecg = await card('mitdb-100-ecg-10s.csv');
    const text = await ecg.innerText();
    for (const t of ['signal', 'text/csv', 'time_s', 'MLII_mV (mV), V5_mV (mV)', '360'])
      expect(text).toContain(t);
    const plot = ecg.locator('.signal-plot canvas');
    await plot.waitFor();
    await expect.poll(() => ecg.innerText()).toContain('2 channels · 3,600 samples');
    const toggles = ecg.getByRole('group', { name: 'Channels' }).getByRole('checkbox');
    await expect.poll(() => toggles.count()).toBe(2);
    expect(await ecg.locator('.channel-toggles label').allInnerTexts()).toEqual(['MLII_mV', 'V5_mV']);
    const both = await pixelsOf(plot);
    expect(notBackground(both)).toBeGreaterThan(2000);
    await ecg.getByRole('checkbox', { name: 'V5_mV' }).uncheck();
    const one = await pixelsOf(plot);
    expect(changed(both, one)).toBeGreaterThan(500);
    await ecg.getByRole('checkbox', { name: 'V5_mV' }).check();
    await b.screenshot('console-media-signal');

    // Drag across a second of it: zoomed in; a double-click shows all of it again.
    const over = ecg.locator('.u-over');
    await over.scrollIntoViewIfNeeded();
    expect(await ecg.locator('.signal-window').innerText()).toBe('0 – 10 s');
    const box = (await over.boundingBox())!;
    await b.page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await b.page.mouse.down();
    await b.page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await b.page.mouse.up();
    await expect
      .poll(() => ecg.locator('.signal-window').innerText())
      .toMatch(/^[34](\.\d+)? – [45](\.\d+)? s$/);
    const zoomed = await pixelsOf(plot);
    expect(notBackground(zoomed)).toBeGreaterThan(1000);
    expect(changed(both, zoomed)).toBeGreaterThan(1000);
    await b.screenshot('console-media-signal-zoomed');
    await over.dblclick();
    await expect.poll(() => ecg.locator('.signal-window').innerText()).toBe('0 – 10 s');
    await b.page.mouse.move(0, 0);
    const reset = await pixelsOf(plot);
    expect(changed(both, reset)).toBeLessThan(changed(both, zoomed) / 10);
    await removeAll();
  });

  it('plots an EDF+ recording, its 11 channels stacked', async () => {
    await pick('signal/edf-test-generator.edf');
    const edf = await card('edf-test-generator.edf');
    await expect
      .poll(() => edf.innerText(), { timeout: 20_000 })
      .toContain('11 channels · 120,000 samples · 200 Hz');
    expect(await edf.locator('.channel-toggles label').allInnerTexts()).toContain('sine 8.5 Hz');
    expect(notBackground(await pixelsOf(edf.locator('.signal-plot canvas')))).toBeGreaterThan(2000);
    await b.screenshot('console-media-edf');
    await removeAll();
  });

  it('previews an image (fit, then 1:1), an audio file with its waveform and a video, with their metadata', async () => {
    await pick('image/fixture.avif', 'audio/jfk.wav', 'video/fixture.webm');
    const image = await card('fixture.avif');
    expect(await image.innerText()).toContain('image/avif');
    await expect.poll(() => image.innerText()).toContain('2048 × 858 px');
    const img = image.locator('img');
    const fitted = await img.evaluate((el) => (el as unknown as { clientWidth: number }).clientWidth);
    expect(fitted).toBeLessThan(2048);
    await image.getByRole('button', { name: 'Zoom 1:1' }).click();
    expect(await img.evaluate((el) => (el as unknown as { clientWidth: number }).clientWidth)).toBe(2048);
    await image.getByRole('button', { name: 'Fit' }).click();

    const audio = await card('jfk.wav');
    const audioText = await audio.innerText();
    for (const t of ['audio', 'audio/wav', 'sampleRateHz', '16000', 'durationS', '11'])
      expect(audioText).toContain(t);
    const wave = audio.locator('.waveform canvas').first();
    await wave.waitFor();
    await expect
      .poll(async () => notBackground(await pixelsOf(wave)), { timeout: 15_000 })
      .toBeGreaterThan(1000);

    const video = await card('fixture.webm');
    const videoText = await video.innerText();
    for (const t of ['video', 'video/webm', 'vp8', '640']) expect(videoText).toContain(t);
    await expect
      .poll(() =>
        video.locator('video').evaluate((el) => (el as unknown as { videoWidth: number }).videoWidth),
      )
      .toBe(640);
    await b.screenshot('console-media-image-audio-video');
    await removeAll();
  });

  it('plots a 77 MB CSV off the page thread: the page keeps answering, the plot keeps min/max blocks', async () => {
    // 2.5 million rows of three columns, a spike near the end that a naive decimation would lose.
    const rows = 2_500_000;
    const lines = ['t_ms,a,b'];
    for (let i = 0; i < rows; i++)
      lines.push(`${i},${i === 2_400_000 ? 90 : (i % 1000) / 100},${(i % 377) / 37.7}`);
    const csv = Buffer.from(lines.join('\n'));
    expect(csv.length).toBeGreaterThan(50e6);
    // Long tasks (main thread busy > 50 ms) from now on, and a heartbeat that would stall with them.
    await b.page.evaluate(`(() => {
      window.__long = 0;
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long = Math.max(window.__long, e.duration); })
        .observe({ type: 'longtask' });
    })()`);
    const dir = mkdtempSync(join(tmpdir(), 'console-big-'));
    writeFileSync(join(dir, 'big.csv'), csv);
    // The browser reads the file from disk when it is used: removed at the end.
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    // The observer sees a long task when there is one (a 150 ms busy loop), then starts afresh.
    await b.page.evaluate(
      'setTimeout(() => { const t = performance.now(); while (performance.now() - t < 150); })',
    );
    await expect.poll(() => b.page.evaluate<number>('window.__long')).toBeGreaterThanOrEqual(140);
    await b.page.evaluate('window.__long = 0');
    await b.page.locator('input[type=file]').setInputFiles(join(dir, 'big.csv'));
    const big = await card('big.csv');
    await expect.poll(() => big.innerText(), { timeout: 60_000 }).toContain('2,500,000 samples');
    expect(await big.innerText()).toContain('long file: min/max of every');
    const longest = await b.page.evaluate<number>('window.__long');
    expect(longest).toBeLessThan(1000);
    // The spike survived the reduction: the y axis reaches it.
    const plot = big.locator('.signal-plot canvas');
    expect(notBackground(await pixelsOf(plot))).toBeGreaterThan(1000);
    await b.screenshot('console-media-big-csv');
    await removeAll();
  }, 120_000);

  it('shows a refused input with its code and message, and typed text with Copy', async () => {
    await pick('invalid/archive.zip');
    const zip = await card('archive.zip');
    const alert = zip.getByRole('alert');
    expect(await alert.innerText()).toContain('unsupported_media (HTTP 415)');
    expect(await alert.innerText()).toContain('application/zip (.zip) is not a supported input type');
    expect(await zip.getByRole('button', { name: 'Download archive.zip' }).count()).toBe(1);

    await b.page.getByLabel('Text input').fill('全模態: any input, any output');
    await b.page.getByRole('button', { name: 'Add text' }).click();
    const typed = await card(/text 全模態: any input.*/);
    const text = await typed.innerText();
    for (const t of ['text', 'inline text', 'script']) expect(text).toContain(t);
    await typed.getByRole('button', { name: 'Copy' }).click();
    await b.waitForText(['Copied']);
    expect(await b.page.evaluate('navigator.clipboard.readText()')).toBe('全模態: any input, any output');
    await b.screenshot('console-media-error-and-text');
    await removeAll();
    expect(b.pageErrors.filter((e) => !/status of 415/.test(e))).toEqual([]);
    expect(b.elsewhere).toEqual([]);
  });
});

describe.skipIf(!haveBrowser)('the console playground on a phone-width screen', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ CONSOLE_DIR });
  });
  afterAll(() => gw?.close());

  it('has no horizontal scroll with a point cloud, a signal, an image and an error', async () => {
    const b = await openConsoleBrowser(gw.url, { width: 390, height: 844 });
    try {
      await b.open('playground');
      await b.page
        .locator('input[type=file]')
        .setInputFiles(
          [
            'pointcloud/bunny.pcd',
            'signal/mitdb-100-ecg-10s.csv',
            'image/fixture.avif',
            'invalid/archive.zip',
          ].map(fixture),
        );
      await b.waitForText(['397 points', '2 channels', '2048 × 858 px', 'unsupported_media']);
      // Once the viewers have sized themselves to their cards: the signal plot and the point
      // cloud follow their card's width through a ResizeObserver, a moment after they are drawn
      // (a full test run under load once saw the page 109 px too wide at that moment).
      await expect
        .poll(() => b.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'), {
          timeout: 5000,
        })
        .toBeLessThanOrEqual(0);
      await b.screenshot('console-media-phone');
    } finally {
      await b.close();
    }
  });
});
