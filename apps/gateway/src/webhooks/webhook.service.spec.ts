import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/app-config';
import type { JobStore } from '../jobs/job-ports';
import type { JobRecord } from '../jobs/job-record';
import { WebhookAddressGuard, WebhookRefusedError } from './webhook-address-guard';
import { deliveryId, type WebhookQueue } from './webhook-queue';
import type { WebhookPost } from './webhook-sender';
import { verifyWebhook } from './webhook-signature';
import { WebhookService, type WebhookOutcome } from './webhook.service';

const SECRET = 'whsec-unit-0123456789';
const record = {
  id: 'job-1',
  status: 'completed',
  outputs: [{ modality: 'text', mediaType: 'text/plain', text: 'hi' }],
  route: [],
  detected: [],
  warnings: [],
  timings: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  outputSpec: { modality: 'text' },
  plan: [],
  priority: 5,
  inputs: [],
  alternatives: [],
  webhook: { url: 'https://hooks.example.com/in', secret: SECRET },
} as unknown as JobRecord;

function service(options: {
  resolvesTo: string;
  stored?: JobRecord;
  env?: Record<string, string>;
  /** What the receiver answers (200 by default). */
  answers?: number;
}) {
  const posts: WebhookPost[] = [];
  const tries: WebhookOutcome[] = [];
  const added: string[] = [];
  const queue: WebhookQueue = {
    add: async (delivery) => void added.push(deliveryId(delivery)),
    work: async () => {},
    close: async () => {},
  };
  const store = { get: async () => options.stored } as unknown as JobStore;
  const guard = new WebhookAddressGuard(false, async () => [{ address: options.resolvesTo, family: 4 }]);
  const webhooks = new WebhookService(
    loadConfig(options.env ?? {}),
    queue,
    store,
    { read: async () => Buffer.alloc(0), stream: () => undefined as never },
    pino({ level: 'silent' }),
    {
      tried: (outcome, ms) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        tries.push(outcome);
      },
    },
    guard,
    async (post) => {
      posts.push(post);
      return options.answers ?? 200;
    },
  );
  return { webhooks, posts, added, tries };
}

