import { ApiError } from '../api';

/**
 * An error said plainly: the gateway's code and message (never a blank page). `role="alert"` so a
 * screen reader says it when it appears.
 */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const code = error instanceof ApiError ? error.code : 'error';
  const status = error instanceof ApiError && error.status > 0 ? ` (HTTP ${error.status})` : '';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error" role="alert">
      <strong>
        <code>{code}</code>
        {status}
      </strong>
      : {message}
    </div>
  );
}
