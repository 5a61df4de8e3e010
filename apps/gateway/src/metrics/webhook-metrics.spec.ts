import { describe, expect, it } from 'vitest';
import { samples } from '../../../../test/metrics-samples';
import { GatewayMetrics } from './gateway-metrics';

describe('webhook metrics', () => {
  it('count delivery tries by outcome, with their durations', async () => {
    const metrics = new GatewayMetrics(new Map(), false);
    let s = samples(await metrics.scrape());
    for (const outcome of ['delivered', 'retried', 'failed', 'refused', 'dropped']) {
      expect(s.get(`omnigate_webhook_deliveries_total{outcome="${outcome}"}`)).toBe(0);
      // No durations before a try.
      expect(s.get(`omnigate_webhook_delivery_duration_seconds_count{outcome="${outcome}"}`)).toBeUndefined();
    }

    metrics.webhooks.tried('retried', 40);
    metrics.webhooks.tried('delivered', 20);
    metrics.webhooks.tried('delivered', 3000);
    metrics.webhooks.tried('refused', 1);
    s = samples(await metrics.scrape());
    expect(s.get('omnigate_webhook_deliveries_total{outcome="delivered"}')).toBe(2);
    expect(s.get('omnigate_webhook_deliveries_total{outcome="retried"}')).toBe(1);
    expect(s.get('omnigate_webhook_deliveries_total{outcome="refused"}')).toBe(1);
    expect(s.get('omnigate_webhook_deliveries_total{outcome="failed"}')).toBe(0);
    expect(s.get('omnigate_webhook_delivery_duration_seconds_count{outcome="delivered"}')).toBe(2);
    expect(s.get('omnigate_webhook_delivery_duration_seconds_sum{outcome="delivered"}')).toBeCloseTo(3.02);
    expect(s.get('omnigate_webhook_delivery_duration_seconds_bucket{le="0.025",outcome="delivered"}')).toBe(
      1,
    );
    expect(s.get('omnigate_webhook_delivery_duration_seconds_bucket{le="5",outcome="delivered"}')).toBe(2);
    expect(s.get('omnigate_webhook_delivery_duration_seconds_count{outcome="failed"}')).toBeUndefined();
  });
});
