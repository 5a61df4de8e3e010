import type { JobResult } from '@omnigate/contracts';

/**
 * Where a job's time went: its queued time, then a bar per hop of the route it took, each as long
 * as its share of the whole, so the slow hop stands out. The numbers are written too (bars alone
 * say nothing to a screen reader).
 */
export function HopTimeline({ job }: { job: Pick<JobResult, 'route' | 'timings'> }) {
  const queued = job.timings.queuedMs ?? 0;
  const hops = job.route.map((h) => ({ ...h, ms: h.ms ?? 0 }));
  const total = Math.max(1, queued + hops.reduce((sum, h) => sum + h.ms, 0));
  const share = (ms: number) => `${Math.max(0.5, (ms / total) * 100).toFixed(2)}%`;
  return (
    <ol class="hop-timeline" aria-label="Hop timeline">
      <li class="timeline-row queued">
        <span class="timeline-label">queued</span>
        <span class="timeline-track">
          <span class="timeline-bar" style={{ width: share(queued) }} />
        </span>
        <span class="timeline-ms">{queued} ms</span>
      </li>
      {hops.map((hop, i) => (
        <li key={i} class="timeline-row hop" data-hop={i + 1}>
          <span class="timeline-label">
            {i + 1}. {hop.adapter} · {hop.task}{' '}
            <small>
              ({hop.from.join(' + ')} → {hop.to})
            </small>
          </span>
          <span class="timeline-track">
            <span
              class="timeline-bar"
              data-ms={hop.ms}
              style={{
                width: share(hop.ms),
                marginLeft: `${((offset(queued, hops, i) / total) * 100).toFixed(2)}%`,
              }}
            />
          </span>
          <span class="timeline-ms">{hop.ms} ms</span>
        </li>
      ))}
    </ol>
  );
}

/** The time before hop `i` starts: the queue, then the hops before it. */
function offset(queued: number, hops: { ms: number }[], i: number): number {
  return queued + hops.slice(0, i).reduce((sum, h) => sum + h.ms, 0);
}
