import { describe, expect, it } from 'vitest';
import { samples } from '../../../../test/metrics-samples';
import { GatewayMetrics } from './gateway-metrics';

describe('blob metrics', () => {
  it('count bytes written and read by store, one bound pair of counters per store', async () => {
    const metrics = new GatewayMetrics(new Map(), false);
    const fs = metrics.blobs.traffic('fs');
    const redis = metrics.blobs.traffic('redis');
    // A second store on the same backend (the workers' tiered store) adds to the same series.
    const workersFs = metrics.blobs.traffic('fs');
    let s = samples(await metrics.scrape());
    expect(s.get('omnigate_blob_written_bytes_total{store="fs"}')).toBe(0);
    expect(s.get('omnigate_blob_read_bytes_total{store="redis"}')).toBe(0);
    // Only the stores given out have series.
    expect(s.get('omnigate_blob_written_bytes_total{store="memory"}')).toBeUndefined();

    fs.written(1000);
    workersFs.written(24);
    fs.read(300);
    redis.written(12);
    redis.read(12);
    redis.read(5);
    s = samples(await metrics.scrape());
    expect(s.get('omnigate_blob_written_bytes_total{store="fs"}')).toBe(1024);
    expect(s.get('omnigate_blob_read_bytes_total{store="fs"}')).toBe(300);
    expect(s.get('omnigate_blob_written_bytes_total{store="redis"}')).toBe(12);
    expect(s.get('omnigate_blob_read_bytes_total{store="redis"}')).toBe(17);
  });
});
