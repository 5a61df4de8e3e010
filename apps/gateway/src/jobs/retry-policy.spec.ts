import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, retryDelayMs } from './retry-policy';

const policy = { attempts: 5, backoffMs: 1000 };

describe('retryDelayMs', () => {
  it('doubles per attempt, with up to half of each wait random', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n, undefined, () => 0))).toEqual([500, 1000, 2000]);
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n, undefined, () => 1))).toEqual([1000, 2000, 4000]);
  });

  it('spreads the retries of many jobs', () => {
    const waits = new Set(Array.from({ length: 50 }, () => retryDelayMs(policy, 2)));
    expect(waits.size).toBeGreaterThan(10);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(1000);
  });

  it("waits at least as long as the upstream's Retry-After, within a bound", () => {
    expect(retryDelayMs(policy, 1, 7000, () => 0)).toBe(7000);
    expect(retryDelayMs(policy, 1, 10 * MAX_RETRY_AFTER_MS, () => 0)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryDelayMs(policy, 3, 100, () => 0)).toBe(2000);
  });
});
