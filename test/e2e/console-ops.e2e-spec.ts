import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startExampleAdapterServer,
  type ExampleAdapterServer,
} from '../../examples/remote-adapter/server.mjs';
import { CONSOLE_DIR, haveBrowser, openConsoleBrowser, type ConsoleBrowser } from '../console-browser';
import { fixture } from '../fixtures';
import { startBackendGateway, startGateway, type BackendGateway, type TestGateway } from '../gateway-harness';

interface Job {
  id: string;
  status: string;
  route: { adapter: string; ms?: number }[];
  timings: { queuedMs?: number; runMs?: number; totalMs?: number };
  outputs: { modality: string; mediaType: string; blobId?: string; bytes?: number }[];
  error?: { code: string; message: string; details?: { jobId?: string } };
}

const ADAPTERS = './test/adapters/stream-adapters.mjs,./test/adapters/fallback-adapters.mjs';

async function infer(gw: TestGateway, body: object, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, job: (await res.json()) as Job };
}

/** How far the page scrolls sideways (0 when it fits the screen). */
const overflowOf = (b: ConsoleBrowser) =>
  b.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

describe.skipIf(!haveBrowser)(
  'the console: Jobs, Adapters and Batches (a real gateway, a real browser)',
  () => {
    let setup: BackendGateway;
    let gw: TestGateway;
    let remote: ExampleAdapterServer;
    /** Jobs run through the API before the pages are opened. */
    let chain: Job;
    let failed: Job;
    let chat: Job;

    beforeAll(async () => {
      [setup, remote] = await Promise.all([
        startBackendGateway(
          'mock',
          { chat: 'gpt-4o-mini' },
          { CONSOLE_DIR, ADAPTER_MODULES: ADAPTERS, JOB_ATTEMPTS: '1', ADAPTER_PROBE_MS: '200' },
        ),
        startExampleAdapterServer(),
      ]);
      gw = setup.gw;
      // Two hops: signal → text → image (the renderer pinned), its output a blob.
      const ecg = await infer(gw, {
        inputs: [{ data: fixture('signal/mitdb-100-ecg-10s.csv').toString('base64'), filename: 'ecg.csv' }],
        output: { modality: 'image' },
        adapter: 'builtin.render',
      });
      const broken = await infer(gw, {
        inputs: [{ text: 'bad' }],
        output: 'text',
        task: 'shout',
        adapter: 'test.broken',
      });
      const chatted = await infer(gw, {
        inputs: [{ text: 'hello there' }],
        output: 'text',
        adapter: 'mock.chat',
      });
      expect([ecg.status, broken.status, chatted.status]).toEqual([200, 422, 200]);
      chain = ecg.job;
      chat = chatted.job;
      failed = (await (await fetch(`${gw.url}/v1/jobs/${broken.job.error!.details!.jobId}`)).json()) as Job;
      expect(chain.route.map((h) => h.adapter)).toEqual(['builtin.signal', 'builtin.render']);
    });
    afterAll(async () => {
      await Promise.all([setup?.close(), remote?.close()]);
    });

    it('lists the jobs newest first with route, status and a timeline drawn to scale; filters and pages', async () => {
      const b = await openConsoleBrowser(gw.url);
      try {
        await b.open('jobs');
        const text = await b.waitForText([
          chain.id,
          failed.id,
          chat.id,
          'builtin.signal → builtin.render',
          'mock.chat',
        ]);
        // Newest first.
        expect(text.indexOf(chat.id)).toBeLessThan(text.indexOf(failed.id));
        expect(text.indexOf(failed.id)).toBeLessThan(text.indexOf(chain.id));
        const row = b.page.locator('tr', { has: b.page.getByRole('link', { name: chain.id }) });
        await expect.poll(() => row.locator('.status').innerText()).toBe('completed');
        // A bar for the queue, then one per hop, each as wide as its share of the time.
        const bars = row.locator('.hop-bar');
        const labels = await bars.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
        expect(labels).toEqual([
          expect.stringMatching(/^queued: /),
          expect.stringMatching(/^builtin\.signal \(.+\): /),
          expect.stringMatching(/^builtin\.render \(.+\): /),
        ]);
        const widths = await bars.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
        const track = await row.locator('.hop-bars').evaluate((e) => e.getBoundingClientRect().width);
        const scale = Math.max(
          chain.timings.totalMs ?? 0,
          (chain.timings.queuedMs ?? 0) + chain.route.reduce((s, h) => s + (h.ms ?? 0), 0),
        );
        // Each bar's share of the track is its share of the time (a bar under 3 px is drawn 3 px wide).
        const ms = [chain.timings.queuedMs!, chain.route[0].ms!, chain.route[1].ms!];
        widths.forEach((w, i) => {
          const share = ms[i] / scale;
          if (share * track < 6) expect(w).toBeLessThan(8);
          else expect(Math.abs(w / track - share)).toBeLessThan(0.05);
        });
        const failedRow = b.page.locator('tr', { has: b.page.getByRole('link', { name: failed.id }) });
        expect(await failedRow.innerText()).toContain(failed.error!.code);
        await b.screenshot('console-jobs');

        // The status filter: only the failed job.
        await b.page.getByLabel('Status').selectOption('failed');
        await b.waitForText(['failed']);
        await expect.poll(() => b.page.locator('tbody tr').count()).toBe(1);
        expect(await b.page.locator('tbody').innerText()).toContain(failed.id);
        expect(b.page.url()).toContain('status=failed');

        // Pages of two: Older goes back in time, the browser's Back returns.
        await b.open('jobs?limit=2');
        await b.waitForText([chat.id, failed.id]);
        expect(await b.page.locator('tbody').innerText()).not.toContain(chain.id);
        await b.page.getByRole('button', { name: 'Older' }).click();
        await b.waitForText([chain.id]);
        expect(await b.page.locator('tbody').innerText()).not.toContain(chat.id);
        await b.page.goBack();
        await b.waitForText([chat.id]);
        expect(b.pageErrors).toEqual([]);
        expect(b.elsewhere).toEqual([]);
      } finally {
        await b.close();
      }
    });

    it("opens a job: detected inputs, hops, its output fetched and shown; a failed job's error", async () => {
      const b = await openConsoleBrowser(gw.url);
      try {
        await b.open('jobs');
        await b.page.getByRole('link', { name: chain.id }).click();
        const text = await b.waitForText(['Inputs (detected)', 'signal', 'text/csv', 'Timeline', 'Outputs']);
        expect(b.page.url()).toContain(`#/jobs/${chain.id}`);
        expect(text).toContain('builtin.render');
        // The output's blob read through the API and shown by MediaView: the PNG the job made, at its size.
        const blob = Buffer.from(
          await (await fetch(`${gw.url}/v1/blobs/${chain.outputs[0].blobId}`)).arrayBuffer(),
        );
        const [width, height] = [blob.readUInt32BE(16), blob.readUInt32BE(20)];
        const figure = b.page.locator('figure.media-view');
        await expect.poll(() => figure.count()).toBe(1);
        expect(await figure.getAttribute('data-modality')).toBe('image');
        const img = figure.locator('img');
        await expect
          .poll(() =>
            img.evaluate((e) => {
              const loaded = e as unknown as { naturalWidth: number; naturalHeight: number };
              return [loaded.naturalWidth, loaded.naturalHeight];
            }),
          )
          .toEqual([width, height]);
        expect(await figure.innerText()).toContain(`${width} × ${height} px`);
        // The detail's timeline: a legend with each hop's time.
        expect(await b.page.locator('.hop-legend li').count()).toBe(3);
        await b.screenshot('console-job-detail');

        await b.open(`jobs/${failed.id}`);
        await b.waitForText([failed.error!.code, failed.error!.message, 'Attempts']);
        await b.screenshot('console-job-failed');

        await b.open('jobs/job-that-does-not-exist');
        await b.waitForText(['not_found', '404']);
        expect(b.pageErrors.filter((e) => !e.includes('404'))).toEqual([]);
      } finally {
        await b.close();
      }
    });

    it('follows a running job until it ends, and cancels it', async () => {
      const { status, job } = await infer(gw, {
        inputs: [{ text: Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ') }],
        output: 'text',
        adapter: 'test.typist',
        task: 'type',
        options: { delayMs: 100 },
        mode: 'async',
      });
      expect(status).toBe(202);
      const b = await openConsoleBrowser(gw.url);
      try {
        await b.open(`jobs/${job.id}`);
        await b.waitForText(['refreshing every second']);
        expect(['queued', 'active']).toContain(await b.page.locator('.toolbar .status').innerText());
        await b.page.getByRole('button', { name: 'Cancel job' }).click();
        await expect
          .poll(() => b.page.locator('.toolbar .status').innerText(), { timeout: 10_000 })
          .toBe('cancelled');
        expect(await b.page.getByRole('button', { name: 'Cancel job' }).count()).toBe(0);
        const after = (await (await fetch(`${gw.url}/v1/jobs/${job.id}`)).json()) as Job;
        expect(after.status).toBe('cancelled');
      } finally {
        await b.close();
      }
    });

    it('uploads a JSONL file, creates a batch, shows its progress to completed and downloads its output', async () => {
      const lines = [0, 1, 2].map((i) => ({
        custom_id: `q-${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `question ${i}` }] },
      }));
      const b = await openConsoleBrowser(gw.url);
      try {
        await b.open('batches');
        await b.waitForText(['New batch', 'No batches yet.']);
        // A file with a line that is not a request is refused before anything is sent.
        await b.page.getByLabel('Requests (JSONL)').setInputFiles({
          name: 'bad.jsonl',
          mimeType: 'application/jsonl',
          buffer: Buffer.from(`${JSON.stringify(lines[0])}\nnot json\n`),
        });
        await b.waitForText(['line 2 is not JSON']);
        expect(await b.page.getByRole('button', { name: 'Upload and create' }).isDisabled()).toBe(true);

        await b.page.getByLabel('Requests (JSONL)').setInputFiles({
          name: 'questions.jsonl',
          mimeType: 'application/jsonl',
          buffer: Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')),
        });
        await b.waitForText(['3 requests']);
        // The endpoint is read from the file's lines.
        expect(await b.page.getByLabel('Endpoint').inputValue()).toBe('/v1/chat/completions');
        await b.page.getByLabel('Description').fill('three questions');
        await b.page.getByRole('button', { name: 'Upload and create' }).click();
        await b.waitForText(['Created batch_']);
        const row = b.page.locator('tr[data-batch]');
        await expect.poll(() => row.locator('.status').innerText(), { timeout: 20_000 }).toBe('completed');
        const progress = row.locator('progress');
        expect([await progress.getAttribute('value'), await progress.getAttribute('max')]).toEqual([
          '3',
          '3',
        ]);
        expect(await row.innerText()).toContain('3 / 3 done · 3 ok · 0 failed');
        expect(await row.innerText()).toContain('three questions');
        await b.screenshot('console-batches');

        const batchId = (await row.getAttribute('data-batch'))!;
        const [download] = await Promise.all([
          b.page.waitForEvent('download'),
          row.getByRole('button', { name: 'Output' }).click(),
        ]);
        expect(download.suggestedFilename()).toBe(`${batchId}_output.jsonl`);
        const saved = readFileSync(await download.path()).toString('utf8');
        const results = saved
          .trim()
          .split('\n')
          .map(
            (l) =>
              JSON.parse(l) as {
                custom_id: string;
                response: { status_code: number; body: { object: string } };
              },
          );
        expect(results.map((r) => r.custom_id).sort()).toEqual(['q-0', 'q-1', 'q-2']);
        expect(
          results.every(
            (r) => r.response.status_code === 200 && r.response.body.object === 'chat.completion',
          ),
        ).toBe(true);
        // The same bytes as the API's.
        const batch = (await (await fetch(`${gw.url}/v1/batches/${batchId}`)).json()) as {
          output_file_id: string;
        };
        expect(saved).toBe(await (await fetch(`${gw.url}/v1/files/${batch.output_file_id}/content`)).text());
        expect(b.pageErrors).toEqual([]);
      } finally {
        await b.close();
      }
    });

    it('shows a running batch’s counts move, and cancels it', async () => {
      const lines = Array.from({ length: 12 }, (_, i) => ({
        custom_id: `t-${i}`,
        method: 'POST',
        url: '/v1/infer',
        body: {
          inputs: [{ text: Array.from({ length: 10 }, (_, w) => `w${w}`).join(' ') }],
          output: { modality: 'text' },
          adapter: 'test.typist',
          task: 'type',
          options: { delayMs: 150 },
        },
      }));
      const b = await openConsoleBrowser(gw.url);
      try {
        await b.open('batches');
        await b.waitForText(['New batch']);
        await b.page.getByLabel('Requests (JSONL)').setInputFiles({
          name: 'slow.jsonl',
          mimeType: 'application/jsonl',
          buffer: Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')),
        });
        await b.waitForText(['12 requests']);
        expect(await b.page.getByLabel('Endpoint').inputValue()).toBe('/v1/infer');
        await b.page.getByRole('button', { name: 'Upload and create' }).click();
        await b.waitForText(['Created batch_']);
        const row = b.page.locator('tr[data-batch]').first();
        await expect.poll(() => row.locator('.status').innerText(), { timeout: 10_000 }).toBe('in_progress');
        // The counts move while it runs (test.typist takes 1.5 s a line, four at a time).
        await expect
          .poll(async () => Number(await row.locator('progress').getAttribute('value')), { timeout: 10_000 })
          .toBeGreaterThanOrEqual(1);
        expect(await row.locator('.status').innerText()).toBe('in_progress');
        expect(await row.locator('progress').getAttribute('max')).toBe('12');
        expect(await row.innerText()).toMatch(/[1-9]\d* \/ 12 done/);
        await b.screenshot('console-batch-running');
        await row.getByRole('button', { name: /^Cancel / }).click();
        await expect
          .poll(() => row.locator('.status').innerText(), { timeout: 15_000 })
          .toMatch(/^(cancelling|cancelled)$/);
        await expect.poll(() => row.locator('.status').innerText(), { timeout: 15_000 }).toBe('cancelled');
      } finally {
        await b.close();
      }
    });

    it('registers a remote adapter through the form (checked first, refusals shown), lists it, deletes it', async () => {
      const b = await openConsoleBrowser(gw.url);
      try {
        await b.open('adapters');
        await b.waitForText(['Registered at runtime', 'builtin.render', 'mock.chat']);
        expect(await b.page.locator('tr[data-adapter="builtin.render"] .status').innerText()).toBe('closed');
        await b.page.getByText('Register an adapter').click();
        const form = b.page.locator('form.adapter-form');

        // Checked in the page: nothing sent.
        await form.getByLabel('Id *').fill('bad id!');
        await form.getByLabel('URL *').fill('ftp://example');
        await form.getByRole('button', { name: 'Register' }).click();
        await b.waitForText(['letters, digits', 'http:// or https:// only']);
        expect(await form.getByLabel('Id *').getAttribute('aria-invalid')).toBe('true');

        // Refused by the gateway: its code and message.
        await form.getByLabel('Id *').fill('acme.pc');
        await form.getByLabel('URL *').fill('http://127.0.0.1:9');
        await form.getByRole('button', { name: 'Register' }).click();
        await b.waitForText(['could not reach']);
        expect(await form.locator('.error code').innerText()).toMatch(/^[a-z_]+$/);

        await form.getByLabel('URL *').fill(remote.url);
        await form.getByRole('button', { name: 'Register' }).click();
        await b.waitForText(['Registered acme.pc: acme.pc.']);
        const registered = b.page.locator('tr[data-registration="acme.pc"]');
        await expect.poll(() => registered.count()).toBe(1);
        expect(await registered.innerText()).toContain(remote.url);
        const listed = b.page.locator('tr[data-adapter="acme.pc"]');
        expect(await listed.innerText()).toContain('pointcloud → text classify');
        expect(await listed.innerText()).toContain('remote');
        // The gateway has it too.
        const api = (await (await fetch(`${gw.url}/v1/adapters`)).json()) as { adapters: { id: string }[] };
        expect(api.adapters.map((a) => a.id)).toContain('acme.pc');
        await b.screenshot('console-adapters');

        // Delete asks first; Keep leaves it.
        await registered.getByRole('button', { name: 'Delete registration acme.pc' }).click();
        await registered.getByRole('button', { name: 'Keep' }).click();
        expect(await registered.count()).toBe(1);
        await registered.getByRole('button', { name: 'Delete registration acme.pc' }).click();
        await registered.getByRole('button', { name: 'Delete acme.pc' }).click();
        await expect.poll(() => registered.count()).toBe(0);
        expect(await b.page.locator('tr[data-adapter="acme.pc"]').count()).toBe(0);
        const after = (await (await fetch(`${gw.url}/v1/adapters`)).json()) as { adapters: { id: string }[] };
        expect(after.adapters.map((a) => a.id)).not.toContain('acme.pc');
        expect(b.elsewhere).toEqual([]);
      } finally {
        await b.close();
      }
    });

    it('registers an OpenAI-compatible server through the form', async () => {
      const b = await openConsoleBrowser(gw.url);
      try {
        await b.open('adapters');
        await b.waitForText(['Registered at runtime']);
        await b.page.getByText('Register an adapter').click();
        const form = b.page.locator('form.adapter-form');
        await form.getByLabel(/OpenAI-compatible/).check();
        await form.getByLabel('Id *').fill('second');
        await form.getByLabel('Base URL').fill(setup.backend.url);
        await form.getByRole('button', { name: 'Register' }).click();
        await b.waitForText(['name at least one model']);
        await form.getByLabel('chat', { exact: true }).fill('gpt-4o-mini');
        await form.getByLabel('API key').fill('sk-test');
        await form.getByRole('button', { name: 'Register' }).click();
        await b.waitForText(['Registered second: second.chat.']);
        await expect.poll(() => b.page.locator('tr[data-adapter="second.chat"]').count()).toBe(1);
        // The key is never shown back.
        expect(await b.page.innerText('body')).not.toContain('sk-test');
        const ran = await infer(gw, { inputs: [{ text: 'hi' }], output: 'text', adapter: 'second.chat' });
        expect(ran.status).toBe(200);
        await b.page
          .locator('tr[data-registration="second"]')
          .getByRole('button', { name: /^Delete registration/ })
          .click();
        await b.page.getByRole('button', { name: 'Delete second' }).click();
        await expect.poll(() => b.page.locator('tr[data-adapter="second.chat"]').count()).toBe(0);
      } finally {
        await b.close();
      }
    });

    it('fits a phone-width screen on each page (tables scroll inside their own box)', async () => {
      const b = await openConsoleBrowser(gw.url, { width: 390, height: 844 });
      try {
        // Each page with its table loaded (the batches made by the tests above are listed).
        for (const [page, texts] of [
          ['jobs', [chain.id]],
          [`jobs/${chain.id}`, ['Inputs (detected)', 'image/png']],
          ['adapters', ['builtin.render', 'Capabilities']],
          ['batches', ['New batch', 'Progress', 'three questions']],
        ] as const) {
          await b.open(page);
          await b.waitForText([...texts]);
          expect(await overflowOf(b), page).toBeLessThanOrEqual(0);
          const png = await b.screenshot(`console-phone-${page.startsWith('jobs/') ? 'job-detail' : page}`);
          // What a person sees: the whole page is as wide as the screen (the PNG's width, from IHDR).
          expect(png.readUInt32BE(16), page).toBe(390);
        }
      } finally {
        await b.close();
      }
    });
  },
);

const INFER_KEY = 'og-infer-key-0123456789abcdef';
const ADMIN_KEY = 'og-admin-key-0123456789abcdef';

describe.skipIf(!haveBrowser)('the console with a key without admin', () => {
  let gw: TestGateway;
  let remote: ExampleAdapterServer;
  beforeAll(async () => {
    [gw, remote] = await Promise.all([
      startGateway({
        CONSOLE_DIR,
        API_KEYS: JSON.stringify([
          { name: 'app', key: INFER_KEY, scopes: ['infer', 'batch'] },
          { name: 'ops', key: ADMIN_KEY, scopes: ['admin', 'infer', 'batch'] },
        ]),
      }),
      startExampleAdapterServer(),
    ]);
    const res = await fetch(`${gw.url}/v1/adapters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ kind: 'http', id: 'acme.pc', url: remote.url }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([gw?.close(), remote?.close()]);
  });

  it('disables registering and deleting, says why, and the Jobs page says it is forbidden', async () => {
    const b = await openConsoleBrowser(gw.url);
    try {
      await b.open('adapters');
      await b.waitForText(['Use this key']);
      await b.page.getByLabel('Key').fill(INFER_KEY);
      await b.page.getByRole('button', { name: 'Use this key' }).click();
      await b.waitForText([
        'key app (infer, batch)',
        'Registered at runtime',
        'acme.pc',
        'this key can only look',
      ]);
      const remove = b.page.getByRole('button', { name: 'Delete registration acme.pc' });
      expect(await remove.isDisabled()).toBe(true);
      await b.page.getByText('Register an adapter').click();
      await b.waitForText(['Needs a key with the admin scope.']);
      expect(await b.page.getByRole('button', { name: 'Register', exact: true }).isDisabled()).toBe(true);
      expect(await b.page.locator('form.adapter-form').getByLabel('Id *').isDisabled()).toBe(true);
      await b.screenshot('console-adapters-no-admin');

      // Batches need the batch scope only: the page works with this key.
      await b.open('batches');
      await b.waitForText(['New batch', 'No batches yet.']);

      await b.open('jobs');
      await b.waitForText(['forbidden', 'does not have the "admin" scope']);
      expect(await b.page.locator('table').count()).toBe(0);
      await b.screenshot('console-jobs-forbidden');
      expect(b.elsewhere).toEqual([]);
    } finally {
      await b.close();
    }
  });
});
