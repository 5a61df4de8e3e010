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

  constructor(private readonly logger: Logger) {}

  /** Listens for every end; returns the function that stops listening. */
  onEnded(listener: JobEndedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener. The job has ended whatever they do: a listener's failure is logged, never thrown. */
  async ended(record: JobRecord): Promise<void> {
    await Promise.all(
      [...this.listeners].map((listener) =>
        listener(record).catch((err: unknown) =>
          this.logger.error({ err, jobId: record.id }, 'a listener of a job end failed'),
        ),
      ),
    );
  }
}
