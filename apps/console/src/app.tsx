import type { ComponentChildren } from 'preact';
import { useErrorBoundary, useState } from 'preact/hooks';
import { ErrorBox } from './components/error-box';
import { href, route } from './router';
import { allows, currentKey, forgetKey, refreshSession, session } from './session';
import { PAGES } from './pages';

/** The console: a navigation bar, the key prompt when the gateway needs a key, and the page of the route. */
export function App() {
  const s = session.value;
  const current = PAGES.find((p) => p.path === route.value.page) ?? PAGES[0];
  return (
    <>
      <header class="container-fluid topbar">
        <nav aria-label="Pages">
          <ul>
            <li>
              <a href={href('playground')} class="brand">
                <strong>omnigate</strong>
              </a>
            </li>
          </ul>
          <ul class="pages">
            {PAGES.map((p) => (
              <li key={p.path}>
                <a
                  href={href(p.path)}
                  aria-current={p === current ? 'page' : undefined}
                  class={s.state === 'ready' && !allows(p.scope) ? 'denied' : undefined}
                >
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
          <ul>
            <li>
              <KeyBadge />
            </li>
          </ul>
        </nav>
      </header>
      <main class="container-fluid">
        {s.state === 'loading' && <p aria-busy="true">Connecting to the gateway…</p>}
        {s.state === 'need-key' && <KeyPrompt error={s.error} />}
        {s.state === 'ready' &&
          (allows(current.scope) ? (
            <PageBoundary key={current.path}>
              <current.component />
            </PageBoundary>
          ) : (
            <div class="error" role="alert">
              <strong>
                <code>forbidden</code>
              </strong>
              : the key "{s.who.key?.name}" does not have the "{current.scope}" scope that the {current.title}{' '}
              page needs. Its scopes: {s.who.key?.scopes.join(', ')}.
            </div>
          ))}
      </main>
    </>
  );
}

/** Which key the tab uses, its scopes, and a way to change it. */
function KeyBadge() {
  const s = session.value;
  if (s.state !== 'ready' || !s.who.keysRequired) return null;
  return (
    <span class="key-badge">
      <span title={`scopes: ${s.who.key?.scopes.join(', ')}`}>
        key <strong>{s.who.key?.name}</strong> ({s.who.key?.scopes.join(', ')})
      </span>{' '}
      <button type="button" class="outline secondary small" onClick={forgetKey}>
        Change key
      </button>
    </span>
  );
}

/** Asks for a key once per tab (kept in session storage, sent as a bearer token). */
function KeyPrompt({ error }: { error?: string }) {
  const [key, setKey] = useState(currentKey() ?? '');
  const [busy, setBusy] = useState(false);
  return (
    <article class="key-prompt">
      <h2>API key</h2>
      <p>
        This gateway needs an API key (<code>API_KEYS</code> is set). It is kept in this tab only (session
        storage) and sent as <code>Authorization: Bearer</code>.
      </p>
      {error && (
        <p class="error" role="alert">
          <code>unauthorized</code>: {error}
        </p>
      )}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          await refreshSession(key.trim());
          setBusy(false);
        }}
      >
        <label>
          Key
          <input
            type="password"
            name="key"
            autocomplete="off"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            required
          />
        </label>
        <button type="submit" aria-busy={busy}>
          Use this key
        </button>
      </form>
    </article>
  );
}

/**
 * A page that throws while drawing shows the error, with a way back, instead of a blank page
 * (the navigation stays usable; another page starts afresh).
 */
function PageBoundary({ children }: { children: ComponentChildren }) {
  const [error, reset] = useErrorBoundary();
  if (!error) return <>{children}</>;
  return (
    <>
      <ErrorBox error={error} />
      <button type="button" class="outline" onClick={reset}>
        Try again
      </button>
    </>
  );
}
