import type { BlobStore } from './blob-store';

/** Periodically removes blobs not written for `ttlMs`. The timer never keeps the process alive. */
export class BlobExpiry {
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  start(
    store: Pick<BlobStore, 'sweep'>,
    ttlMs: number,
    intervalMs: number,
    onError: (err: unknown) => void,
  ): void {
    // setInterval turns 0, NaN and anything past 2^31-1 into 1 ms: a busy loop, not an expiry.
    if (!(intervalMs >= 1 && intervalMs <= 2 ** 31 - 1)) {
      throw new RangeError(`blob expiry interval must be 1..${2 ** 31 - 1} ms, got ${intervalMs}`);
    }
    this.stop();
    this.timer = setInterval(() => void this.sweepOnce(store, ttlMs, onError), intervalMs);
    this.timer.unref();
  }

  /** Nest calls this on shutdown. */
  onApplicationShutdown(): void {
    this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async sweepOnce(
    store: Pick<BlobStore, 'sweep'>,
    ttlMs: number,
    onError: (err: unknown) => void,
  ): Promise<void> {
    if (this.sweeping) return; // a slow sweep must not pile up behind itself
    this.sweeping = true;
    try {
      await store.sweep(new Date(Date.now() - ttlMs));
    } catch (err) {
      onError(err);
    } finally {
      this.sweeping = false;
    }
  }
}
