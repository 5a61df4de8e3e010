/** How a hop that failed retryably is tried again. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The first retry waits about this long; each later one about twice the one before. */
  backoffMs: number;
}

/** An upstream's `Retry-After` is honoured up to this; a longer wait is not worth holding a job for. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The wait before try `attemptsMade + 1`: exponential backoff with "equal jitter" (half fixed,
 * half random, so retries of many jobs spread out), but never shorter than what the upstream asked
 * for with `Retry-After`.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attemptsMade: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exponential = policy.backoffMs * 2 ** Math.max(0, attemptsMade - 1);
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)));
}
