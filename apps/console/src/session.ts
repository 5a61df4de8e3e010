import { signal } from '@preact/signals';

/** The key a person gave this tab: kept in session storage (gone with the tab), sent as a bearer token. */
const STORAGE = 'omnigate.key';

export type Scope = 'infer' | 'batch' | 'admin' | 'metrics';

export interface Whoami {
  keysRequired: boolean;
  key: { name: string; scopes: Scope[] } | null;
}

/** Who the console is: unknown until asked, then what `GET /v1/whoami` said (or that a key is needed). */
export const session = signal<
  { state: 'loading' } | { state: 'need-key'; error?: string } | { state: 'ready'; who: Whoami }
>({
  state: 'loading',
});

export function currentKey(): string | undefined {
  return sessionStorage.getItem(STORAGE) ?? undefined;
}

/** Asks the gateway who the stored key (or no key) is; a refused key is forgotten. */
export async function refreshSession(key?: string): Promise<void> {
  if (key !== undefined) sessionStorage.setItem(STORAGE, key);
  const stored = currentKey();
  const res = await fetch('/v1/whoami', {
    headers: stored ? { authorization: `Bearer ${stored}` } : {},
  }).catch(() => undefined);
  if (res?.ok) {
    session.value = { state: 'ready', who: (await res.json()) as Whoami };
    return;
  }
  if (res?.status === 401) {
    sessionStorage.removeItem(STORAGE);
    session.value = { state: 'need-key', ...(stored ? { error: 'the gateway refused this key (401)' } : {}) };
    return;
  }
  session.value = {
    state: 'need-key',
    error: res ? `GET /v1/whoami answered ${res.status}` : 'the gateway did not answer',
  };
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE);
  void refreshSession();
}

/** Whether the session's key has `scope` (always, when the gateway needs no key). */
export function allows(scope: Scope): boolean {
  const s = session.value;
  if (s.state !== 'ready') return false;
  return !s.who.keysRequired || (s.who.key?.scopes.includes(scope) ?? false);
}
