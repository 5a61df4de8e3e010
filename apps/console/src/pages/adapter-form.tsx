import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { ErrorBox } from '../components/error-box';

/** The model kinds of an `openai-compatible` registration (the contracts' OPENAI_MODEL_KINDS: types only here). */
const MODEL_KINDS = ['chat', 'vision', 'transcription', 'speech', 'image', 'embedding'] as const;

export type RegistrationKind = 'http' | 'openai-compatible';

/** What the form holds: every field as typed. */
export interface RegistrationFields {
  kind: RegistrationKind;
  id: string;
  url: string;
  headers: string;
  domain: string;
  baseUrl: string;
  apiKey: string;
  models: Record<(typeof MODEL_KINDS)[number], string>;
  timeoutMs: string;
  concurrency: string;
  costHint: string;
}

const EMPTY: RegistrationFields = {
  kind: 'http',
  id: '',
  url: '',
  headers: '',
  domain: '',
  baseUrl: '',
  apiKey: '',
  models: { chat: '', vision: '', transcription: '', speech: '', image: '', embedding: '' },
  timeoutMs: '',
  concurrency: '',
  costHint: '',
};

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

/** Why `text` is not an http(s) URL without credentials, or undefined when it is one. */
function urlProblem(text: string, credentials: string): string | undefined {
  if (!URL.canParse(text)) return 'an absolute URL, e.g. http://10.0.0.5:5010';
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'http:// or https:// only';
  if (url.username || url.password) return `no user name or password in the URL: ${credentials}`;
  return undefined;
}

/** A whole number in [min, max] from `text` (empty: absent), or the problem. */
function intField(text: string, min: number, max: number): { value?: number; problem?: string } {
  if (text.trim() === '') return {};
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    return { problem: `a whole number from ${min} to ${max}` };
  return { value };
}

/**
 * The `POST /v1/adapters` body the fields make (libs/contracts/src/remote-adapter.ts), or the
 * problems of the fields, by field name (`models` for the set of model names). The gateway checks
 * it all again; this only says what is wrong before a round trip.
 */
export function registrationBody(f: RegistrationFields): {
  body?: Record<string, unknown>;
  problems: Record<string, string>;
} {
  const problems: Record<string, string> = {};
  const id = f.id.trim();
  const timeout = intField(f.timeoutMs, f.kind === 'http' ? 1 : 100, 3_600_000);
  if (timeout.problem) problems.timeoutMs = timeout.problem;
  if (f.kind === 'http') {
    if (!/^[a-z0-9][a-z0-9_.-]{0,127}$/i.test(id))
      problems.id = 'letters, digits, ".", "_" and "-", starting with a letter or digit, up to 128';
    const url = f.url.trim();
    const urlIssue = url === '' ? 'the base URL of the remote adapter' : urlProblem(url, 'use a header');
    if (urlIssue) problems.url = urlIssue;
    const headers: Record<string, string> = {};
    f.headers
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .forEach((line, i) => {
        const colon = line.indexOf(':');
        const name = colon === -1 ? '' : line.slice(0, colon).trim();
        if (!HEADER_NAME.test(name)) problems.headers = `line ${i + 1}: write "Name: value"`;
        else headers[name] = line.slice(colon + 1).trim();
      });
    if (Object.keys(problems).length > 0) return { problems };
    return {
      problems,
      body: {
        kind: 'http',
        id,
        url,
        ...(Object.keys(headers).length ? { headers } : {}),
        ...(f.domain.trim() ? { domain: f.domain.trim() } : {}),
        ...(timeout.value !== undefined ? { timeoutMs: timeout.value } : {}),
      },
    };
  }
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(id))
    problems.id = 'letters, digits, "_" and "-" (no dots), starting with a letter or digit, up to 64';
  else if (id.toLowerCase() === 'builtin') problems.id = '"builtin" is reserved for the built-in adapters';
  const baseUrl = f.baseUrl.trim();
  const baseIssue = baseUrl === '' ? undefined : urlProblem(baseUrl, 'give the key as API key');
  if (baseIssue) problems.baseUrl = baseIssue;
  const models = Object.fromEntries(
    MODEL_KINDS.map((k) => [k, f.models[k].trim()] as const).filter(([, name]) => name !== ''),
  );
  if (Object.keys(models).length === 0) problems.models = 'name at least one model';
  const concurrency = intField(f.concurrency, 1, 1024);
  if (concurrency.problem) problems.concurrency = concurrency.problem;
  const cost = f.costHint.trim() === '' ? undefined : Number(f.costHint);
  if (cost !== undefined && !(Number.isFinite(cost) && cost >= 0)) problems.costHint = 'a number ≥ 0';
  if (Object.keys(problems).length > 0) return { problems };
  return {
    problems,
    body: {
      kind: 'openai-compatible',
      id,
      ...(baseUrl ? { baseUrl } : {}),
      ...(f.apiKey ? { apiKey: f.apiKey } : {}),
      models,
      ...(timeout.value !== undefined ? { timeoutMs: timeout.value } : {}),
      ...(concurrency.value !== undefined ? { concurrency: concurrency.value } : {}),
      ...(cost !== undefined ? { costHint: cost } : {}),
    },
  };
}

