import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BlobExpiry } from './blob-expiry';
import type { BlobStore } from './blob-store';

function storeWith(sweep: BlobStore['sweep']): Pick<BlobStore, 'sweep'> {
  return { sweep };
}

describe('BlobExpiry', () => {
  const expiry = new BlobExpiry();

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  });

  afterEach(() => {
    expiry.stop();
    vi.useRealTimers();
  });

  it('sweeps everything older than the ttl on each interval', async () => {
    const sweep = vi.fn<BlobStore['sweep']>().mockResolvedValue(0);
    expiry.start(storeWith(sweep), 60_000, 1_000, () => {});

    await vi.advanceTimersByTimeAsync(2_000);

    expect(sweep).toHaveBeenCalledTimes(2);
    expect(sweep).toHaveBeenLastCalledWith(new Date(Date.parse('2030-01-01T00:00:02Z') - 60_000));
  });

  it('reports sweep errors and keeps going', async () => {
    const failure = new Error('disk gone');
    const sweep = vi.fn<BlobStore['sweep']>().mockRejectedValueOnce(failure).mockResolvedValue(0);
    const onError = vi.fn();
    expiry.start(storeWith(sweep), 60_000, 1_000, onError);

    await vi.advanceTimersByTimeAsync(2_000);

    expect(onError).toHaveBeenCalledExactlyOnceWith(failure);
    expect(sweep).toHaveBeenCalledTimes(2);
  });

  it('does not start a sweep while the previous one runs, and stops', async () => {
    let finish = (): void => {};
    const sweep = vi.fn<BlobStore['sweep']>(() => new Promise((resolve) => (finish = () => resolve(0))));
    expiry.start(storeWith(sweep), 60_000, 1_000, () => {});

    await vi.advanceTimersByTimeAsync(3_000);
    expect(sweep).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sweep).toHaveBeenCalledTimes(2);

    expiry.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sweep).toHaveBeenCalledTimes(2);
  });

  it('refuses an interval setInterval would turn into a busy loop', () => {
    const store = storeWith(vi.fn());
    expect(() => expiry.start(store, 1, 0, () => {})).toThrow(RangeError);
    expect(() => expiry.start(store, 1, Number.NaN, () => {})).toThrow(RangeError);
    expect(() => expiry.start(store, 1, 2 ** 31, () => {})).toThrow(RangeError);
  });
});
