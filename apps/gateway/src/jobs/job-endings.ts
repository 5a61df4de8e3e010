import type { Logger } from 'pino';
import type { JobRecord } from './job-record';

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

  /** Tells every listener. The job has ended whatever they do: a listener's failure is logged, never thrown. */
  async ended(record: JobRecord): Promise<void> {
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
}
