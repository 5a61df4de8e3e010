import type { JobResult, OutputPart } from '@omnigate/contracts';
import { useEffect, useState } from 'preact/hooks';
import { apiFetch } from '../../api';
import { ErrorBox } from '../../components/error-box';
import { MediaView, type MediaItem } from '../../media/media-view';
import { href } from '../../router';
import { HopTimeline } from '../hop-timeline';
import { RoutePath } from './route-path';
import type { RunState } from './use-run';

/**
 * A run as it goes and once it ended: the job id, its events live (with progress and the text
 * streamed so far), then its outputs rendered for their modality, the route it took as a hop
 * timeline, the routes it fell back from, warnings and timings; or its error with code and message.
 */
export function RunView({ run, onCancel }: { run: RunState; onCancel: () => void }) {
  const { job } = run;
  const status = job?.status ?? (run.phase === 'done' ? 'error' : run.phase);
  return (
    <section class="run-view" aria-label="Run" aria-busy={run.phase !== 'done'}>
      <header class="run-header">
        <h2>Run</h2>
        <span class="run-status" data-status={status}>
          {run.phase === 'sending' ? 'sending…' : run.phase === 'following' ? 'running…' : status}
        </span>
        {run.jobId && (
          <span>
            job <a href={href(`jobs/${run.jobId}`)}>{run.jobId}</a>
          </span>
        )}
        {run.phase === 'following' && (
          <button type="button" class="outline secondary small" onClick={onCancel}>
            Cancel job
          </button>
        )}
      </header>
      {run.accepted && <EventLog run={run} />}
      <ErrorBox error={run.error} />
      {job && <JobDetails job={job} />}
    </section>
  );
}

/** The job's server-sent events as they arrive, its progress and the text deltas joined. */
function EventLog({ run }: { run: RunState }) {
  return (
    <div class="event-log">
      <h3>Events</h3>
      {run.progress !== undefined && run.phase !== 'done' && (
        <progress value={run.progress} max={1} aria-label="Progress" />
      )}
      <ol aria-label="Job events" aria-live="polite">
        {run.events.map((e, i) => (
          <li key={i} data-event={e.name}>
            <code>{e.name}</code> <small>+{e.at} ms</small> {e.detail && <small>{e.detail}</small>}
          </li>
        ))}
      </ol>
      {run.text && (
        <pre class="streamed-text" aria-label="Streamed text">
          {run.text}
        </pre>
      )}
    </div>
  );
}

function JobDetails({ job }: { job: JobResult }) {
  return (
    <>
      {job.outputs.length > 0 && (
        <div class="outputs">
          <h3>{job.outputs.length === 1 ? 'Output' : `Outputs (${job.outputs.length})`}</h3>
          {job.outputs.map((o, i) => (
            <OutputView key={`${job.id}-${i}`} output={o} index={i} />
          ))}
        </div>
      )}
      {job.warnings.length > 0 && (
        <div class="warnings">
          <h3>Warnings</h3>
          <ul>
            {job.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      {job.route.length > 0 && (
        <div class="route-taken">
          <h3>
            Route taken ({job.route.length} {job.route.length === 1 ? 'hop' : 'hops'})
          </h3>
          <RoutePath route={job.route} label="Route taken" />
          <HopTimeline job={job} />
        </div>
      )}
      {job.fallbacks && job.fallbacks.length > 0 && (
        <details class="fallbacks-tried" open>
          <summary>Routes that failed first ({job.fallbacks.length})</summary>
          {job.fallbacks.map((f, i) => (
            <div key={i}>
              <RoutePath route={f.route} label={`Failed route ${i + 1}`} />
              <p>
                <code>{f.error.code}</code> at {f.adapter}: {f.error.message}
              </p>
            </div>
          ))}
        </details>
      )}
      <dl class="timings">
        <dt>queued</dt>
        <dd>{job.timings.queuedMs ?? '–'} ms</dd>
        <dt>run</dt>
        <dd>{job.timings.runMs ?? '–'} ms</dd>
        <dt>total</dt>
        <dd>{job.timings.totalMs ?? '–'} ms</dd>
        {job.attempts !== undefined && (
          <>
            <dt>attempts</dt>
            <dd>{job.attempts}</dd>
          </>
        )}
      </dl>
    </>
  );
}

const EXTENSIONS: Record<string, string> = {
  'text/plain': 'txt',
  'application/json': 'json',
  'text/csv': 'csv',
  'application/x-ply': 'ply',
  'application/x-pcd': 'pcd',
  'text/x-xyz': 'xyz',
  'audio/mpeg': 'mp3',
  'image/jpeg': 'jpg',
};

/** A file name for an output's download, its extension from its media type. */
export function outputName(output: OutputPart, index: number): string {
  const sub = output.mediaType.split('/')[1]?.split(/[+;]/)[0];
  return `output-${index + 1}.${EXTENSIONS[output.mediaType] ?? sub ?? 'bin'}`;
}

/** One output: its bytes (inline text, base64, or fetched from its blob) shown by {@link MediaView}. */
function OutputView({ output, index }: { output: OutputPart; index: number }) {
  const [item, setItem] = useState<MediaItem>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const controller = new AbortController();
    const base = { mediaType: output.mediaType, modality: output.modality, name: outputName(output, index) };
    bytesOf(output, controller.signal).then(
      (blob) => setItem({ ...base, blob }),
      (err: unknown) => {
        if (!controller.signal.aborted) setError(err);
      },
    );
    return () => controller.abort();
  }, [output, index]);
  return (
    <div
      class="output"
      data-output={index + 1}
      data-media-type={output.mediaType}
      data-blob-id={output.blobId}
    >
      <ErrorBox error={error} />
      {item ? <MediaView item={item} /> : !error && <p aria-busy="true">Fetching the output…</p>}
    </div>
  );
}

async function bytesOf(output: OutputPart, signal: AbortSignal): Promise<Blob> {
  if (output.text !== undefined) return new Blob([output.text], { type: output.mediaType });
  if (output.data !== undefined) {
    const bin = atob(output.data);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new Blob([bytes], { type: output.mediaType });
  }
  const path = output.url ?? (output.blobId ? `/v1/blobs/${encodeURIComponent(output.blobId)}` : undefined);
  if (!path) throw new Error('the output has neither text, data nor a blob');
  const blob = await (await apiFetch(path, { signal })).blob();
  return blob.type === output.mediaType ? blob : new Blob([blob], { type: output.mediaType });
}
