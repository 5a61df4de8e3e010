import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';
import { CONSOLE_DIR, haveBrowser, openConsoleBrowser, type ConsoleBrowser } from '../console-browser';
import { FIXTURES_DIR } from '../fixtures';

const PNG = join(FIXTURES_DIR, 'image/fixture.png');
const WAV = join(FIXTURES_DIR, 'audio/fixture.wav');
/** A fixture of each modality the playground can upload, to start a planned route from. */
const FIXTURE_OF: Record<string, string> = {
  text: join(FIXTURES_DIR, 'text/english.txt'),
  image: PNG,
  audio: WAV,
  signal: join(FIXTURES_DIR, 'signal/mitdb-100-ecg-10s.csv'),
};
const BUILTIN = ['text', 'image', 'audio', 'video', 'signal', 'pointcloud'];

interface Step {
  adapter: string;
  task: string;
  from: string[];
  to: string;
}

/** The playground and the capabilities matrix, in Chromium against a real gateway. */
describe.skipIf(!haveBrowser)('the console playground and capabilities pages', { timeout: 90_000 }, () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ CONSOLE_DIR });
  });
  afterAll(() => gw?.close());

  /** The console in a new browser, at `#/<hash>`, once the playground (or page) shows. */
  const open = async (hash: string, viewport?: { width: number; height: number }) => {
    const b = await openConsoleBrowser(gw.url, viewport);
    await b.open(hash);
    await b.waitForText([hash.startsWith('playground') ? 'Planned route' : 'Capabilities']);
    return b;
  };
  const upload = (b: ConsoleBrowser, file: string) =>
    b.page.locator('input[type=file]').first().setInputFiles(file);
  const select = (b: ConsoleBrowser, label: string, value: string) =>
    b.page.getByLabel(label, { exact: true }).selectOption(value);
  const run = (b: ConsoleBrowser) => b.page.getByRole('button', { name: 'Run', exact: true }).click();
  /** The hops of the route drawn under "Planned route", as their text. */
  const plannedHops = (b: ConsoleBrowser) =>
    b.page.locator('ol[aria-label="Planned route"] > li').allInnerTexts();
  /** The page reached nothing but the gateway and threw nothing (console errors but the `expected` ones). */
  const expectClean = (b: ConsoleBrowser, expected?: RegExp) => {
    expect(b.elsewhere).toEqual([]);
    expect(b.pageErrors.filter((e) => !expected?.test(e))).toEqual([]);
  };

  it('turns a PNG into a WebP: the bytes are WebP and the image shows at the asked size', async () => {
    const b = await open('playground');
    try {
      await upload(b, PNG);
      await select(b, 'Modality', 'image');
      await select(b, 'Media type', 'image/webp');
      await b.page.getByLabel('Options (JSON)').fill('{"width": 100}');
      await b.waitForText(['builtin.sharp', 'convert', 'image → image', '1 hop']);
      await b.screenshot('playground-png-planned');
      await run(b);
      await b.waitForText(['completed', 'Route taken (1 hop)']);
      const output = b.page.locator('.output[data-media-type="image/webp"]');
      await expect.poll(() => output.count()).toBe(1);
      // The bytes the page fetched are the gateway's output blob: RIFF....WEBP, 100 px wide.
      const blobId = await output.getAttribute('data-blob-id');
      const bytes = Buffer.from(await (await fetch(`${gw.url}/v1/blobs/${blobId}`)).arrayBuffer());
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
      expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
      const meta = await sharp(bytes).metadata();
      expect(meta.width).toBe(100);
      // The image element the page shows has loaded those pixels.
      const img = output.locator('img');
      await expect
        .poll(() =>
          img.evaluate((el: { complete: boolean; naturalWidth: number }) => el.complete && el.naturalWidth),
        )
        .toBe(100);
      expect(await img.evaluate((el: { naturalHeight: number }) => el.naturalHeight)).toBe(meta.height);
      await b.screenshot('playground-png-webp');
      expectClean(b);
    } finally {
      await b.close();
    }
  });

  it('turns audio into an image (a spectrogram) and shows it', async () => {
    const b = await open('playground');
    try {
      await upload(b, WAV);
      await select(b, 'Modality', 'image');
      await b.waitForText(['builtin.audio', 'spectrogram', 'audio → image']);
      await run(b);
      await b.waitForText(['completed']);
      const output = b.page.locator('.output[data-media-type="image/png"]');
      await expect.poll(() => output.count()).toBe(1);
      const img = output.locator('img');
      await expect
        .poll(() =>
          img.evaluate((el: { complete: boolean; naturalWidth: number }) => el.complete && el.naturalWidth),
        )
        .toBeGreaterThan(0);
      await b.screenshot('playground-audio-image');
      expectClean(b);
    } finally {
      await b.close();
    }
  });

  it('draws a three-hop route before running, and its hop timeline after', async () => {
    const pair = await threeHopPair();
    const b = await open('playground');
    try {
      await upload(b, FIXTURE_OF[pair.from]);
      await select(b, 'Modality', pair.to);
      await select(b, 'Task', pair.task);
      await expect.poll(() => plannedHops(b)).toHaveLength(3);
      const hops = await plannedHops(b);
      pair.route.forEach((step, i) => {
        expect(hops[i]).toContain(step.adapter);
        expect(hops[i]).toContain(step.task);
        expect(hops[i]).toContain(`${step.from.join(' + ')} → ${step.to}`);
      });
      await b.waitForText(['3 hops']);
      await b.screenshot('playground-three-hops-planned');

      await run(b);
      await b.waitForText(['completed', 'Route taken (3 hops)'], 60_000);
      const bars = b.page.locator('.hop-timeline .hop-bar.hop');
      expect(await bars.count()).toBe(3);
      expect(await b.page.locator('.hop-timeline .hop-bar.queued').getAttribute('aria-label')).toMatch(
        /^queued: \d+ ms$/,
      );
      // Each bar is as long as its share of the time: the slowest hop has the longest bar.
      const widths = await bars.evaluateAll((els) =>
        els.map((el) => ({
          ms: Number(el.getAttribute('data-ms')),
          width: (el as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect()
            .width,
        })),
      );
      const slowest = widths.reduce((a, w) => (w.ms > a.ms ? w : a));
      expect(Math.max(...widths.map((w) => w.width))).toBe(slowest.width);
      expect(slowest.width).toBeGreaterThan(0);
      await b.screenshot('playground-three-hops-timeline');
      expectClean(b);
    } finally {
      await b.close();
    }
  });

  it('runs async: answered 202, then the job events live until completed', async () => {
    const b = await open('playground?in=audio&out=image&mode=async');
    try {
      expect(await b.page.getByLabel('async (202, follow its events)').isChecked()).toBe(true);
      await upload(b, WAV);
      await b.waitForText(['spectrogram']);
      await run(b);
      await b.waitForText(['202 queued', 'completed', 'Route taken (1 hop)'], 30_000);
      const events = await b.page
        .locator('ol[aria-label="Job events"] > li')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-event')));
      // The stream opens on the job's state (queued or active), a worker takes it, it completes.
      expect(events[0]).toBe('202 queued');
      expect(['queued', 'active']).toContain(events[1]);
      expect(events).toContain('active');
      expect(events.at(-1)).toBe('completed');
      expect(await b.page.locator('.output[data-media-type="image/png"]').count()).toBe(1);
      await b.screenshot('playground-async-events');
      expectClean(b);
    } finally {
      await b.close();
    }
  });

  it('says why an impossible output cannot be planned or run: code and message', async () => {
    const b = await open('playground?in=image&out=image&mediaType=image/bmp');
    try {
      await b.waitForText([
        'no_route',
        'HTTP 422',
        'no route from image to image (image/bmp)',
        'can reach: ',
      ]);
      await upload(b, PNG);
      await run(b);
      const alert = b.page.locator('.run-view [role=alert]');
      await expect.poll(() => alert.innerText()).toContain('no_route');
      expect(await alert.innerText()).toContain('no route from image to image (image/bmp)');
      await b.screenshot('playground-error');
      // Options that are not a JSON object are refused as typed: Run stays off.
      await b.page.getByLabel('Options (JSON)').fill('{"width": ');
      await b.waitForText(['not JSON']);
      expect(await b.page.getByRole('button', { name: 'Run', exact: true }).isDisabled()).toBe(true);
      expectClean(b, /status of 422/);
    } finally {
      await b.close();
    }
  });

  it('shows the modality matrix; a cell opens the playground preset for its pair', async () => {
    const b = await openConsoleBrowser(gw.url);
    try {
      await b.open('capabilities');
      await b.waitForText(['36 of 36', 'input → output pairs']);
      const table = b.page.locator('table.matrix');
      const header = await table.locator('thead th').allInnerTexts();
      for (const m of BUILTIN) expect(header).toContain(m);
      const rows = await table.locator('tbody th[scope=row]').allInnerTexts();
      expect(rows).toEqual(expect.arrayContaining(BUILTIN));
      // A cell says what the gateway says of its pair.
      const caps = (await (await fetch(`${gw.url}/v1/capabilities`)).json()) as {
        matrix: { from: string; to: string; route: Step[] | null }[];
      };
      const pair = caps.matrix.find((m) => m.from === 'audio' && m.to === 'pointcloud');
      const cell = table.locator('td[data-pair="audio>pointcloud"]');
      expect(Number(await cell.getAttribute('data-hops'))).toBe(pair?.route?.length);
      for (const hop of pair?.route ?? []) expect(await cell.innerText()).toContain(hop.task);
      await b.screenshot('capabilities-matrix');

      await cell.locator('a').click();
      await b.waitForText(['Planned route', 'Plan for input']);
      expect(b.page.url()).toContain('#/playground?in=audio&out=pointcloud');
      expect(await b.page.getByLabel('Plan for input').inputValue()).toBe('audio');
      expect(await b.page.getByLabel('Modality', { exact: true }).inputValue()).toBe('pointcloud');
      await expect.poll(() => plannedHops(b)).toHaveLength(pair?.route?.length ?? -1);
      await b.screenshot('capabilities-to-playground');
      expectClean(b);
    } finally {
      await b.close();
    }
  });

  it('fits a phone-width screen: playground with a result, and the matrix', async () => {
    const b = await open('playground', { width: 390, height: 844 });
    const overflow = () =>
      b.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    try {
      await upload(b, PNG);
      await select(b, 'Modality', 'video');
      await b.waitForText(['builtin.video', 'still']);
      await run(b);
      await b.waitForText(['completed', 'Route taken'], 60_000);
      expect(await overflow()).toBeLessThanOrEqual(0);
      await b.screenshot('playground-phone');
      await b.open('capabilities');
      await b.waitForText(['36 of 36']);
      expect(await overflow()).toBeLessThanOrEqual(0);
      await b.screenshot('capabilities-phone');
      expectClean(b);
    } finally {
      await b.close();
    }
  });

  /**
   * A pair and task whose planned route has three hops in this gateway's built-in graph, asked of
   * `/v1/routes` (not written down here), from a text input, that the gateway then runs to the
   * end (some planned routes cannot: a still image's video has no sound to extract).
   */
  async function threeHopPair(): Promise<{ from: string; to: string; task: string; route: Step[] }> {
    const { adapters } = (await (await fetch(`${gw.url}/v1/adapters`)).json()) as {
      adapters: { capabilities: { task: string }[] }[];
    };
    const tasks = [...new Set(adapters.flatMap((a) => a.capabilities.map((c) => c.task)))].sort();
    const from = 'text';
    for (const to of ['audio', 'signal', 'text', 'image', 'pointcloud', 'video']) {
      for (const task of tasks) {
        const res = await fetch(`${gw.url}/v1/routes?from=${from}&to=${to}&task=${task}`);
        if (!res.ok) continue;
        const { route } = (await res.json()) as { route: Step[] };
        if (route.length !== 3) continue;
        const ran = await fetch(`${gw.url}/v1/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            inputs: [{ text: readFileSync(FIXTURE_OF.text, 'utf8') }],
            output: to,
            task,
          }),
        });
        const job = (await ran.json()) as { status?: string; route?: Step[] };
        if (job.status === 'completed' && job.route?.length === 3) return { from, to, task, route };
      }
    }
    throw new Error('no three-hop route in the built-in graph');
  }
});
