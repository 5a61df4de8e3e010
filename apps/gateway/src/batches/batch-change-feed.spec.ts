import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalClusterBus } from '../queue/cluster-bus';
import { BATCH_CHANGED } from '../jobs/bus-topics';
import { BatchChangeFeed } from './batch-change-feed';

describe('BatchChangeFeed', () => {
  afterEach(() => vi.useRealTimers());

  it('passes status changes at once and to the watchers of that batch only', async () => {
    const feed = new BatchChangeFeed(new LocalClusterBus());
    feed.start();
    const seen: string[] = [];
    const stopA = feed.watch('batch_a', () => seen.push('a'));
    feed.watch('batch_b', () => seen.push('b'));
    await feed.changed('batch_a');
    expect(seen).toEqual(['a']);
    stopA();
    await feed.changed('batch_a');
    expect(seen).toEqual(['a']);
    feed.stop();
  });

  it('publishes count changes at most once per period, the last one always', async () => {
    vi.useFakeTimers();
    const bus = new LocalClusterBus();
    const published: unknown[] = [];
    bus.subscribe(BATCH_CHANGED, (m) => published.push(m));
    const feed = new BatchChangeFeed(bus, 250);
    for (let i = 0; i < 100; i++) feed.counted('batch_a');
    feed.counted('batch_b');
    expect(published).toEqual([]);
    await vi.advanceTimersByTimeAsync(250);
    expect(published).toEqual([{ batchId: 'batch_a' }, { batchId: 'batch_b' }]);
    feed.counted('batch_a');
    await vi.advanceTimersByTimeAsync(250);
    expect(published).toHaveLength(3);
    feed.counted('batch_a');
    feed.stop();
    await vi.advanceTimersByTimeAsync(500);
    expect(published).toHaveLength(3);
  });
});
