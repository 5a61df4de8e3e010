import { useEffect, useState } from 'preact/hooks';
import { api, apiFetch, download } from '../api';
import { ErrorBox } from '../components/error-box';
import { useApi } from '../components/use-api';
import { BatchCreate } from './batch-create';
import { formatTime, StatusBadge, TableScroll } from './ops-format';
import './batches.css';

/** OpenAI's batch object as `GET /v1/batches` lists it (apps/gateway/src/batches/batch-object.ts). */
export interface Batch {
  id: string;
  endpoint: string;
  status: string;
  errors: { data: { code: string; message: string; line: number | null }[] } | null;
  input_file_id: string;
  completion_window: string;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  completed_at: number | null;
  expires_at: number;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
}

interface BatchPage {
  data: Batch[];
  has_more: boolean;
  last_id: string | null;
}

/** Statuses a batch leaves no more. */
const FINAL = ['failed', 'completed', 'expired', 'cancelled'];
/** Statuses `POST /v1/batches/:id/cancel` takes. */
const CANCELLABLE = ['validating', 'in_progress', 'finalizing'];
/** How often the list is read again while a batch in it runs. */
const POLL_MS = 1000;

/**
 * The batches page (issue 15): upload a JSONL file and create a batch of it; the batches, their
 * live progress (read every second while one runs), Cancel, and their output and error files.
 */
export function BatchesPage() {
  const [after, setAfter] = useState<string[]>([]);
  const cursor = after.at(-1);
  const { data, error, loading, reload } = useApi<BatchPage>(
    `/v1/batches?limit=20${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`,
  );
  const running = data?.data.some((b) => !FINAL.includes(b.status)) ?? false;
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [data, running, reload]);

  return (
    <section class="batches-page">
      <h1>Batches</h1>
      <BatchCreate
        onCreated={() => {
          setAfter([]);
          reload();
        }}
      />
      <h2>Batches</h2>
      <div class="toolbar">
        <button type="button" class="outline secondary" onClick={reload} aria-busy={loading}>
          Refresh
        </button>
        {after.length > 0 && (
          <button type="button" class="outline secondary" onClick={() => setAfter([])}>
            Newest
          </button>
        )}
        {running && <span class="muted">updating every second while a batch runs</span>}
      </div>
      <ErrorBox error={error} />
      {data && data.data.length === 0 && <p>No batches yet.</p>}
      {data && data.data.length > 0 && (
        <TableScroll label="Batches">
          <table class="striped batches-table">
            <thead>
              <tr>
                <th scope="col">Batch</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Files</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((b) => (
                <BatchRow key={b.id} batch={b} onChange={reload} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {data?.has_more && data.last_id && (
        <button type="button" class="outline" onClick={() => setAfter([...after, data.last_id!])}>
          Older
        </button>
      )}
    </section>
  );
}

function BatchRow({ batch: b, onChange }: { batch: Batch; onChange: () => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const { total, completed, failed } = b.request_counts;
  const done = completed + failed;
  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const save = (fileId: string, suffix: string) =>
    act(async () => {
      const blob = await (await apiFetch(`/v1/files/${encodeURIComponent(fileId)}/content`)).blob();
      download(new Blob([blob], { type: 'application/jsonl' }), `${b.id}_${suffix}.jsonl`);
    });
  return (
    <tr data-batch={b.id}>
      <td>
        <span class="mono">{b.id}</span>
        <div class="muted">
          <code>{b.endpoint}</code> · {formatTime(b.created_at)} · window {b.completion_window}
        </div>
        {b.metadata?.description && <div>{b.metadata.description}</div>}
      </td>
      <td>
        <StatusBadge status={b.status} />
        {b.errors?.data.map((e, i) => (
          <div key={i} class="error batch-error">
            <code>{e.code}</code>
            {e.line !== null && ` (line ${e.line})`}: {e.message}
          </div>
        ))}
      </td>
      <td class="progress-cell">
        {total === 0 && !FINAL.includes(b.status) ? (
          <progress aria-label={`${b.id} progress`} />
        ) : (
          <progress value={done} max={Math.max(total, 1)} aria-label={`${b.id} progress`} />
        )}
        <div class="nowrap counts">
          {done} / {total} done · {completed} ok · {failed} failed
        </div>
      </td>
      <td class="files">
        {b.output_file_id && (
          <button type="button" class="small outline" onClick={() => save(b.output_file_id!, 'output')}>
            Output
          </button>
        )}
        {b.error_file_id && (
          <button
            type="button"
            class="small outline secondary"
            onClick={() => save(b.error_file_id!, 'errors')}
          >
            Errors
          </button>
        )}
        {!b.output_file_id && !b.error_file_id && <span class="muted">–</span>}
      </td>
      <td>
        {CANCELLABLE.includes(b.status) && (
          <button
            type="button"
            class="small outline secondary"
            aria-busy={busy}
            aria-label={`Cancel ${b.id}`}
            onClick={() =>
              act(async () => {
                await api(`/v1/batches/${encodeURIComponent(b.id)}/cancel`, { method: 'POST' });
                onChange();
              })
            }
          >
            Cancel
          </button>
        )}
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}
