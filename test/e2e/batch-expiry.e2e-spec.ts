import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { typistLine, uploadBatchLines } from '../batch-lines';
import { startGateway, type TestGateway } from '../gateway-harness';

// Short completion windows are an omnigate extension the official client does not type: plain fetch.

const MODULES = './test/adapters/stream-adapters.mjs';

/** What test.typist (stream-adapters.mjs, loaded in this process) started and saw aborted. */
const typist = () =>
  (globalThis as { __omnigateTypist?: { started: number; aborted: number } }).__omnigateTypist ?? {
    started: 0,
    aborted: 0,
  };

interface Batch {
  id: string;
  status: string;
  completion_window: string;
  created_at: number;
  expires_at: number;
  expired_at: number | null;
  output_file_id: string | null;
  error_file_id: string | null;
  request_counts: { total: number; completed: number; failed: number };
}

interface ResultLine {
  custom_id: string | null;
  response: { status_code: number } | null;
  error: { code: string; message: string; line: number } | null;
}

const create = (gw: TestGateway, input_file_id: string, completion_window: string) =>
  fetch(`${gw.url}/v1/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input_file_id, endpoint: '/v1/infer', completion_window }),
  });

async function createBatch(gw: TestGateway, lines: unknown[], window: string): Promise<Batch> {
  const res = await create(gw, await uploadBatchLines(gw, lines), window);
  expect(res.status).toBe(200);
  return (await res.json()) as Batch;
}

const retrieve = async (gw: TestGateway, id: string) =>
  (await (await fetch(`${gw.url}/v1/batches/${id}`)).json()) as Batch;

async function pollBatch(gw: TestGateway, id: string, done: (b: Batch) => boolean): Promise<Batch> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const batch = await retrieve(gw, id);
    if (done(batch)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} stuck in ${batch.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ended = (b: Batch) => ['completed', 'failed', 'cancelled', 'expired'].includes(b.status);

async function download(gw: TestGateway, id: string | null): Promise<ResultLine[]> {
  if (!id) return [];
  const text = await (await fetch(`${gw.url}/v1/files/${id}/content`)).text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ResultLine);
}

describe.each(['bullmq', 'inline'])('batch completion windows (%s)', (driver) => {
  let gw: TestGateway;

  beforeAll(async () => {
    // Files kept 8 days, so that the longest window (168h) fits within their lifetime.
    gw = await startGateway({
      QUEUE_DRIVER: driver,
      ADAPTER_MODULES: MODULES,
      BATCH_CONCURRENCY: '3',
      BLOB_TTL_S: String(8 * 24 * 3600),
    });
  });
  afterAll(() => gw.close());

  it('expires a batch when its window ends: answered lines in the output, every other one batch_expired', async () => {
    const before = { ...typist() };
    const fast = Array.from({ length: 3 }, (_, i) => typistLine(`fast-${i}`, 1, 1));
    // 20 words × 500 ms: none can finish within the window.
    const slow = Array.from({ length: 6 }, (_, i) => typistLine(`slow-${i}`, 20, 500));
    const lines = [...fast, ...slow, '{not json'];
    const created = await createBatch(gw, lines, '3s');
    expect(created).toMatchObject({ status: 'validating', completion_window: '3s' });
    expect(created.expires_at).toBe(created.created_at + 3);

    const done = await pollBatch(gw, created.id, ended);
    expect(done.status).toBe('expired');
    expect(done.expired_at).toBeGreaterThanOrEqual(done.expires_at);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(done.expires_at);
    expect(done.request_counts).toEqual({ total: 10, completed: 3, failed: 7 });

    const outputs = await download(gw, done.output_file_id);
    const errors = await download(gw, done.error_file_id);
    expect(outputs.map((o) => o.custom_id).sort()).toEqual(fast.map((l) => l.custom_id));
    expect(outputs.every((o) => o.response?.status_code === 200)).toBe(true);
    expect(errors).toHaveLength(7);
    for (const error of errors) {
      expect(error.response).toBeNull();
      expect(error.error).toMatchObject({
        code: 'batch_expired',
        message: 'This request could not be executed before the completion window expired.',
      });
    }
    // Every line exactly once across both files: by custom_id, and by line number for the one without.
    expect([...outputs, ...errors].map((l) => l.custom_id ?? `line ${l.error?.line}`).sort()).toEqual(
      [...fast, ...slow]
        .map((l) => l.custom_id)
        .concat('line 10')
        .sort(),
    );
    expect(errors.find((e) => e.custom_id === 'slow-5')!.error!.line).toBe(9);

    // The three slow lines in flight had their jobs cancelled (the typist saw its signal abort);
    // the three queued behind them never started.
    await vi.waitFor(() => expect(typist().aborted - before.aborted).toBe(3), { timeout: 5_000 });
    expect(typist().started - before.started).toBe(6);
  });

  it('takes 24h and, as an extension, 1s to 168h in s, m or h; refuses anything else', async () => {
    const file = await uploadBatchLines(gw, [typistLine('a', 1, 1)]);
    for (const window of ['0s', '169h', '10081m', '1d', '24', 'h', ' 24h', '1.5h', '']) {
      const res = await create(gw, file, window);
      expect(res.status, window).toBe(400);
      const { error } = (await res.json()) as { error: { message: string; type: string } };
      expect(error.type).toBe('invalid_request_error');
      expect(error.message).toContain('completion_window');
    }
    for (const [window, seconds] of [
      ['24h', 86_400],
      ['90m', 5_400],
      ['168h', 604_800],
      ['1s', 1],
    ] as const) {
      const res = await create(gw, file, window);
      expect(res.status, window).toBe(200);
      const batch = (await res.json()) as Batch;
      expect(batch.completion_window).toBe(window);
      expect(batch.expires_at - batch.created_at).toBe(seconds);
    }
  });

  it('documents the windows and the batch endpoints in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${gw.url}/docs/json`)).json()) as {
      components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
    };
    const create = doc.components.schemas.OpenAiBatchCreateRequest!.properties;
    expect(create.completion_window).toMatchObject({ type: 'string', pattern: '^\\d+(s|m|h)$' });
    expect(create.completion_window!.description).toContain('168h');
    const endpoints = [
      '/v1/infer',
      '/v1/chat/completions',
      '/v1/embeddings',
      '/v1/images/generations',
      '/v1/audio/speech',
      '/v1/audio/transcriptions',
      '/v1/responses',
    ];
    expect(create.endpoint!.enum).toEqual(endpoints);
    expect(doc.components.schemas.OpenAiBatch!.properties.endpoint!.enum).toEqual(endpoints);
  });
});