describe('WebhookService', () => {
  const attempt = { number: 1, max: 6 };

  it('posts the public job, signed, with the event, delivery and timestamp headers', async () => {
    const { webhooks, posts } = service({ resolvesTo: '93.184.215.14', stored: record });
    await webhooks.deliver({ jobId: 'job-1' }, attempt);
    expect(posts).toHaveLength(1);
    const { headers, body, addresses } = posts[0];
    expect(addresses).toEqual([{ address: '93.184.215.14', family: 4 }]);
    expect(headers).toMatchObject({
      'x-omnigate-event': 'job.completed',
      'x-omnigate-delivery': 'job-1',
      'x-omnigate-attempt': '1',
    });
    const timestamp = Number(headers['x-omnigate-timestamp']);
    expect(verifyWebhook(SECRET, timestamp, body, headers['x-omnigate-signature'])).toBe(true);
    expect(JSON.parse(body)).toMatchObject({
      id: 'job-1',
      status: 'completed',
      links: { self: '/v1/jobs/job-1' },
    });
    expect(body).not.toContain(SECRET);
    expect(body).not.toContain('webhook');
  });

  it('posts an announcement as it was queued (a batch) to the webhook its source holds, never queuing the secret', async () => {
    const { webhooks, posts, added } = service({ resolvesTo: '93.184.215.14' });
    const kept = new Map([['batch_1', { url: 'https://hooks.example.com/in', secret: SECRET }]]);
    webhooks.register('batch_', async (id) => kept.get(id));
    const batch = { id: 'batch_1', object: 'batch', status: 'completed' };
    const announcement = { id: 'batch_1', event: 'batch.completed', body: batch };
    await webhooks.announce(announcement);
    expect(added).toEqual(['batch_1']);
    await webhooks.deliver(announcement, attempt);
    const { headers, body } = posts[0];
    expect(headers).toMatchObject({
      'x-omnigate-event': 'batch.completed',
      'x-omnigate-delivery': 'batch_1',
    });
    const timestamp = Number(headers['x-omnigate-timestamp']);
    expect(verifyWebhook(SECRET, timestamp, body, headers['x-omnigate-signature'])).toBe(true);
    expect(JSON.parse(body)).toEqual(batch);

    // Gone from its source (or from no known source): nothing is sent.
    await webhooks.deliver({ id: 'batch_2', event: 'batch.completed', body: {} }, attempt);
    expect(posts).toHaveLength(1);
    await expect(webhooks.deliver({ id: 'other_1', event: 'x', body: {} }, attempt)).rejects.toThrow(
      /no webhook source/,
    );
  });

  it('refuses at delivery a host that now resolves to a private address', async () => {
    const { webhooks, posts } = service({ resolvesTo: '10.0.0.7', stored: record });
    await expect(webhooks.deliver({ jobId: 'job-1' }, attempt)).rejects.toBeInstanceOf(WebhookRefusedError);
    expect(posts).toHaveLength(0);
  });

  it('drops the delivery of a job whose record has expired', async () => {
    const { webhooks, posts } = service({ resolvesTo: '93.184.215.14' });
    await webhooks.deliver({ jobId: 'job-1' }, attempt);
    expect(posts).toHaveLength(0);
  });

  it('tells its observer how each try ended: delivered, retried, failed on the last try, refused, dropped', async () => {
    const ok = service({ resolvesTo: '93.184.215.14', stored: record });
    await ok.webhooks.deliver({ jobId: 'job-1' }, attempt);
    expect(ok.tries).toEqual(['delivered']);

    const down = service({ resolvesTo: '93.184.215.14', stored: record, answers: 503 });
    await expect(down.webhooks.deliver({ jobId: 'job-1' }, attempt)).rejects.toThrow(/answered 503/);
    await expect(down.webhooks.deliver({ jobId: 'job-1' }, { number: 6, max: 6 })).rejects.toThrow();
    expect(down.tries).toEqual(['retried', 'failed']);

    const refused = service({ resolvesTo: '10.0.0.7', stored: record });
    await expect(refused.webhooks.deliver({ jobId: 'job-1' }, attempt)).rejects.toThrow();
    expect(refused.tries).toEqual(['refused']);

    const gone = service({ resolvesTo: '93.184.215.14' });
    await gone.webhooks.deliver({ jobId: 'job-1' }, attempt);
    // An announcement of no known source can never be sent.
    await expect(gone.webhooks.deliver({ id: 'other_1', event: 'x', body: {} }, attempt)).rejects.toThrow();
    expect(gone.tries).toEqual(['dropped', 'refused']);
  });

  it('queues a webhook only for an ended job that has one', async () => {
    const { webhooks, added } = service({ resolvesTo: '93.184.215.14' });
    await webhooks.jobEnded(record);
    await webhooks.jobEnded({ ...record, id: 'job-2', status: 'active' });
    await webhooks.jobEnded({ ...record, id: 'job-3', webhook: undefined });
    expect(added).toEqual(['job-1']);
  });

  it('checks at submit: a secret to sign with, and a public address', async () => {
    const { webhooks } = service({ resolvesTo: '127.0.0.1' });
    await expect(webhooks.check({ url: 'https://hooks.example.com/in' })).rejects.toThrow(/webhook\.secret/);
    await expect(webhooks.check({ url: 'https://hooks.example.com/in', secret: SECRET })).rejects.toThrow(
      /127\.0\.0\.1/,
    );
    const withDefault = service({ resolvesTo: '93.184.215.14', env: { WEBHOOK_SECRET: SECRET } });
    await expect(
      withDefault.webhooks.check({ url: 'https://hooks.example.com/in' }),
    ).resolves.toBeUndefined();
  });
});
