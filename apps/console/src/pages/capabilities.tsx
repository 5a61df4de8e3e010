import type { RouteStep } from '@omnigate/contracts';
import { ErrorBox } from '../components/error-box';
import { useApi } from '../components/use-api';
import { href } from '../router';
import './capabilities.css';

interface Capabilities {
  modalities: string[];
  routable: number;
  pairs: number;
  matrix: { from: string; to: string; route: RouteStep[] | null }[];
}

/**
 * The capabilities page (issue 15): the modality matrix of `GET /v1/capabilities`, a row per
 * input modality and a column per output modality. Each cell names the hops the router would take
 * (adapter and task) and links to the playground preset for that pair; a pair with no route says so.
 */
export function CapabilitiesPage() {
  const { data, error, loading, reload } = useApi<Capabilities>('/v1/capabilities');
  return (
    <section class="capabilities">
      <h1>Capabilities</h1>
      <ErrorBox error={error} />
      {loading && !data && <p aria-busy="true">Asking the gateway…</p>}
      {data && (
        <>
          <p>
            <strong>
              {data.routable} of {data.pairs}
            </strong>{' '}
            input → output pairs have a route. A cell shows the route the router would take; open one to try
            it in the playground.{' '}
            <button type="button" class="outline secondary small" onClick={reload}>
              Reload
            </button>
          </p>
          <Matrix data={data} />
        </>
      )}
    </section>
  );
}

function Matrix({ data }: { data: Capabilities }) {
  const cell = new Map(data.matrix.map((m) => [`${m.from}>${m.to}`, m.route]));
  return (
    <div class="matrix-scroll" tabIndex={0} role="region" aria-label="Modality matrix (scrolls sideways)">
      <table class="matrix striped">
        <caption>Rows: input modality · columns: output modality</caption>
        <thead>
          <tr>
            <th scope="col">from ↓ / to →</th>
            {data.modalities.map((to) => (
              <th key={to} scope="col">
                {to}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.modalities.map((from) => (
            <tr key={from}>
              <th scope="row">{from}</th>
              {data.modalities.map((to) => (
                <Cell key={to} from={from} to={to} route={cell.get(`${from}>${to}`) ?? null} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Cell({ from, to, route }: { from: string; to: string; route: RouteStep[] | null }) {
  if (!route) {
    return (
      <td class="no-route" data-pair={`${from}>${to}`}>
        <span aria-label={`${from} to ${to}: no route`}>—</span>
      </td>
    );
  }
  const hops = `${route.length} ${route.length === 1 ? 'hop' : 'hops'}`;
  return (
    <td data-pair={`${from}>${to}`} data-hops={route.length}>
      <a
        href={href('playground', { in: from, out: to })}
        aria-label={`${from} to ${to}: ${hops}, ${route.map((h) => `${h.adapter} ${h.task}`).join(', then ')}`}
      >
        <span class="hops">{hops}</span>
        {route.map((h, i) => (
          <span key={i} class="cell-hop">
            {h.adapter.replace(/^builtin\./, '')} · {h.task}
          </span>
        ))}
      </a>
    </td>
  );
}
