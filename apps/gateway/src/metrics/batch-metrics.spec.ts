import { describe, expect, it } from 'vitest';
import { samples } from '../../../../test/metrics-samples';
import { GatewayMetrics } from './gateway-metrics';

describe('batch metrics', () => {
  it('count lines by status and batches by final status, every series shown from the start', async () => {
    const metrics = new GatewayMetrics(new Map(), false);
    let s = samples(await metrics.scrape());
    for (const status of ['completed', 'failed', 'expired']) {
      expect(s.get(`omnigate_batch_lines_total{status="${status}"}`)).toBe(0);
    }
    for (const status of ['completed', 'failed', 'expired', 'cancelled']) {
      expect(s.get(`omnigate_batches_ended_total{status="${status}"}`)).toBe(0);
    }

    const { batches } = metrics;
    batches.lineEnded('completed');
    batches.lineEnded('completed');
    batches.lineEnded('failed');
    batches.lineEnded('expired');
    batches.batchEnded('expired');
    batches.batchEnded('cancelled');
    // Not a final status: not an end (the runner only reports final ones).
    batches.batchEnded('in_progress');
    s = samples(await metrics.scrape());
    expect(s.get('omnigate_batch_lines_total{status="completed"}')).toBe(2);
    expect(s.get('omnigate_batch_lines_total{status="failed"}')).toBe(1);
    expect(s.get('omnigate_batch_lines_total{status="expired"}')).toBe(1);
    expect(s.get('omnigate_batches_ended_total{status="expired"}')).toBe(1);
    expect(s.get('omnigate_batches_ended_total{status="cancelled"}')).toBe(1);
    expect(s.get('omnigate_batches_ended_total{status="completed"}')).toBe(0);
    expect([...s.keys()].filter((k) => k.includes('in_progress'))).toEqual([]);
  });
});
