import type { JobResult, OutputPart } from '@omnigate/contracts';
import { useEffect, useState } from 'preact/hooks';
import { api, apiFetch } from '../api';
import { ErrorBox } from '../components/error-box';
import { useApi } from '../components/use-api';
import { MediaView, type MediaItem } from '../media/media-view';
import { href } from '../router';
import { HopTimeline, RouteAdapters } from './hop-timeline';
import { formatMs, formatTime, StatusBadge, TableScroll } from './ops-format';

/** How often a job that has not ended is read again. */
const POLL_MS = 1000;

const isTerminal = (status: JobResult['status']) =>
  status === 'completed' || status === 'failed' || status === 'cancelled';

/**
 * One job (`#/jobs/<id>`): its status, what its inputs were detected as, its route and timeline,
 * its outputs shown for what they are, its error and warnings; read again every second until it
 * ends, with a Cancel button while it is queued or running.
 */
export function JobDetail({ id }: { id: string }) {
  const { data: job, error, reload } = useApi<JobResult>(`/v1/jobs/${encodeURIComponent(id)}`);
  const [cancelError, setCancelError] = useState<unknown>();
  const [cancelling, setCancelling] = useState(false);
  const running = job !== undefined && !isTerminal(job.status);
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [job, running, reload]);

  const cancel = async () => {
    setCancelling(true);
    setCancelError(undefined);
    try {
      await api(`/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
      reload();
    } catch (err) {
      setCancelError(err);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <section class="job-detail">
      <p>
        <a href={href('jobs')}>← Jobs</a>
      </p>
      <h1>
        Job <span class="mono">{id}</span>
      </h1>
      <ErrorBox error={error} />
      {job && (
        <>
          <div class="toolbar">
            <StatusBadge status={job.status} />
            {running && (
              <span aria-busy="true" class="muted">
                refreshing every second
              </span>
            )}
            {running && (
              <button type="button" class="outline secondary" onClick={cancel} aria-busy={cancelling}>
                Cancel job
              </button>
            )}
          </div>
          <ErrorBox error={cancelError} />
          {job.error && (
            <div class="error" role="alert">
              <strong>
                <code>{job.error.code}</code>
              </strong>
              : {job.error.message}
            </div>
          )}
          <dl class="facts">
            <dt>Created</dt>
            <dd>{formatTime(job.createdAt)}</dd>
            <dt>Finished</dt>
            <dd>{formatTime(job.finishedAt)}</dd>
            <dt>Timings</dt>
            <dd>
              queued {formatMs(job.timings.queuedMs)} · ran {formatMs(job.timings.runMs)} · total{' '}
              {formatMs(job.timings.totalMs)}
            </dd>
            <dt>Attempts</dt>
            <dd>{job.attempts ?? '–'}</dd>
            <dt>Trace</dt>
            <dd class="mono">{job.traceId ?? '–'}</dd>
            <dt>Route</dt>
            <dd>
              <RouteAdapters job={job} />
            </dd>
          </dl>
          {job.warnings.length > 0 && (
            <article class="warnings">
              <h2>Warnings</h2>
              <ul>
                {job.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </article>
          )}
          <h2>Timeline</h2>
          <HopTimeline job={job} />
          <Hops job={job} />
          <Inputs job={job} />
          <h2>Outputs</h2>
          {job.outputs.length === 0 ? (
            <p class="muted">{isTerminal(job.status) ? 'No outputs.' : 'Not yet.'}</p>
          ) : (
            <Outputs key={`${job.id}:${job.status}`} job={job} />
          )}
        </>
      )}
    </section>
  );
}

/** The hops of the route, and the routes tried before it (fallbacks) with why they failed. */
function Hops({ job }: { job: JobResult }) {
  if (job.route.length === 0 && !job.fallbacks?.length) return null;
  return (
    <>
      <TableScroll label="Hops">
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Adapter</th>
              <th scope="col">Task</th>
              <th scope="col">From → to</th>
              <th scope="col">Time</th>
            </tr>
          </thead>
          <tbody>
            {job.route.map((hop, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td>
                  <code>{hop.adapter}</code>
                  {hop.domain && <span class="muted"> ({hop.domain})</span>}
                </td>
                <td>{hop.task}</td>
                <td class="nowrap">
                  {hop.from.join(' + ')} → {hop.to}
                </td>
                <td class="nowrap">{formatMs(hop.ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {job.fallbacks?.map((f, i) => (
        <details key={i}>
          <summary>
            Fallback {i + 1}: <code>{f.adapter}</code> failed with <code>{f.error.code}</code>
          </summary>
          <p>{f.error.message}</p>
          <p>Route tried: {f.route.map((h) => h.adapter).join(' → ')}</p>
        </details>
      ))}
    </>
  );
}

/** What each input was detected as. */
function Inputs({ job }: { job: JobResult }) {
  if (job.detected.length === 0) return null;
  return (
    <>
      <h2>Inputs (detected)</h2>
      <TableScroll label="Inputs">
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Modality</th>
              <th scope="col">Media type</th>
              <th scope="col">Confidence</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {job.detected.map((d, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td>{d.modality}</td>
                <td>
                  <code>{d.mediaType}</code>
                </td>
                <td>{Math.round(d.confidence * 100)}%</td>
                <td>
                  {d.reason}
                  {d.meta && Object.keys(d.meta).length > 0 && (
                    <details class="meta">
                      <summary>metadata</summary>
                      <pre>{JSON.stringify(d.meta, null, 2)}</pre>
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}

/** The bytes of an output: its text, its inline base64, or its blob read from the gateway. */
async function outputBlob(part: OutputPart): Promise<Blob> {
  if (part.text !== undefined) return new Blob([part.text], { type: part.mediaType });
  if (part.data !== undefined) {
    const bytes = Uint8Array.from(atob(part.data), (c) => c.charCodeAt(0));
    return new Blob([bytes], { type: part.mediaType });
  }
  if (part.blobId !== undefined) {
    const res = await apiFetch(`/v1/blobs/${encodeURIComponent(part.blobId)}`);
    return new Blob([await res.arrayBuffer()], { type: part.mediaType });
  }
  throw new Error('the output has neither text, data nor a blob');
}

function Outputs({ job }: { job: JobResult }) {
  const [items, setItems] = useState<(MediaItem | { error: unknown })[]>();
  useEffect(() => {
    let live = true;
    void Promise.all(
      job.outputs.map((part, i) =>
        outputBlob(part).then(
          (blob): MediaItem => ({
            blob,
            mediaType: part.mediaType,
            modality: part.modality,
            name: `${job.id}-${i + 1}${extensionOf(part.mediaType)}`,
          }),
          (error: unknown) => ({ error }),
        ),
      ),
    ).then((loaded) => {
      if (live) setItems(loaded);
    });
    return () => {
      live = false;
    };
  }, [job]);
  if (!items) return <p aria-busy="true">Loading the outputs…</p>;
  return (
    <div class="job-outputs">
      {items.map((item, i) =>
        'error' in item ? <ErrorBox key={i} error={item.error} /> : <MediaView key={i} item={item} />,
      )}
    </div>
  );
}

/** A file name extension for a media type's downloads (`image/webp` → `.webp`, `text/plain` → `.txt`). */
function extensionOf(mediaType: string): string {
  const known: Record<string, string> = { 'text/plain': '.txt', 'application/json': '.json' };
  if (known[mediaType]) return known[mediaType];
  const sub = /^[a-z]+\/(?:x-)?([a-z0-9]{1,8})$/i.exec(mediaType)?.[1];
  return sub ? `.${sub}` : '';
}
