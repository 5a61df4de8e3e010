import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyWebhook } from '../../apps/gateway/src/webhooks/webhook-signature';
import { startGateway, type TestGateway } from '../gateway-harness';
import { readEvents } from '../sse';
import { startWebhookReceiver, type WebhookReceiver } from '../webhook-receiver';
import { webhookQueuePrefix } from '../../apps/gateway/src/webhooks/bullmq-webhook-queue';

const MODULES = './test/adapters/stream-adapters.mjs';

/** A line that takes about `words` × `delayMs`: test.typist types its input back word by word. */
const slowLine = (n: number, words = 4, delayMs = 50) => ({
  custom_id: `line-${n}`,
  method: 'POST',
  url: '/v1/infer',
  body: {
    inputs: [{ text: Array.from({ length: words }, (_, i) => `w${i}`).join(' ') }],
    output: { modality: 'text' },
    task: 'type',
    options: { delayMs },
  },
});

async function uploadText(gw: TestGateway, text: string): Promise<string> {
  const form = new FormData();
  form.set('purpose', 'batch');
  form.set('file', new Blob([text]), 'input.jsonl');
  const res = await fetch(`${gw.url}/v1/files`, { method: 'POST', body: form });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

const uploadLines = (gw: TestGateway, lines: unknown[]) =>
  uploadText(gw, lines.map((l) => JSON.stringify(l)).join('\n'));

const createBatch = (gw: TestGateway, body: Record<string, unknown>) =>
  fetch(`${gw.url}/v1/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ endpoint: '/v1/infer', completion_window: '24h', ...body }),
  });

describe.each(['bullmq', 'inline'])('GET /v1/batches/:id/events (%s)', (driver) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ QUEUE_DRIVER: driver, ADAPTER_MODULES: MODULES, BATCH_CONCURRENCY: '2' });
  });
  afterAll(() => gw.close());

  it('streams the state, progress with rising counts and a final completed batch', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => slowLine(i));
    const created = await createBatch(gw, { input_file_id: await uploadLines(gw, lines) });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };

    const res = await fetch(`${gw.url}/v1/batches/${id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(res);

    expect(['validating', 'in_progress']).toContain(events[0]!.event);
    expect(events[0]!.data).toMatchObject({ id, object: 'batch' });
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(1);
    const done = progress.map((e) => (e.data.request_counts as { completed: number }).completed);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(new Set(done).size).toBe(done.length);
    const last = events.at(-1)!;
    expect(last.event).toBe('completed');
    expect(last.data).toMatchObject({
      id,
      status: 'completed',
      request_counts: { total: 10, completed: 10, failed: 0 },
    });
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
  });

  it('sends an ended batch at once and closes; an unknown batch is 404', async () => {
    const created = await createBatch(gw, { input_file_id: await uploadLines(gw, [slowLine(0, 1, 1)]) });
    const { id } = (await created.json()) as { id: string };
    // The first stream waits for the end; the second opens on an ended batch.
    const first = await readEvents(await fetch(`${gw.url}/v1/batches/${id}/events`));
    expect(first.at(-1)!.event).toBe('completed');
    const again = await readEvents(await fetch(`${gw.url}/v1/batches/${id}/events`));
    expect(again.map((e) => e.event)).toEqual(['completed']);

    const missing = await fetch(`${gw.url}/v1/batches/batch_nope/events`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});

const SECRET = 'whsec-batch-0123456789';

describe.each(['bullmq', 'inline'])('batch webhooks (%s)', (driver) => {
  let gw: TestGateway;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    gw = await startGateway({
      QUEUE_DRIVER: driver,
      ADAPTER_MODULES: MODULES,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF_MS: '50',
    });
  });
  afterAll(async () => {
    await gw?.close();
    receiver?.server.close();
  });

  it('delivers the ended batch once, signed, and never shows the webhook', async () => {
    const lines = Array.from({ length: 3 }, (_, i) => slowLine(i, 2, 5));
    const created = await createBatch(gw, {
      input_file_id: await uploadLines(gw, lines),
      webhook: { url: receiver.url, secret: SECRET },
    });
    expect(created.status).toBe(200);
    const batch = (await created.json()) as Record<string, unknown>;
    expect(JSON.stringify(batch)).not.toContain(SECRET);
    expect(batch).not.toHaveProperty('webhook');
    const id = batch.id as string;

    const mine = () => receiver.deliveries.filter((d) => d.headers['x-omnigate-delivery'] === id);
    await expect.poll(() => mine().length, { timeout: 15_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(mine()).toHaveLength(1);
    const { headers, body } = mine()[0]!;
    expect(headers['x-omnigate-event']).toBe('batch.completed');
    const timestamp = Number(headers['x-omnigate-timestamp']);
    expect(verifyWebhook(SECRET, timestamp, body, String(headers['x-omnigate-signature']))).toBe(true);
    expect(body).not.toContain(SECRET);
    const payload = JSON.parse(body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      id,
      object: 'batch',
      status: 'completed',
      request_counts: { total: 3, completed: 3, failed: 0 },
    });
    expect(payload).toEqual(await (await fetch(`${gw.url}/v1/batches/${id}`)).json());
    if (driver === 'bullmq') {
      // The delivery kept on the `webhooks` queue holds what it announces, not where or the secret.
      const redis = new Redis(inject('redisUrl'));
      try {
        const data = await redis.hget(`${webhookQueuePrefix(gw.config.queue.prefix)}:webhooks:${id}`, 'data');
        expect(data).toContain(id);
        expect(data).not.toContain(SECRET);
        expect(data).not.toContain(receiver.url);
      } finally {
        redis.disconnect();
      }
    }
  });

  it('streams a cancel and delivers the cancelled batch once', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => slowLine(i, 4, 100));
    const created = await createBatch(gw, {
      input_file_id: await uploadLines(gw, lines),
      webhook: { url: receiver.url, secret: SECRET },
    });
    const { id } = (await created.json()) as { id: string };
    const res = await fetch(`${gw.url}/v1/batches/${id}/events`);
    const reading = readEvents(res);
    await new Promise((r) => setTimeout(r, 150));
    expect((await fetch(`${gw.url}/v1/batches/${id}/cancel`, { method: 'POST' })).status).toBe(200);
    const events = await reading;
    expect(events.map((e) => e.event)).toContain('cancelling');
    const last = events.at(-1)!;
    expect(last.event).toBe('cancelled');
    const counts = last.data.request_counts as { total: number; completed: number };
    expect(counts.total).toBe(40);
    expect(counts.completed).toBeLessThan(40);

    const mine = () => receiver.deliveries.filter((d) => d.headers['x-omnigate-delivery'] === id);
    await expect.poll(() => mine().length, { timeout: 15_000 }).toBe(1);
    expect(mine()[0]!.headers['x-omnigate-event']).toBe('batch.cancelled');
    expect(JSON.parse(mine()[0]!.body)).toEqual(last.data);
  });

  it('delivers a batch that failed validation', async () => {
    const created = await createBatch(gw, {
      input_file_id: await uploadText(gw, '\n\n'),
      webhook: { url: receiver.url, secret: SECRET },
    });
    const { id } = (await created.json()) as { id: string };
    const mine = () => receiver.deliveries.filter((d) => d.headers['x-omnigate-delivery'] === id);
    await expect.poll(() => mine().length, { timeout: 15_000 }).toBe(1);
    expect(mine()[0]!.headers['x-omnigate-event']).toBe('batch.failed');
    expect(JSON.parse(mine()[0]!.body)).toMatchObject({
      id,
      status: 'failed',
      errors: { data: [{ code: 'empty_file' }] },
    });
    // An ended batch is settled: the stream gives its end at once.
    const events = await readEvents(await fetch(`${gw.url}/v1/batches/${id}/events`));
    expect(events.map((e) => e.event)).toEqual(['failed']);
  });

  it('refuses a webhook with no secret to sign with', async () => {
    const res = await createBatch(gw, {
      input_file_id: await uploadLines(gw, [slowLine(0, 1, 1)]),
      webhook: { url: receiver.url },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});

describe('batch webhooks without WEBHOOK_ALLOW_PRIVATE', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ ADAPTER_MODULES: MODULES });
  });
  afterAll(() => gw.close());

  it('refuses a loopback webhook at create with 400', async () => {
    const res = await createBatch(gw, {
      input_file_id: await uploadLines(gw, [slowLine(0, 1, 1)]),
      webhook: { url: 'http://127.0.0.1:9/hook', secret: SECRET },
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { type: string; message: string } };
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toMatch(/127\.0\.0\.1/);
    const list = (await (await fetch(`${gw.url}/v1/batches`)).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(0);
  });

  it('answers a line whose webhook it would not call with an error line, without running it', async () => {
    const lines = [
      slowLine(0, 1, 1),
      {
        ...slowLine(1, 1, 1),
        body: { ...slowLine(1).body, webhook: { url: 'http://[::7f00:1]:9/hook', secret: SECRET } },
      },
      {
        ...slowLine(2, 1, 1),
        body: { ...slowLine(2).body, webhook: { url: 'https://hooks.example.com/x' } },
      },
    ];
    const created = await createBatch(gw, { input_file_id: await uploadLines(gw, lines) });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const ended = await readEvents(await fetch(`${gw.url}/v1/batches/${id}/events`));
    const batch = ended.at(-1)!.data as { status: string; request_counts: unknown; error_file_id: string };
    expect(batch).toMatchObject({
      status: 'completed',
      request_counts: { total: 3, completed: 1, failed: 2 },
    });
    const errors = (await (await fetch(`${gw.url}/v1/files/${batch.error_file_id}/content`)).text())
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            custom_id: string;
            response: unknown;
            error: { code: string; message: string; line: number };
          },
      )
      .sort((a, b) => a.error.line - b.error.line);
    expect(errors).toEqual([
      {
        id: expect.any(String),
        custom_id: 'line-1',
        response: null,
        error: {
          code: 'invalid_request',
          message: expect.stringMatching(/private, loopback or reserved address: refused/),
          line: 2,
        },
      },
      {
        id: expect.any(String),
        custom_id: 'line-2',
        response: null,
        error: {
          code: 'invalid_request',
          message: expect.stringMatching(/webhook\.secret is required/),
          line: 3,
        },
      },
    ]);
    // `response: null`: refused before a job was queued (a failed job's line carries its response).
    expect(JSON.stringify(errors)).not.toContain(SECRET);
  });

  it('documents the file and batch routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${gw.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const routes: [string, string][] = [
      ['/v1/files', 'post'],
      ['/v1/files/{id}', 'get'],
      ['/v1/files/{id}/content', 'get'],
      ['/v1/batches', 'post'],
      ['/v1/batches', 'get'],
      ['/v1/batches/{id}', 'get'],
      ['/v1/batches/{id}/cancel', 'post'],
      ['/v1/batches/{id}/events', 'get'],
    ];
    for (const [path, method] of routes) {
      expect(doc.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual(['OpenAI-compatible']);
    }
    expect(doc.paths['/v1/batches/{id}/events']!.get!.responses['200']).toMatchObject({
      content: { 'text/event-stream': {} },
    });
    expect(Object.keys(doc.components.schemas.OpenAiBatchCreateRequest!.properties ?? {})).toEqual(
      expect.arrayContaining(['input_file_id', 'endpoint', 'completion_window', 'metadata', 'webhook']),
    );
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toContain('OpenAiBatch');
    expect(refs.filter((id) => !(id in doc.components.schemas))).toEqual([]);
  });
});
