import type { JobResult } from '@omnigate/contracts';
import { formatMs } from './ops-format';
import './hop-timeline.css';

interface Segment {
  kind: 'queued' | 'hop';
  label: string;
  ms: number;
  /** The colour class: one for the queue, one per hop (by its place in the route, four colours). */
  tone: string;
}

/** The queued time, then each hop of the route with its time: what the timeline draws. */
export function timelineSegments(job: Pick<JobResult, 'route' | 'timings'>): Segment[] {
  const segments: Segment[] = [];
  if (job.timings.queuedMs !== undefined) {
    segments.push({ kind: 'queued', label: 'queued', ms: job.timings.queuedMs, tone: 'hop-q' });
  }
  job.route.forEach((hop, i) => {
    if (hop.ms !== undefined)
      segments.push({ kind: 'hop', label: `${hop.adapter} (${hop.task})`, ms: hop.ms, tone: `hop-${i % 4}` });
  });
  return segments;
}

/**
 * A job's time as bars: the time it waited in the queue, then a bar per hop as long as that hop
 * ran, on one scale (the job's total when known), so where the time went shows at a glance.
 * `compact`: the thin bar of a list row, its words in each bar's tooltip and accessible name.
 */
export function HopTimeline({
  job,
  compact = false,
}: {
  job: Pick<JobResult, 'route' | 'timings'>;
  compact?: boolean;
}) {
  const segments = timelineSegments(job);
  if (segments.length === 0) return <span class="muted">no timings yet</span>;
  const hopTimes = segments.some((s) => s.kind === 'hop');
  const sum = segments.reduce((s, x) => s + x.ms, 0);
  const scale = Math.max(sum, job.timings.totalMs ?? 0, 1);
  return (
    <div class={compact ? 'hop-timeline compact' : 'hop-timeline'}>
      <ol class="hop-bars" aria-label={`timeline, ${formatMs(job.timings.totalMs ?? sum)} in all`}>
        {segments.map((s, i) => (
          <li
            key={i}
            class={`hop-bar ${s.kind} ${s.tone}`}
            data-ms={s.ms}
            style={{ width: `${(s.ms / scale) * 100}%` }}
            title={`${s.label}: ${formatMs(s.ms)}`}
            aria-label={`${s.label}: ${formatMs(s.ms)}`}
          >
            {!compact && <span class="hop-bar-text">{formatMs(s.ms)}</span>}
          </li>
        ))}
      </ol>
      {!compact && !hopTimes && job.route.length > 0 && (
        <p class="muted">No hop finished, so no hop has a time.</p>
      )}
      {!compact && (
        <ul class="hop-legend">
          {segments.map((s, i) => (
            <li key={i}>
              <span class={`hop-swatch ${s.tone}`} aria-hidden="true" />
              {s.label} <strong>{formatMs(s.ms)}</strong>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The adapters of a job's route in order (`a → b`), or a dash before it has one. */
export function RouteAdapters({ job }: { job: Pick<JobResult, 'route' | 'fallbacks'> }) {
  if (job.route.length === 0) return <span class="muted">–</span>;
  return (
    <span class="route-adapters">
      {job.route.map((hop, i) => (
        <span key={i}>
          {i > 0 && ' → '}
          <code>{hop.adapter}</code>
        </span>
      ))}
      {job.fallbacks?.length ? (
        <span class="muted">
          {' '}
          (after {job.fallbacks.length} fallback{job.fallbacks.length > 1 ? 's' : ''})
        </span>
      ) : null}
    </span>
  );
}