describe('batch expiry of a long batch', () => {
  it('records every one of 3000 lines once, as answered or batch_expired', async () => {
    // An API process only: the lines in flight wait for jobs no worker runs until they expire.
    const gw = await startGateway({ ROLE: 'api', ADAPTER_MODULES: MODULES, BATCH_CONCURRENCY: '8' });
    try {
      const lines = Array.from({ length: 3000 }, (_, i) =>
        i % 1000 === 999 ? `{"custom_id": "broken-${i}"` : typistLine(`long-${i}`, 1, 1),
      );
      const batch = await createBatch(gw, lines, '2s');
      const done = await pollBatch(gw, batch.id, ended);
      expect(done).toMatchObject({ status: 'expired', request_counts: { total: 3000, completed: 0 } });
      const errors = await download(gw, done.error_file_id);
      expect(errors).toHaveLength(3000);
      expect(new Set(errors.map((e) => e.error!.line)).size).toBe(3000);
      expect(errors.filter((e) => e.error!.code === 'batch_expired')).toHaveLength(
        3000 - errors.filter((e) => e.error!.code === 'invalid_request').length,
      );
      // A line that is not JSON has no custom_id to give, whether it failed or expired.
      expect(errors.find((e) => e.error!.line === 3000)).toMatchObject({ custom_id: null });
      expect(errors.find((e) => e.error!.line === 1999)).toMatchObject({ custom_id: 'long-1998' });
    } finally {
      await gw.close();
    }
  });
});