/** The field a gateway issue path names (`models.chat` → `models`), when the form has it. */
function fieldOfIssue(path: string): string | undefined {
  const first = path.split('.')[0];
  return first && first in EMPTY ? first : undefined;
}

/**
 * Registers an adapter (`POST /v1/adapters`): a remote one speaking the remote-adapter protocol
 * (`http`), or an OpenAI-compatible server. Fields are checked before sending; the gateway's
 * refusal is shown with its code and message, and put next to the field it names.
 */
export function AdapterForm({ disabled, onRegistered }: { disabled: boolean; onRegistered: () => void }) {
  const [f, setF] = useState<RegistrationFields>(EMPTY);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();
  const set = (patch: Partial<RegistrationFields>) => setF((old) => ({ ...old, ...patch }));

  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(undefined);
    setError(undefined);
    const { body, problems: found } = registrationBody(f);
    setProblems(found);
    if (!body) return;
    setBusy(true);
    try {
      const made = await api<{ id: string; adapters: { id: string }[] }>('/v1/adapters', {
        method: 'POST',
        json: body,
      });
      setDone(`Registered ${made.id}: ${made.adapters.map((a) => a.id).join(', ')}.`);
      setF({ ...EMPTY, kind: f.kind });
      onRegistered();
    } catch (err) {
      setError(err);
      const issues =
        err instanceof ApiError ? (err.details as { issues?: unknown } | undefined)?.issues : undefined;
      if (Array.isArray(issues)) {
        const mapped: Record<string, string> = {};
        for (const issue of issues as { path?: string; message?: string }[]) {
          const field = fieldOfIssue(issue.path ?? '');
          if (field && issue.message && !mapped[field]) mapped[field] = issue.message;
        }
        setProblems(mapped);
      }
    } finally {
      setBusy(false);
    }
  };

  /** A text input with its label, its problem (aria-invalid, described by the message) and a hint. */
  const field = (
    name: Exclude<keyof RegistrationFields, 'kind' | 'models'>,
    label: string,
    opts: {
      hint?: string;
      type?: 'text' | 'url' | 'password';
      placeholder?: string;
      required?: boolean;
      inputMode?: 'numeric' | 'decimal';
    } = {},
  ) => (
    <label>
      {label}
      {opts.required ? ' *' : ''}
      <input
        name={name}
        // Preact's input types tie `type` to the other attributes; these three share them all.
        type={(opts.type ?? 'text') as 'text'}
        inputMode={opts.inputMode}
        autocomplete="off"
        placeholder={opts.placeholder}
        value={f[name]}
        onInput={(e) => set({ [name]: e.currentTarget.value })}
        aria-invalid={problems[name] ? 'true' : undefined}
        aria-describedby={problems[name] || opts.hint ? `reg-${name}-help` : undefined}
      />
      {(problems[name] || opts.hint) && (
        <small id={`reg-${name}-help`} class={problems[name] ? 'field-error' : undefined}>
          {problems[name] ?? opts.hint}
        </small>
      )}
    </label>
  );

  return (
    <form class="adapter-form" onSubmit={submit} noValidate>
      {disabled && (
        <p class="muted" role="note">
          Needs a key with the <code>admin</code> scope.
        </p>
      )}
      <fieldset disabled={disabled || busy}>
        <fieldset>
          <legend>Kind</legend>
          <label>
            <input
              type="radio"
              name="kind"
              value="http"
              checked={f.kind === 'http'}
              onChange={() => set({ kind: 'http' })}
            />
            Remote adapter (<code>http</code>, the remote-adapter protocol)
          </label>
          <label>
            <input
              type="radio"
              name="kind"
              value="openai-compatible"
              checked={f.kind === 'openai-compatible'}
              onChange={() => set({ kind: 'openai-compatible' })}
            />
            OpenAI-compatible server (vLLM, Ollama, LocalAI…)
          </label>
        </fieldset>
        <div class="grid">
          {field('id', 'Id', {
            required: true,
            placeholder: f.kind === 'http' ? 'acme.classifier' : 'vllm',
            hint: f.kind === 'http' ? 'the adapter id' : 'its adapters are <id>.chat, <id>.vision…',
          })}
          {f.kind === 'http'
            ? field('url', 'URL', { required: true, placeholder: 'http://10.0.0.5:5010', type: 'url' })
            : field('baseUrl', 'Base URL', { placeholder: 'https://api.openai.com/v1', type: 'url' })}
        </div>
        {f.kind === 'http' ? (
          <>
            <label>
              Headers
              <textarea
                name="headers"
                rows={2}
                placeholder="Authorization: Bearer …"
                value={f.headers}
                onInput={(e) => set({ headers: e.currentTarget.value })}
                aria-invalid={problems.headers ? 'true' : undefined}
                aria-describedby="reg-headers-help"
              />
              <small id="reg-headers-help" class={problems.headers ? 'field-error' : undefined}>
                {problems.headers ?? 'one "Name: value" a line; sent with every call, never shown again'}
              </small>
            </label>
            <div class="grid">
              {field('domain', 'Domain', { hint: 'overrides the descriptor’s domain' })}
              {field('timeoutMs', 'Timeout (ms)', { inputMode: 'numeric' })}
            </div>
          </>
        ) : (
          <>
            {field('apiKey', 'API key', {
              type: 'password',
              hint: 'sent as Authorization: Bearer; never shown again',
            })}
            <fieldset aria-invalid={problems.models ? 'true' : undefined} aria-describedby="reg-models-help">
              <legend>Models (at least one)</legend>
              <div class="grid models-grid">
                {MODEL_KINDS.map((k) => (
                  <label key={k}>
                    {k}
                    <input
                      name={`models.${k}`}
                      autocomplete="off"
                      value={f.models[k]}
                      onInput={(e) => set({ models: { ...f.models, [k]: e.currentTarget.value } })}
                    />
                  </label>
                ))}
              </div>
              <small id="reg-models-help" class={problems.models ? 'field-error' : undefined}>
                {problems.models ?? 'a kind left empty is a capability the server does not get'}
              </small>
            </fieldset>
            <div class="grid">
              {field('timeoutMs', 'Timeout (ms)', { inputMode: 'numeric' })}
              {field('concurrency', 'Concurrency', { inputMode: 'numeric' })}
              {field('costHint', 'Cost hint', { inputMode: 'decimal' })}
            </div>
          </>
        )}
        <button type="submit" aria-busy={busy}>
          Register
        </button>
      </fieldset>
      <ErrorBox error={error} />
      {done && (
        <p class="done" role="status">
          {done}
        </p>
      )}
    </form>
  );
}
