import { isTerminalStatus } from '@omnigate/contracts';
import type { JobStore } from './job-ports';
import type { JobRecord } from './job-record';

/** A wait on one job's end, through the store's one shared subscription. */
export interface JobWatch {
  /** The record once the job ends, or as it stands when the time runs out (undefined if gone). */
  result: Promise<JobRecord | undefined>;
  /** Stops waiting; `result` then never settles. */
  cancel(): void;
}

export interface WatchOptions {
  /** Skips the first read for a job this process has not enqueued yet: it cannot have ended. */
  notQueuedYet?: boolean;
  /** Pieces of streamed text output, in order, as the worker produces them. */
  onDelta?: (delta: string) => void;
}

/**
 * Listens for the job's end first and reads its record second, so a job that finishes in between
 * is never missed.
 */
export function watchJob(
  store: JobStore,
  id: string,
  timeoutMs: number,
  { notQueuedYet = false, onDelta }: WatchOptions = {},
): JobWatch {
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined;
  const cancel = () => {
    clearTimeout(timer);
    unsubscribe();
  };
  const result = new Promise<JobRecord | undefined>((resolve, reject) => {
    let settled = false;
    const finish = (record: JobRecord | undefined) => {
      if (settled) return;
      settled = true;
      cancel();
      resolve(record);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      cancel();
      reject(err);
    };
    unsubscribe = store.subscribe(id, (event) => {
      if (event.delta !== undefined) onDelta?.(event.delta);
      if (!isTerminalStatus(event.status)) return;
      if (event.record) finish(event.record);
      else store.get(id).then(finish, fail);
    });
    timer = setTimeout(() => store.get(id).then(finish, fail), timeoutMs);
    if (!notQueuedYet && !store.endIsAhead?.(id)) {
      store.get(id).then((record) => {
        if (!record || isTerminalStatus(record.status)) finish(record);
      }, fail);
    }
  });
  return { result, cancel };
}

/** Waits for a job that may already be queued or done. */
export function waitForJob(store: JobStore, id: string, timeoutMs: number): Promise<JobRecord | undefined> {
  return watchJob(store, id, timeoutMs).result;
}
