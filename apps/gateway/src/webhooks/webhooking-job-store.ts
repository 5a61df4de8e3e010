import { isTerminalStatus } from '@omnigate/contracts';
import type { Logger } from 'pino';
import type { JobBackend } from '../queue/job-backend';
import type { JobStore } from '../jobs/job-ports';
import type { JobEvent, JobRecord } from '../jobs/job-record';
import type { WebhookService } from './webhook.service';

/**
 * A job store that queues a job's webhook once the record that ends it is saved: every end
 * (completed, failed, cancelled) goes through `save`, whoever writes it, so the runner needs no
 * hook of its own. The record is saved first: a delivery never reads a job that has not ended.
 */
export class WebhookingJobStore implements JobStore {
  constructor(
    private readonly inner: JobStore,
    private readonly webhooks: WebhookService,
    private readonly logger: Logger,
  ) {}

  create(record: JobRecord): Promise<void> {
    return this.inner.create(record);
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.inner.get(id);
  }

  markActive(id: string, attempt: number): Promise<void> {
    return this.inner.markActive(id, attempt);
  }

  async save(record: JobRecord, event: JobEvent): Promise<void> {
    await this.inner.save(record, event);
    if (!record.webhook || !isTerminalStatus(record.status)) return;
    // The job has ended whatever happens here: a failure to queue must not fail the job too.
    await this.webhooks.jobEnded(record).catch((err: unknown) => {
      this.logger.error({ err, jobId: record.id }, 'could not queue the webhook of an ended job');
    });
  }

  publish(event: JobEvent): Promise<void> {
    return this.inner.publish(event);
  }

  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    return this.inner.subscribe(id, listener);
  }
}

/** The backend as `backend`, but with `store` in place of its own store. */
export class JobBackendWithStore implements JobBackend {
  constructor(
    private readonly backend: JobBackend,
    readonly store: JobStore,
  ) {}

  get kind() {
    return this.backend.kind;
  }
  get hops() {
    return this.backend.hops;
  }
  get blobTier() {
    return this.backend.blobTier;
  }
  get bus() {
    return this.backend.bus;
  }
  get counter() {
    return this.backend.counter;
  }
  get forWorkers() {
    return this.backend.forWorkers;
  }
  ping(): Promise<void> {
    return this.backend.ping();
  }
  close(graceMs: number): Promise<void> {
    return this.backend.close(graceMs);
  }
}
