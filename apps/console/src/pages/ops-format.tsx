import type { ComponentChildren } from 'preact';
import './ops.css';

/** A duration as people read it: `830 ms`, `4.2 s`, `3 min 5 s`; a dash when unknown. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** A moment (ISO text or Unix seconds) in the reader's own time zone, with the date when not today. */
export function formatTime(at: string | number | null | undefined): string {
  if (at === null || at === undefined) return '–';
  const date = typeof at === 'number' ? new Date(at * 1000) : new Date(at);
  if (Number.isNaN(date.getTime())) return String(at);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
}

/**
 * A status as a coloured word (jobs' and batches' statuses): the colour says how it went, the
 * word says it too, so no one needs the colour.
 */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span class="status" data-status={status}>
      {status}
    </span>
  );
}

/** A table that scrolls sideways inside its own box on a narrow screen, never the whole page. */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
