import { isTerminalStatus } from '@omnigate/contracts';
import type { JobStore } from './job-backend';
import type { JobRecord } from './job-record';

/**
 * Waits for a job to end, through the store's one shared subscription. It listens first and
 * reads the record second, so a job that finishes in between is never missed.
 */
export async function waitForJob(
  store: JobStore,
  id: string,
  timeoutMs: number,
): Promise<JobRecord | undefined> {
  return new Promise<JobRecord | undefined>((resolve, reject) => {
    let settled = false;
    const finish = (record: JobRecord | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      resolve(record);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      reject(err);
    };
    const unsubscribe = store.subscribe(id, (event) => {
      if (!isTerminalStatus(event.status)) return;
      if (event.record) finish(event.record);
      else store.get(id).then(finish, fail);
    });
    const timer = setTimeout(() => store.get(id).then(finish, fail), timeoutMs);
    store.get(id).then((record) => {
      if (!record || isTerminalStatus(record.status)) finish(record);
    }, fail);
  });
}
