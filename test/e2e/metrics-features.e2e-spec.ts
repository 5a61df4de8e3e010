import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../apps/gateway/src/metrics/gateway-metrics';
import { typistLine, uploadBatchLines } from '../batch-lines';
import { fixture } from '../fixtures';
import { freePort } from '../free-port';
import { startGateway, type TestGateway } from '../gateway-harness';
import { samples } from '../metrics-samples';
import { startWebhookReceiver, type WebhookReceiver } from '../webhook-receiver';

// Batches, webhooks, blobs and detection, counted from real traffic and read from a real scrape.

const SECRET = 'whsec-metrics-0123456789';
const IMAGE = 'image/fixture.webp';

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const echoLine = (custom_id: string, text: string) => ({
  custom_id,
  method: 'POST',
  url: '/v1/infer',
  body: { inputs: [{ text }], output: 'text', task: 'echo' },
});

describe('GET /metrics: batches, webhooks, blobs and detection after real traffic', () => {
  let gw: TestGateway;
  let receiver: WebhookReceiver;
  /** The scrape before the step: each step checks what it added. */
  let before: Map<string, number>;

  const scrape = async () => {
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };
  /** What the sample `key` gained since `before` (a sample absent counts as 0). */
  const gained = (now: Map<string, number>, key: string) => (now.get(key) ?? 0) - (before.get(key) ?? 0);

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ failFirst: true });
    gw = await startGateway({
      ADAPTER_MODULES: './test/adapters/stream-adapters.mjs',
      LIMIT_TEXT_CHARS: '1000',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_ATTEMPTS: '2',
      WEBHOOK_BACKOFF_MS: '50',
      WEBHOOK_TIMEOUT_MS: '2000',
    });
  });
  afterAll(async () => {
    await gw?.close();
    receiver?.server.close();
  });

  it('counts the bytes of an upload and its download on the durable store, and a job input in the job tier', async () => {
    before = samples(await scrape());
    const image = fixture(IMAGE);
    const up = await fetch(`${gw.url}/v1/blobs`, {
      method: 'POST',
      headers: { 'content-type': 'image/webp' },
      body: image,
    });
    expect(up.status).toBe(201);
    const { id } = (await up.json()) as { id: string };
    const down = await fetch(`${gw.url}/v1/blobs/${id}`);
    expect(Buffer.from(await down.arrayBuffer()).equals(image)).toBe(true);
    let now = samples(await scrape());
    expect(gained(now, 'omnigate_blob_written_bytes_total{store="fs"}')).toBe(image.length);
    expect(gained(now, 'omnigate_blob_read_bytes_total{store="fs"}')).toBe(image.length);
    expect(gained(now, 'omnigate_blob_written_bytes_total{store="redis"}')).toBe(0);

    // A small inline input is a job-scoped blob: it goes to the job tier, beside the job (Redis).
    before = now;
    const text = 'bytes for the job tier';
    const res = await fetch(`${gw.url}/v1/infer`, json({ inputs: [{ text }], output: 'text', task: 'echo' }));
    expect(res.status).toBe(200);
    now = samples(await scrape());
    // The echo's output is inline text, not a blob.
    expect(gained(now, 'omnigate_blob_written_bytes_total{store="redis"}')).toBe(text.length);
    expect(gained(now, 'omnigate_blob_written_bytes_total{store="fs"}')).toBe(0);
    // Only the stores this gateway has.
    expect(now.has('omnigate_blob_written_bytes_total{store="memory"}')).toBe(false);
  });

  it('counts inputs by detected modality and refusals by code', async () => {
    before = samples(await scrape());
    const detect = (inputs: unknown[]) => fetch(`${gw.url}/v1/detect`, json({ inputs }));
    expect((await detect([{ text: 'hello' }, { data: fixture(IMAGE).toString('base64') }])).status).toBe(200);
    expect((await detect([{ text: 'again' }])).status).toBe(200);
    const pdf = await detect([{ data: fixture('invalid/document.pdf').toString('base64') }]);
    expect(pdf.status).toBe(415);
    const long = await detect([{ text: 'x'.repeat(2000) }]);
    expect(long.status).toBe(413);
    // Not detection's refusal: the input is never looked at.
    expect((await detect([{ blobId: 'f'.repeat(64) }])).status).toBe(404);

    const now = samples(await scrape());
    expect(gained(now, 'omnigate_detection_inputs_total{modality="text"}')).toBe(2);
    expect(gained(now, 'omnigate_detection_inputs_total{modality="image"}')).toBe(1);
    expect(gained(now, 'omnigate_detection_refusals_total{code="unsupported_media"}')).toBe(1);
    expect(gained(now, 'omnigate_detection_refusals_total{code="payload_too_large"}')).toBe(1);
    expect(gained(now, 'omnigate_detection_refusals_total{code="not_found"}')).toBe(0);
  });

  it('counts batch lines by status as they end (completed, failed, expired) and batches by final status', async () => {
    before = samples(await scrape());
    const run = async (lines: unknown[], completion_window: string) => {
      const input_file_id = await uploadBatchLines(gw, lines);
      const created = await fetch(
        `${gw.url}/v1/batches`,
        json({ input_file_id, endpoint: '/v1/infer', completion_window }),
      );
      expect(created.status).toBe(200);
      const { id } = (await created.json()) as { id: string };
      let batch: { status: string; request_counts: unknown };
      await expect
        .poll(
          async () => {
            batch = (await (await fetch(`${gw.url}/v1/batches/${id}`)).json()) as typeof batch;
            return batch.status;
          },
          { timeout: 15_000, interval: 50 },
        )
        .toMatch(/^(completed|failed|expired|cancelled)$/);
      return batch!;
    };
    const done = await run([echoLine('a', 'one'), echoLine('b', 'two'), '{not json'], '24h');
    expect(done).toMatchObject({
      status: 'completed',
      request_counts: { total: 3, completed: 2, failed: 1 },
    });
    // 20 words x 500 ms: neither line can end within the 1 s window.
    const late = await run([typistLine('slow-1', 20, 500), typistLine('slow-2', 20, 500)], '1s');
    expect(late).toMatchObject({ status: 'expired', request_counts: { total: 2, completed: 0, failed: 2 } });

    const now = samples(await scrape());
    expect(gained(now, 'omnigate_batch_lines_total{status="completed"}')).toBe(2);
    expect(gained(now, 'omnigate_batch_lines_total{status="failed"}')).toBe(1);
    expect(gained(now, 'omnigate_batch_lines_total{status="expired"}')).toBe(2);
    expect(gained(now, 'omnigate_batches_ended_total{status="completed"}')).toBe(1);
    expect(gained(now, 'omnigate_batches_ended_total{status="expired"}')).toBe(1);
    expect(gained(now, 'omnigate_batches_ended_total{status="failed"}')).toBe(0);
  });

  it('counts webhook delivery tries by outcome: retried then delivered, retried then given up', async () => {
    before = samples(await scrape());
    const closed = `http://127.0.0.1:${await freePort()}/hook`;
    const submit = (url: string) =>
      fetch(
        `${gw.url}/v1/infer`,
        json({
          inputs: [{ text: 'hooked' }],
          output: 'text',
          task: 'echo',
          mode: 'async',
          webhook: { url, secret: SECRET },
        }),
      );
    const [ok, down] = [await submit(receiver.url), await submit(closed)];
    expect([ok.status, down.status]).toEqual([202, 202]);
    const { id } = (await ok.json()) as { id: string };

    let now = before;
    await expect
      .poll(
        async () => {
          now = samples(await scrape());
          return [
            gained(now, 'omnigate_webhook_deliveries_total{outcome="delivered"}'),
            gained(now, 'omnigate_webhook_deliveries_total{outcome="failed"}'),
          ];
        },
        { timeout: 10_000, interval: 50 },
      )
      .toEqual([1, 1]);
    expect(
      receiver.deliveries.filter((d) => d.headers['x-omnigate-delivery'] === id).map((d) => d.status),
    ).toEqual([500, 200]);
    // The receiver's 500 and the closed port's first refusal: both to be tried again.
    expect(gained(now, 'omnigate_webhook_deliveries_total{outcome="retried"}')).toBe(2);
    expect(gained(now, 'omnigate_webhook_deliveries_total{outcome="refused"}')).toBe(0);
    expect(gained(now, 'omnigate_webhook_deliveries_total{outcome="dropped"}')).toBe(0);
    expect(gained(now, 'omnigate_webhook_delivery_duration_seconds_count{outcome="delivered"}')).toBe(1);
    expect(gained(now, 'omnigate_webhook_delivery_duration_seconds_count{outcome="retried"}')).toBe(2);
    expect(
      gained(now, 'omnigate_webhook_delivery_duration_seconds_sum{outcome="delivered"}'),
    ).toBeGreaterThan(0);
  });

  it('labels nothing by id: no blob, job, batch, file or custom id, no url in the exposition', async () => {
    const text = await scrape();
    const labelValues = [...text.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
      [...m[1]!.matchAll(/="([^"]*)"/g)].map((v) => v[1]!),
    );
    expect(labelValues).toEqual(expect.arrayContaining(['redis', 'image', 'expired', 'delivered']));
    for (const value of labelValues) {
      expect(value).not.toMatch(/[0-9a-f]{32}|^batch_|^file-|slow-|127\.0\.0\.1/);
    }
  });
});

describe('METRICS=off: the feature observers count nothing', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ METRICS: 'off' });
  });
  afterAll(() => gw?.close());

  it('leaves the families without series after an upload and a detection', async () => {
    const up = await fetch(`${gw.url}/v1/blobs`, {
      method: 'POST',
      headers: { 'content-type': 'image/webp' },
      body: fixture(IMAGE),
    });
    expect(up.status).toBe(201);
    expect((await fetch(`${gw.url}/v1/detect`, json({ inputs: [{ text: 'hello' }] }))).status).toBe(200);
    // The registry is still there, unread: read it from inside.
    const s = samples(await gw.app.get(GatewayMetrics).scrape());
    const counted = [...s.keys()].filter((k) => /^omnigate_(blob|detection)_/.test(k));
    expect(counted).toEqual([]);
  });
});
