import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/app-config';
import { testHop } from '../jobs/job-record.testing';
import { InlineJobBackend } from '../queue/inline-job-backend';
import { sharedAbortController } from './shared-abort';

/** Node's process warnings while a test runs (emitted a tick after their cause). */
let warnings: string[];
const onWarning = (warning: Error) => void warnings.push(warning.name);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => void process.off('warning', onWarning));
const settled = () => new Promise((resolve) => setTimeout(resolve, 10));

/** `count` listeners on `signal`, as `count` hops under way follow it; they resolve on its abort. */
function follow(signal: AbortSignal, count: number): Promise<unknown>[] {
  return Array.from(
    { length: count },
    () => new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
  );
}

describe('sharedAbortController', () => {
  it('takes more than ten listeners without a leak warning, where a plain controller warns', async () => {
    const plain = new AbortController();
    follow(plain.signal, 11);
    await settled();
    expect(warnings).toEqual(['MaxListenersExceededWarning']);

    warnings = [];
    const shared = sharedAbortController();
    const followers = follow(shared.signal, 50);
    await settled();
    expect(warnings).toEqual([]);
    shared.abort();
    expect(await Promise.all(followers)).toHaveLength(50);
  });

  it("is the in-process queue's: twelve hops running at once follow its signal without a warning", async () => {
    const backend = new InlineJobBackend(
      loadConfig({ QUEUE_DRIVER: 'inline' }).queue,
      pino({ level: 'silent' }),
    );
    const aborted: string[] = [];
    await backend.hops.work('a', { concurrency: 12 }, (hop, run) =>
      Promise.all(follow(run.signal, 1)).then(() => void aborted.push(hop.jobId)),
    );
    for (let i = 0; i < 12; i++) await backend.hops.add(testHop(`j${i}`), { priority: 5 });
    await settled();
    expect(warnings).toEqual([]);
    // The close's grace over, the signal they follow aborts every one.
    await backend.close(1);
    expect(aborted).toHaveLength(12);
  });
});
