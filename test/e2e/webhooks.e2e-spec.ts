import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../apps/gateway/src/webhooks/webhook-signature';
import { startGateway, type TestGateway } from '../gateway-harness';
import { startWebhookReceiver, type WebhookReceiver } from '../webhook-receiver';

const SECRET = 'whsec-test-0123456789';
const MODULES = './test/adapters/stream-adapters.mjs,./test/adapters/fallback-adapters.mjs';

const post = (gw: TestGateway, body: unknown) =>
  fetch(`${gw.url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const typing = (text: string, webhook: unknown) => ({
  inputs: [{ text }],
  output: { modality: 'text' },
  task: 'type',
  options: { delayMs: 1 },
  mode: 'async',
  webhook,
});

describe.each(['bullmq', 'inline'])('job webhooks (%s)', (driver) => {
  let gw: TestGateway;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver({ failFirst: true });
    gw = await startGateway({
      QUEUE_DRIVER: driver,
      ADAPTER_MODULES: MODULES,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF_MS: '50',
      WEBHOOK_SECRET: 'whsec-default-0123456789',
      JOB_ATTEMPTS: '1',
    });
  });
  afterAll(async () => {
    await gw?.close();
    receiver?.server.close();
  });

  const deliveriesOf = (id: string) =>
    receiver.deliveries.filter((d) => d.headers['x-omnigate-delivery'] === id);

  it('delivers a completed job once, signed, after a failed first try', async () => {
    const res = await post(gw, typing('hello hooks', { url: receiver.url, secret: SECRET }));
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as Record<string, unknown>;
    expect(JSON.stringify(accepted)).not.toContain(SECRET);
    expect(accepted).not.toHaveProperty('webhook');
    const id = accepted.id as string;

    await expect
      .poll(() => deliveriesOf(id).filter((d) => d.status === 200).length, { timeout: 10_000 })
      .toBe(1);
    // No further try once one is accepted.
    await new Promise((r) => setTimeout(r, 300));
    const tries = deliveriesOf(id);
    expect(tries.map((d) => d.status)).toEqual([500, 200]);

    for (const { headers, body } of tries) {
      const timestamp = Number(headers['x-omnigate-timestamp']);
      expect(Math.abs(Date.now() / 1000 - timestamp)).toBeLessThan(60);
      expect(verifyWebhook(SECRET, timestamp, body, String(headers['x-omnigate-signature']))).toBe(true);
      expect(headers['x-omnigate-event']).toBe('job.completed');
      expect(headers['content-type']).toBe('application/json');
    }
    const payload = JSON.parse(tries[1].body) as Record<string, unknown>;
    expect(payload).toMatchObject({ id, status: 'completed', outputs: [{ text: 'hello hooks' }] });
    expect(tries[1].body).not.toContain(SECRET);
    const polled = await (await fetch(`${gw.url}/v1/jobs/${id}`)).json();
    expect(payload).toEqual(polled);
    expect(JSON.stringify(polled)).not.toContain(SECRET);
  });

  it('delivers a failed job, signed with WEBHOOK_SECRET when the webhook has no secret', async () => {
    const res = await post(gw, {
      inputs: [{ text: 'bad' }],
      output: { modality: 'text' },
      task: 'shout',
      mode: 'async',
      webhook: { url: receiver.url },
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await expect
      .poll(() => deliveriesOf(id).filter((d) => d.status === 200).length, { timeout: 10_000 })
      .toBe(1);
    const { headers, body } = deliveriesOf(id).at(-1)!;
    expect(headers['x-omnigate-event']).toBe('job.failed');
    const timestamp = Number(headers['x-omnigate-timestamp']);
    expect(
      verifyWebhook('whsec-default-0123456789', timestamp, body, String(headers['x-omnigate-signature'])),
    ).toBe(true);
    expect(JSON.parse(body)).toMatchObject({ id, status: 'failed', error: { code: 'unprocessable_input' } });
  });

  it('delivers a cancelled job', async () => {
    const res = await post(gw, {
      ...typing('a b c d e f g h i j k l m n o p', { url: receiver.url, secret: SECRET }),
      options: { delayMs: 100 },
    });
    const { id } = (await res.json()) as { id: string };
    await fetch(`${gw.url}/v1/jobs/${id}/cancel`, { method: 'POST' });
    await fetch(`${gw.url}/v1/jobs/${id}/cancel`, { method: 'POST' });
    await expect
      .poll(() => deliveriesOf(id).filter((d) => d.status === 200).length, { timeout: 10_000 })
      .toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(deliveriesOf(id).filter((d) => d.status === 200)).toHaveLength(1);
    expect(deliveriesOf(id).at(-1)!.headers['x-omnigate-event']).toBe('job.cancelled');
  });

  it('takes the webhook from a multipart request', async () => {
    const form = new FormData();
    form.set('text', 'from a form');
    form.set('output', JSON.stringify({ modality: 'text' }));
    form.set('task', 'type');
    form.set('mode', 'async');
    form.set('webhook', JSON.stringify({ url: receiver.url, secret: SECRET }));
    const res = await fetch(`${gw.url}/v1/infer`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await expect
      .poll(() => deliveriesOf(id).filter((d) => d.status === 200).length, { timeout: 10_000 })
      .toBe(1);
    expect(JSON.parse(deliveriesOf(id).at(-1)!.body)).toMatchObject({ outputs: [{ text: 'from a form' }] });
  });
});

describe('job webhooks refused at submit time', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ ADAPTER_MODULES: MODULES });
  });
  afterAll(async () => gw?.close());

  it.each([
    'http://127.0.0.1:9/hook',
    'http://localhost:9/hook',
    'http://[::1]:9/hook',
    'http://169.254.169.254/',
    // Other spellings of loopback and metadata addresses
    'http://0x7f.1:9/hook',
    'http://2130706433:9/hook',
    'http://[::7f00:1]:9/hook',
    'http://[::ffff:0:7f00:1]:9/hook',
    'http://[64:ff9b::a9fe:a9fe]/latest',
    'http://[2002:7f00:1::1]:9/hook',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]:9/hook',
  ])('refuses %s with 400 without WEBHOOK_ALLOW_PRIVATE', async (url) => {
    const res = await post(gw, typing('x', { url, secret: SECRET }));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/private, loopback or reserved address/);
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses a non-http url', async () => {
    const res = await post(gw, typing('x', { url: 'ftp://example.com/hook', secret: SECRET }));
    expect(res.status).toBe(400);
  });

  it('refuses a webhook without a secret when WEBHOOK_SECRET is not set', async () => {
    const res = await post(gw, typing('x', { url: 'http://127.0.0.1:9/hook' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/webhook\.secret/);
  });
});
