import type { AdapterDescriptor } from '@omnigate/contracts';
import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox } from '../components/error-box';
import { useApi } from '../components/use-api';
import { allows } from '../session';
import { AdapterForm } from './adapter-form';
import { formatTime, StatusBadge, TableScroll } from './ops-format';
import './adapters.css';

/** An adapter as `GET /v1/adapters` lists it (apps/gateway/src/adapters/adapters.controller.ts). */
export interface AdapterView extends AdapterDescriptor {
  /** Where it came from: `builtin`, `openai` (OPENAI_BACKENDS), `module` (ADAPTER_MODULES), `remote` (registered). */
  source: string;
  /** The runtime registration it belongs to, without secrets. */
  registration?: { id: string; kind: 'http' | 'openai-compatible'; url: string };
  queue: string;
  health: { state: 'closed' | 'open' | 'half-open' | 'unhealthy'; failures: number; retryAt?: string };
}

/** What a breaker state means to someone reading the table. */
const HEALTH_WORDS: Record<AdapterView['health']['state'], string> = {
  closed: 'healthy',
  'half-open': 'on trial',
  open: 'breaker open',
  unhealthy: 'probe failing',
};

/**
 * The adapters page (issue 15): every adapter of the gateway with where it came from, what it can
 * do, and its health; adapters registered at runtime, a form to register one, and deleting one
 * (those two need the `admin` scope: without it they are disabled, and the page says why).
 */
export function AdaptersPage() {
  const { data, error, loading, reload } = useApi<{ adapters: AdapterView[] }>('/v1/adapters');
  const [filter, setFilter] = useState('');
  const admin = allows('admin');
  const needle = filter.trim().toLowerCase();
  const shown = (data?.adapters ?? []).filter(
    (a) =>
      needle === '' ||
      [
        a.id,
        a.source,
        a.domain ?? '',
        ...a.capabilities.flatMap((c) => [c.task, ...c.inputs, c.output]),
      ].some((word) => word.toLowerCase().includes(needle)),
  );
  return (
    <section class="adapters-page">
      <h1>Adapters</h1>
      {!admin && (
        <p class="note" role="note">
          Registering and deleting adapters needs a key with the <code>admin</code> scope; this key can only
          look.
        </p>
      )}
      <Registrations adapters={data?.adapters ?? []} admin={admin} onChange={reload} />
      <details class="register">
        <summary role="button" class="outline">
          Register an adapter
        </summary>
        <AdapterForm disabled={!admin} onRegistered={reload} />
      </details>
      <h2>All adapters</h2>
      <div class="toolbar">
        <label>
          Filter
          <input
            type="search"
            placeholder="id, task, modality…"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
          />
        </label>
        <button type="button" class="outline secondary" onClick={reload} aria-busy={loading}>
          Refresh
        </button>
        {data && (
          <span class="muted">
            {shown.length} of {data.adapters.length}
          </span>
        )}
      </div>
      <ErrorBox error={error} />
      {data && (
        <TableScroll label="Adapters">
          <table class="striped adapters-table">
            <thead>
              <tr>
                <th scope="col">Adapter</th>
                <th scope="col">Source</th>
                <th scope="col">Capabilities</th>
                <th scope="col">Health</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((a) => (
                <AdapterRow key={a.id} adapter={a} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

function AdapterRow({ adapter: a }: { adapter: AdapterView }) {
  return (
    <tr data-adapter={a.id}>
      <td>
        <code>{a.id}</code> <span class="muted">v{a.version}</span>
        {a.domain && <div class="muted">domain: {a.domain}</div>}
        {a.description && <div class="muted">{a.description}</div>}
      </td>
      <td>
        {a.source}
        {a.registration && (
          <div class="muted">
            {a.registration.kind} · <span class="mono">{a.registration.url}</span>
          </div>
        )}
      </td>
      <td>
        <ul class="caps">
          {a.capabilities.map((c, i) => (
            <li key={i}>
              <span class="nowrap">
                {c.inputs.join(' + ')} → {c.output}
              </span>{' '}
              <code>{c.task}</code>
            </li>
          ))}
        </ul>
      </td>
      <td>
        <StatusBadge status={a.health.state} /> <span class="muted">{HEALTH_WORDS[a.health.state]}</span>
        {a.health.failures > 0 && <div class="muted">{a.health.failures} failures in a row</div>}
        {a.health.retryAt && <div class="muted">trial at {formatTime(a.health.retryAt)}</div>}
      </td>
    </tr>
  );
}

/** The registrations made at runtime (one may bring several adapters), each with Delete. */
function Registrations({
  adapters,
  admin,
  onChange,
}: {
  adapters: AdapterView[];
  admin: boolean;
  onChange: () => void;
}) {
  const byId = new Map<string, { registration: NonNullable<AdapterView['registration']>; ids: string[] }>();
  for (const a of adapters) {
    if (!a.registration) continue;
    const entry = byId.get(a.registration.id) ?? { registration: a.registration, ids: [] };
    entry.ids.push(a.id);
    byId.set(a.registration.id, entry);
  }
  return (
    <>
      <h2>Registered at runtime</h2>
      {byId.size === 0 ? (
        <p class="muted">None: every adapter here comes with the gateway or its configuration.</p>
      ) : (
        <TableScroll label="Registered adapters">
          <table class="registrations">
            <thead>
              <tr>
                <th scope="col">Registration</th>
                <th scope="col">Kind</th>
                <th scope="col">URL</th>
                <th scope="col">Adapters</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {[...byId.values()].map(({ registration, ids }) => (
                <RegistrationRow
                  key={registration.id}
                  registration={registration}
                  ids={ids}
                  admin={admin}
                  onDeleted={onChange}
                />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}

/** One registration; Delete asks to confirm in place before it calls `DELETE /v1/adapters/:id`. */
function RegistrationRow({
  registration,
  ids,
  admin,
  onDeleted,
}: {
  registration: NonNullable<AdapterView['registration']>;
  ids: string[];
  admin: boolean;
  onDeleted: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api(`/v1/adapters/${encodeURIComponent(registration.id)}`, { method: 'DELETE' });
      setConfirming(false);
      onDeleted();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-registration={registration.id}>
      <td>
        <code>{registration.id}</code>
      </td>
      <td>{registration.kind}</td>
      <td class="mono">{registration.url}</td>
      <td>
        {ids.map((id) => (
          <div key={id}>
            <code>{id}</code>
          </div>
        ))}
      </td>
      <td class="actions">
        {confirming ? (
          <div role="group" aria-label={`Confirm deleting ${registration.id}`}>
            <button type="button" class="small danger" onClick={remove} aria-busy={busy}>
              Delete {registration.id}
            </button>
            <button type="button" class="small outline secondary" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </div>
        ) : (
          <button
            type="button"
            class="small outline secondary"
            disabled={!admin}
            title={admin ? undefined : 'needs a key with the admin scope'}
            aria-label={`Delete registration ${registration.id}`}
            onClick={() => setConfirming(true)}
          >
            Delete…
          </button>
        )}
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}
