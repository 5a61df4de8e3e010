import type { JobList, ListJobsQuery } from '@omnigate/contracts';
import { listPage } from '../batches/list-page';
import { GatewayError } from '../errors/gateway-error';
import type { JobListPosition, JobListStart, JobStore } from './job-ports';
import type { JobRecord } from './job-record';
import { listedJob } from './job-presenter';

/**
 * Entries of the list one page reads at most. A status filter is checked on each job's record,
 * in the list's order, so that it always agrees with `GET /v1/jobs/:id`; when this many are read
 * before the page is full, the page is answered short (even empty) with `has_more` and a cursor
 * past what was read.
 */
export const MAX_READ_PER_PAGE = 500;
/** Entries a filtered page reads at a time. */
const FILTERED_READ = 100;

/**
 * A page of `GET /v1/jobs`: recent jobs, newest first, after `query.after` (a `next_cursor`, or a
 * job id), only those whose status is `query.status` if it is given. At most MAX_READ_PER_PAGE
 * entries read, in a few reads of the store whatever the list's length.
 */
export async function listJobs(store: JobStore, query: ListJobsQuery): Promise<JobList> {
  const { status, limit } = query;
  let from = query.after === undefined ? undefined : parseAfter(query.after);
  const jobs: JobRecord[] = [];
  let read = 0;
  /** The position of the last entry read: every entry up to it is in `jobs` or left out. */
  let last: JobListPosition | undefined;
  for (;;) {
    const wanted = status ? Math.max(FILTERED_READ, limit - jobs.length) : limit - jobs.length;
    const slice = await store.recent(Math.min(wanted, MAX_READ_PER_PAGE - read), from);
    if (!slice) {
      throw new GatewayError(
        'invalid_request',
        `after: job ${query.after} is not in the list of recent jobs (it expired, or there is no such job)`,
        { after: query.after },
      );
    }
    read += slice.entries.length;
    for (const { at, record } of slice.entries) {
      const matches = record !== undefined && (!status || record.status === status);
      // One more job than the page holds: the page ends before it.
      if (matches && jobs.length === limit) return page(jobs, last);
      if (matches) jobs.push(record);
      last = at;
    }
    if (!slice.more) return page(jobs);
    if (jobs.length === limit || read >= MAX_READ_PER_PAGE) return page(jobs, last);
    from = { at: last! };
  }
}

/** The page of `jobs`; `next`: where the next one starts, when more may follow. */
function page(jobs: JobRecord[], next?: JobListPosition): JobList {
  return {
    ...listPage(jobs.map(listedJob), next !== undefined),
    next_cursor: next === undefined ? null : cursorOf(next),
  };
}

/** A `next_cursor`: opaque to callers. */
export function cursorOf(at: JobListPosition): string {
  return Buffer.from(`j${at}`).toString('base64url');
}

/** `after`: a cursor (exactly as `cursorOf` makes it), else a job id. */
function parseAfter(after: string): JobListStart {
  const text = Buffer.from(after, 'base64url').toString('latin1');
  if (text.startsWith('j')) {
    const at = Number(text.slice(1));
    if (Number.isSafeInteger(at) && at >= 0 && cursorOf(at) === after) return { at };
  }
  return { id: after };
}
