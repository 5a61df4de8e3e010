import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { InlineWebhookQueue } from './inline-webhook-queue';
import { WebhookRefusedError } from './webhook-address-guard';
import { deliveryId } from './webhook-queue';

const policy = { attempts: 3, backoffMs: 5, dedupeTtlS: 60 };
const logger = pino({ level: 'silent' });

describe('InlineWebhookQueue', () => {
  it('delivers once per job, retrying failures up to the attempts', async () => {
    const queue = new InlineWebhookQueue(policy, logger);
    const tries: [string, number][] = [];
    await queue.work(async (delivery, attempt) => {
      const jobId = deliveryId(delivery);
      tries.push([jobId, attempt.number]);
      if (jobId === 'a' && attempt.number < 2) throw new Error('receiver down');
      if (jobId === 'b') throw new Error('receiver down for good');
    });
    await queue.add({ jobId: 'a' });
    await queue.add({ jobId: 'a' });
    await queue.add({ jobId: 'b' });
    const announcement = { id: 'batch_a', event: 'batch.completed', body: {} };
    await queue.add(announcement);
    await queue.add(announcement);
    await expect.poll(() => tries.filter(([id]) => id === 'b').length).toBe(3);
    await new Promise((r) => setTimeout(r, 50));
    expect(tries.filter(([id]) => id === 'a')).toEqual([
      ['a', 1],
      ['a', 2],
    ]);
    expect(tries.filter(([id]) => id === 'b')).toHaveLength(3);
    expect(tries.filter(([id]) => id === 'batch_a')).toEqual([['batch_a', 1]]);
    await queue.close();
  });

  it('does not retry a refused delivery, and holds deliveries until it works', async () => {
    const queue = new InlineWebhookQueue(policy, logger);
    await queue.add({ jobId: 'c' });
    let tries = 0;
    await queue.work(async () => {
      tries++;
      throw new WebhookRefusedError('private address');
    });
    await expect.poll(() => tries).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(tries).toBe(1);
    await queue.close();
  });
});