describe('batch expiry after a restart', () => {
  it('expires a batch found active past its window when a gateway resumes it', async () => {
    const blobDir = mkdtempSync(join(tmpdir(), 'batch-expiry-'));
    // API processes only: no worker runs the lines, so the batch can only end by expiring.
    const shared = {
      ROLE: 'api',
      ADAPTER_MODULES: MODULES,
      QUEUE_PREFIX: `test-${randomUUID()}`,
      BLOB_DIR: blobDir,
    };
    const first = await startGateway(shared);
    let second: TestGateway | undefined;
    try {
      const lines = [
        ...Array.from({ length: 3 }, (_, i) => typistLine(`resume-${i}`, 1, 1)),
        { method: 'POST', url: '/v1/infer', body: {} },
      ];
      const batch = await createBatch(first, lines, '2s');
      const running = await pollBatch(first, batch.id, (b) => b.status === 'in_progress' || ended(b));
      expect(running.status).toBe('in_progress');
      await first.close();
      // Past its window while no process runs it.
      const wait = batch.expires_at * 1000 - Date.now() + 200;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      second = await startGateway(shared);
      const done = await pollBatch(second, batch.id, ended);
      expect(done).toMatchObject({
        status: 'expired',
        request_counts: { total: 4, completed: 0, failed: 4 },
      });
      expect(done.output_file_id).toBeNull();
      const errors = await download(second, done.error_file_id);
      // The malformed line was answered (failed alone) before the first gateway stopped; the
      // others were waiting for jobs no worker ran.
      const byLine = errors.sort((a, b) => a.error!.line - b.error!.line);
      expect(byLine.map((e) => [e.custom_id, e.error?.code, e.error?.line])).toEqual([
        ['resume-0', 'batch_expired', 1],
        ['resume-1', 'batch_expired', 2],
        ['resume-2', 'batch_expired', 3],
        [null, 'invalid_request', 4],
      ]);
    } finally {
      await second?.close();
      rmSync(blobDir, { recursive: true, force: true });
    }
  });
});

describe('a batch and the lifetime of its input file (BLOB_TTL_S)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ ADAPTER_MODULES: MODULES, BLOB_TTL_S: '3600' });
  });
  afterAll(() => gw.close());

  it('keeps the input for BLOB_TTL_S from the create, and refuses a window the file would not outlast', async () => {
    const fileId = await uploadBatchLines(gw, [typistLine('a', 1, 1)]);
    const uploaded = (await (await fetch(`${gw.url}/v1/files/${fileId}`)).json()) as { expires_at: number };
    await new Promise((r) => setTimeout(r, 1100));

    // 3600 s kept, less a margin of a tenth: at most 3240 s.
    const tooLong = await create(gw, fileId, '55m');
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ error: { param: 'completion_window' } });
    expect(await (await create(gw, fileId, '54m')).json()).toMatchObject({ status: 'validating' });
    const pinned = (await (await fetch(`${gw.url}/v1/files/${fileId}`)).json()) as { expires_at: number };
    expect(pinned.expires_at).toBeGreaterThan(uploaded.expires_at);
  });

  it('fails a running batch whose input file vanished, with what was answered, instead of retrying it forever', async () => {
    // Two lines answer at once; four take 20 × 500 ms, past the 6 s window, whose end reads the
    // input again. The window leaves a loaded machine seconds for the two quick lines.
    const lines = Array.from({ length: 6 }, (_, i) =>
      typistLine(`gone-${i}`, i < 2 ? 1 : 20, i < 2 ? 1 : 500),
    );
    const fileId = await uploadBatchLines(gw, lines);
    const res = await create(gw, fileId, '6s');
    expect(res.status).toBe(200);
    const batch = (await res.json()) as Batch;
    const running = await pollBatch(gw, batch.id, (b) => b.request_counts.completed === 2 || ended(b));
    expect(running).toMatchObject({ status: 'in_progress', request_counts: { completed: 2 } });
    // The file object goes behind the gateway's back (the bytes' expiry would do the same):
    // expiring the batch has to read the input again to name its unanswered lines.
    const { Redis } = await import('ioredis');
    const redis = new Redis(gw.config.queue.redisUrl);
    try {
      expect(await redis.hdel(`{${gw.config.queue.prefix}:files}:files`, fileId)).toBe(1);
    } finally {
      redis.disconnect();
    }
    const done = await pollBatch(gw, batch.id, ended);
    expect(done.status).toBe('failed');
    expect((done as Batch & { errors: { data: { code: string }[] } }).errors.data[0]).toMatchObject({
      code: 'input_file_gone',
    });
    const answered =
      (await download(gw, done.output_file_id)).length + (await download(gw, done.error_file_id)).length;
    expect(answered).toBe(done.request_counts.completed + done.request_counts.failed);
    expect(done.request_counts).toMatchObject({ total: 6, completed: 2, failed: 0 });
    expect(answered).toBe(2);
  });
});
