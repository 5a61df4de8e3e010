import type { JobList, JobResult } from '@omnigate/contracts';
import { ErrorBox } from '../components/error-box';
import { useApi } from '../components/use-api';
import { href, navigate, route } from '../router';
import { HopTimeline, RouteAdapters } from './hop-timeline';
import './jobs.css';
import { JobDetail } from './job-detail';
import { formatMs, formatTime, StatusBadge, TableScroll } from './ops-format';

/** The statuses `GET /v1/jobs?status=` filters by (the contracts' JOB_STATUSES: types only here). */
const STATUSES: JobResult['status'][] = ['queued', 'active', 'completed', 'failed', 'cancelled'];
const PAGE_SIZE = 20;

/**
 * The jobs page (issue 15): `#/jobs` lists recent jobs, newest first (`?status=` filters,
 * `?after=` pages back, `?limit=` sets the page's size); `#/jobs/<id>` is one job. Filter and page live in the URL, so the
 * browser's Back goes to the newer page and a page can be linked.
 */
export function JobsPage() {
  const { rest, params } = route.value;
  if (rest[0]) return <JobDetail id={rest[0]} />;
  const limit = Number(params.get('limit'));
  return (
    <JobListView
      status={params.get('status') ?? ''}
      after={params.get('after') ?? ''}
      limit={Number.isInteger(limit) && limit >= 1 && limit <= 100 ? limit : PAGE_SIZE}
    />
  );
}

function JobListView({ status, after, limit }: { status: string; after: string; limit: number }) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (status) query.set('status', status);
  if (after) query.set('after', after);
  const { data, error, loading, reload } = useApi<JobList>(`/v1/jobs?${query}`);
  const go = (next: { status?: string; after?: string }) => {
    const p: Record<string, string> = limit === PAGE_SIZE ? {} : { limit: String(limit) };
    if (next.status) p.status = next.status;
    if (next.after) p.after = next.after;
    navigate('jobs', Object.keys(p).length ? p : undefined);
  };
  return (
    <section class="jobs-page">
      <h1>Jobs</h1>
      <div class="toolbar">
        <label>
          Status
          <select value={status} onChange={(e) => go({ status: e.currentTarget.value })}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="outline secondary" onClick={reload} aria-busy={loading}>
          Refresh
        </button>
        {after && (
          <button type="button" class="outline secondary" onClick={() => go({ status })}>
            Newest
          </button>
        )}
      </div>
      <ErrorBox error={error} />
      {data && data.data.length === 0 && (
        <p>{after ? 'No older jobs.' : status ? `No ${status} jobs.` : 'No jobs yet.'}</p>
      )}
      {data && data.data.length > 0 && (
        <TableScroll label="Jobs">
          <table class="striped jobs-table">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Route</th>
                <th scope="col">Created</th>
                <th scope="col">Queued / run / total</th>
                <th scope="col">Timeline</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((job) => (
                <JobRow key={job.id} job={job} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {data?.has_more && data.next_cursor && (
        <button type="button" class="outline" onClick={() => go({ status, after: data.next_cursor! })}>
          Older
        </button>
      )}
    </section>
  );
}

function JobRow({ job }: { job: JobResult }) {
  const t = job.timings;
  return (
    <tr>
      <td>
        <a href={href(`jobs/${encodeURIComponent(job.id)}`)} class="mono job-id">
          {job.id}
        </a>
      </td>
      <td>
        <StatusBadge status={job.status} />
        {job.error && (
          <div class="muted">
            <code>{job.error.code}</code>
          </div>
        )}
      </td>
      <td>
        <RouteAdapters job={job} />
      </td>
      <td class="nowrap">{formatTime(job.createdAt)}</td>
      <td class="nowrap">
        {formatMs(t.queuedMs)} / {formatMs(t.runMs)} / {formatMs(t.totalMs)}
      </td>
      <td class="timeline-cell">
        <HopTimeline job={job} compact />
      </td>
    </tr>
  );
}
