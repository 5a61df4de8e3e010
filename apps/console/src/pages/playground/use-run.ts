import type { JobResult } from '@omnigate/contracts';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, apiFetch, serverEvents } from '../../api';
import { inferBody, type OutputChoice } from './choice';
import type { PlaygroundInput } from './input-panel';

/** One event of a job as the page received it, `at` ms after Run was pressed. */
export interface RunEvent {
  name: string;
  at: number;
  /** What the event said besides the job id and status (a progress fraction, a delta...). */
  detail?: string;
}

/** A run from Run to its end: the events seen so far, the streamed text, the final job or the error. */
export interface RunState {
  phase: 'sending' | 'following' | 'done';
  jobId?: string;
  /** 202: the job was answered before it ended and its events are (or were) followed. */
  accepted: boolean;
  events: RunEvent[];
  progress?: number;
  /** Text deltas joined as they came. */
  text: string;
  job?: JobResult;
  error?: unknown;
}

const ENDS = new Set(['completed', 'failed', 'cancelled']);

/** The error a failed or cancelled job ended with, as the error box shows API errors. */
export function jobError(job: JobResult): ApiError | undefined {
  if (job.status === 'failed' && job.error) {
    return new ApiError(0, job.error.code, job.error.message, job.error.details);
  }
  if (job.status === 'cancelled') return new ApiError(0, 'cancelled', 'the job was cancelled');
  return undefined;
}

/**
 * Runs the playground's request: `POST /v1/infer`, then, when it answers 202 (async, or a sync
 * job that outlasted its wait), the job's server-sent events live until it ends. A new run or
 * leaving the page stops following the previous one.
 */
export function useRun(): {
  run?: RunState;
  start: (inputs: PlaygroundInput[], choice: OutputChoice) => void;
  cancel: () => void;
} {
  const [run, setRun] = useState<RunState>();
  const controller = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => controller.current?.abort(), []);

  const start = useCallback((inputs: PlaygroundInput[], choice: OutputChoice) => {
    controller.current?.abort();
    const ctl = new AbortController();
    controller.current = ctl;
    const t0 = performance.now();
    let state: RunState = { phase: 'sending', accepted: false, events: [], text: '' };
    const update = (patch: Partial<RunState>) => {
      if (ctl.signal.aborted) return;
      state = { ...state, ...patch };
      setRun(state);
    };
    const event = (name: string, detail?: string) =>
      update({ events: [...state.events, { name, at: Math.round(performance.now() - t0), detail }] });
    setRun(state);

    const go = async () => {
      const res = await apiFetch('/v1/infer', {
        method: 'POST',
        ...inferBody(inputs, choice),
        headers: { accept: 'application/json' },
        signal: ctl.signal,
      });
      const first = (await res.json()) as JobResult;
      event(`${res.status} ${first.status}`);
      update({ jobId: first.id, accepted: res.status === 202 });
      if (ENDS.has(first.status)) return first;
      update({ phase: 'following' });
      let last: JobResult | undefined;
      for await (const msg of serverEvents(`/v1/jobs/${encodeURIComponent(first.id)}/events`, {
        signal: ctl.signal,
      })) {
        const name = msg.event ?? 'message';
        const data = JSON.parse(msg.data) as Record<string, unknown>;
        if (name === 'delta' && typeof data.delta === 'string') {
          update({ text: state.text + data.delta });
          event(name, JSON.stringify(data.delta));
        } else if (name === 'progress' && typeof data.progress === 'number') {
          update({ progress: data.progress });
          event(name, `${Math.round(data.progress * 100)} %`);
        } else {
          event(name);
        }
        if (ENDS.has(name)) {
          last = data as unknown as JobResult;
          break;
        }
      }
      // A stream cut before the end: the job as it is now.
      return last ?? api<JobResult>(`/v1/jobs/${encodeURIComponent(first.id)}`, { signal: ctl.signal });
    };

    go().then(
      (job) => update({ phase: 'done', job, error: jobError(job) }),
      async (error: unknown) => {
        if (ctl.signal.aborted) return;
        // A failed sync job answers with its error and names the job: show its route too.
        const jobId = error instanceof ApiError ? idOf(error.details) : undefined;
        const job = jobId
          ? await api<JobResult>(`/v1/jobs/${encodeURIComponent(jobId)}`).catch(() => undefined)
          : undefined;
        update({ phase: 'done', error, job, jobId: jobId ?? state.jobId });
      },
    );
  }, []);

  const cancel = useCallback(() => {
    const id = run?.jobId;
    if (!id || run.phase === 'done') return;
    apiFetch(`/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }).catch((error: unknown) =>
      setRun((r) => (r ? { ...r, error } : r)),
    );
  }, [run]);

  return { run, start, cancel };
}

function idOf(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const d = details as Record<string, unknown>;
  const id = d.jobId ?? d.id;
  return typeof id === 'string' ? id : undefined;
}
