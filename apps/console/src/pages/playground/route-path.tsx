import type { RouteStep } from '@omnigate/contracts';

/**
 * A route drawn as a path of hops, each with its adapter, task and from → to modalities, arrows
 * between them. An ordered list, so a screen reader reads it as steps.
 */
export function RoutePath({ route, label }: { route: RouteStep[]; label: string }) {
  return (
    <ol class="route-path" aria-label={label}>
      {route.map((hop, i) => (
        <li key={i} class="route-hop" data-hop={i + 1}>
          <strong class="hop-adapter">{hop.adapter}</strong>
          <span class="hop-task">{hop.task}</span>
          <span class="hop-modalities">
            {hop.from.join(' + ')} → {hop.to}
          </span>
          {hop.domain && <span class="hop-domain">domain {hop.domain}</span>}
        </li>
      ))}
    </ol>
  );
}

/** The planned route and, folded, the routes the job would fall back to in order. */
export function PlannedRoute({ route, alternatives }: { route: RouteStep[]; alternatives: RouteStep[][] }) {
  return (
    <div class="planned-route">
      <p class="route-summary">
        <strong>
          {route.length} {route.length === 1 ? 'hop' : 'hops'}
        </strong>{' '}
        · {alternatives.length} {alternatives.length === 1 ? 'fallback' : 'fallbacks'}
      </p>
      <RoutePath route={route} label="Planned route" />
      {alternatives.length > 0 && (
        <details class="fallbacks">
          <summary>Fallbacks ({alternatives.length})</summary>
          <ol>
            {alternatives.map((alt, i) => (
              <li key={i}>
                <RoutePath route={alt} label={`Fallback ${i + 1}`} />
              </li>
            ))}
          </ol>
        </details>
      )}
    </div>
  );
}
