import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox } from '../components/error-box';

/** The endpoints a batch may call (apps/gateway/src/batches/batch-object.ts BATCH_ENDPOINTS). */
const ENDPOINTS = [
  '/v1/chat/completions',
  '/v1/infer',
  '/v1/embeddings',
  '/v1/images/generations',
  '/v1/audio/speech',
  '/v1/audio/transcriptions',
];
const WINDOW_UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** Why `window` is not a completion window the gateway takes (`24h`, or 1s to 168h), or undefined. */
export function windowProblem(window: string): string | undefined {
  const match = /^(\d{1,9})(s|m|h)$/.exec(window.trim());
  const seconds = match ? Number(match[1]) * WINDOW_UNIT_S[match[2]] : 0;
  return seconds >= 1 && seconds <= 168 * 3600
    ? undefined
    : 'a whole number of s, m or h from 1s to 168h, e.g. 24h or 90m';
}

/** What the file holds: its lines and the endpoint they call, or the first line that is not a request. */
export function readBatchLines(text: string): { lines: number; url?: string; problem?: string } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return { lines: 0, problem: 'the file is empty' };
  let url: string | undefined;
  for (const [i, line] of lines.entries()) {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      return { lines: lines.length, problem: `line ${i + 1} is not JSON` };
    }
    const r = request as { custom_id?: unknown; url?: unknown; body?: unknown } | null;
    if (!r || typeof r !== 'object' || typeof r.url !== 'string' || typeof r.body !== 'object')
      return {
        lines: lines.length,
        problem: `line ${i + 1} is not a request ({custom_id, method, url, body})`,
      };
    url ??= r.url;
  }
  return { lines: lines.length, url };
}

/**
 * A new batch: a JSONL file uploaded (`POST /v1/files`, purpose `batch`), then a batch of it
 * (`POST /v1/batches`). The file is read first: its line count is shown, the endpoint is taken
 * from its first line, and a line that is not a request is said before anything is sent.
 */
export function BatchCreate({ onCreated }: { onCreated: (id: string) => void }) {
  const [file, setFile] = useState<File>();
  const [info, setInfo] = useState<ReturnType<typeof readBatchLines>>();
  const [endpoint, setEndpoint] = useState(ENDPOINTS[0]);
  const [window, setWindow] = useState('24h');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [made, setMade] = useState<string>();
  const windowIssue = windowProblem(window);

  const pick = async (picked: File | undefined) => {
    setFile(picked);
    setMade(undefined);
    setError(undefined);
    if (!picked) return setInfo(undefined);
    const read = readBatchLines(await picked.text());
    setInfo(read);
    if (read.url && ENDPOINTS.includes(read.url)) setEndpoint(read.url);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file || info?.problem || windowIssue) return;
    setError(undefined);
    setMade(undefined);
    try {
      setBusy('Uploading…');
      const form = new FormData();
      form.set('purpose', 'batch');
      form.set('file', file, file.name);
      const uploaded = await api<{ id: string }>('/v1/files', { method: 'POST', body: form });
      setBusy('Creating the batch…');
      const batch = await api<{ id: string }>('/v1/batches', {
        method: 'POST',
        json: {
          input_file_id: uploaded.id,
          endpoint,
          completion_window: window.trim(),
          ...(description.trim() ? { metadata: { description: description.trim() } } : {}),
        },
      });
      setMade(`Created ${batch.id} from ${uploaded.id}.`);
      onCreated(batch.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <article class="batch-create">
      <h2>New batch</h2>
      <form onSubmit={submit} noValidate>
        <label>
          Requests (JSONL)
          <input
            type="file"
            name="file"
            accept=".jsonl,.ndjson,application/jsonl,application/x-ndjson"
            onChange={(e) => void pick(e.currentTarget.files?.[0])}
            aria-invalid={info?.problem ? 'true' : undefined}
            aria-describedby="batch-file-help"
          />
          <small id="batch-file-help" class={info?.problem ? 'field-error' : undefined}>
            {info?.problem ??
              (info
                ? `${info.lines} request${info.lines === 1 ? '' : 's'}`
                : 'one {"custom_id", "method", "url", "body"} a line')}
          </small>
        </label>
        <div class="grid">
          <label>
            Endpoint
            <select name="endpoint" value={endpoint} onChange={(e) => setEndpoint(e.currentTarget.value)}>
              {ENDPOINTS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
          <label>
            Completion window
            <input
              name="completion_window"
              value={window}
              onInput={(e) => setWindow(e.currentTarget.value)}
              aria-invalid={windowIssue ? 'true' : undefined}
              aria-describedby="batch-window-help"
            />
            <small id="batch-window-help" class={windowIssue ? 'field-error' : undefined}>
              {windowIssue ?? 'the batch expires this long after it is created'}
            </small>
          </label>
          <label>
            Description
            <input
              name="description"
              value={description}
              maxLength={512}
              onInput={(e) => setDescription(e.currentTarget.value)}
            />
          </label>
        </div>
        <button
          type="submit"
          disabled={!file || !!info?.problem || !!windowIssue || !!busy}
          aria-busy={!!busy}
        >
          {busy ?? 'Upload and create'}
        </button>
      </form>
      <ErrorBox error={error} />
      {made && (
        <p class="done" role="status">
          {made}
        </p>
      )}
    </article>
  );
}
