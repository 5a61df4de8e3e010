import { ERROR_HTTP_STATUS } from '@omnigate/contracts';
import type { Logger } from 'pino';
import type { JobRecord } from './job-record';
import type { WorkLane } from './work-lanes';
import { traceIdOf } from '../tracing/trace-context';

/** How the job's last hop ran, as far as the process that ended it knows: for the job's log line. */
export interface JobEndContext {
  /** `direct`: in the process that took the request (DISPATCH=auto); `queued`: from its adapter's queue. */
  dispatch?: 'direct' | 'queued';
  lane?: WorkLane;
}

/** Told once when a job ends (completed, failed or cancelled), after its record is saved. */
export type JobEndedListener = (record: JobRecord) => Promise<void>;

/**
 * The typed "job ended" event of this process: the lifecycle announces every end it writes (a
 * hop's completion or failure, a cancellation), and whatever follows an end listens here
 * (webhooks) instead of wrapping the job store. The record is saved before it is announced, so
 * a listener never reads a job that has not ended.
 */
export class JobEndings {
  private readonly listeners = new Set<JobEndedListener>();
  /** Who waits for one job's end in this process, by job id. */
  private readonly waiters = new Map<string, (record: JobRecord) => void>();

  constructor(private readonly logger: Logger) {}

  /** Listens for every end; returns the function that stops listening. */
  onEnded(listener: JobEndedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The record of job `id` when it ends in this process (`result` never settles for a job that
   * ends elsewhere: race it with a wait through the job store); `cancel` stops waiting. One
   * waiter a job: a request waits for the job it made.
   */
  whenEnded(id: string): { result: Promise<JobRecord>; cancel(): void } {
    const result = new Promise<JobRecord>((resolve) => this.waiters.set(id, resolve));
    return { result, cancel: () => this.waiters.delete(id) };
  }

  /**
   * Logs the end (one line a job) and tells every listener. The job has ended whatever they do:
   * a listener's failure is logged, never thrown.
   */
  async ended(record: JobRecord, context?: JobEndContext): Promise<void> {
    this.log(record, context);
    this.waiters.get(record.id)?.(record);
    this.waiters.delete(record.id);
    await Promise.all(
      [...this.listeners].map((listener) =>
        listener(record).catch((err: unknown) =>
          this.logger.error({ err, jobId: record.id }, 'a listener of a job end failed'),
        ),
      ),
    );
  }

  /**
   * The job's one line (`job ended`): its id, status, route (the adapters of its hops, and those
   * of the routes it fell back from), the time from its creation, the error code of a failed job,
   * and how its last hop ran. Never its inputs, outputs or error message. A job that failed for
   * a reason of the gateway's or an upstream's (a code answered with a 5xx) at error, the rest at
   * info.
   */
  private log(record: JobRecord, context: JobEndContext | undefined): void {
    const code = record.error?.code;
    const level =
      record.status === 'failed' && (code === undefined || ERROR_HTTP_STATUS[code] >= 500) ? 'error' : 'info';
    if (!this.logger.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = {
      jobId: record.id,
      status: record.status,
      route: record.route.map((step) => step.adapter),
      hops: record.route.length,
      ms: record.timings.totalMs ?? Date.now() - Date.parse(record.createdAt),
    };
    if (record.fallbacks?.length) line.fellBackFrom = record.fallbacks.map((f) => f.adapter);
    if (code !== undefined) line.code = code;
    if (context?.dispatch) line.dispatch = context.dispatch;
    if (context?.lane) line.lane = context.lane;
    const traceId = traceIdOf(record.trace);
    if (traceId) line.traceId = traceId;
    this.logger[level](line, 'job ended');
  }
}
