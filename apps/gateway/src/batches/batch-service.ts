import type { Span } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors/gateway-error';
import { invalidParam } from '../openai/openai-error';
import type { ClusterBus } from '../queue/cluster-bus';
import type { WebhookService } from '../webhooks/webhook.service';
import {
  completionWindowSeconds,
  FINAL_BATCH_STATUSES,
  nowSeconds,
  type BatchObject,
  type CreateBatch,
} from './batch-object';
import { BATCH_CANCELLED } from '../jobs/bus-topics';
import type { BatchRunner } from './batch-runner';
import type { BatchStore } from './batch-store';
import type { FileCatalog } from './file-catalog';
import { listPage, type ListPage } from './list-page';
import { carrierOf } from '../tracing/trace-context';

export type BatchPage = ListPage<BatchObject>;

/**
 * `/v1/batches`: creates batches (run by this process when it works the batch lane, else by one
 * that does), reads, lists and cancels them.
 */
export class BatchService {
  constructor(
    private readonly store: BatchStore,
    private readonly files: FileCatalog,
    private readonly runner: BatchRunner,
    private readonly bus: ClusterBus,
    private readonly webhooks: WebhookService,
  ) {}

  /** `parent`: the creating request's span, when tracing: the lines' spans link to it. */
  async create(body: CreateBatch, parent?: Span): Promise<BatchObject> {
    // The same rules as a job's webhook: a secret to sign with, and an allowed address (or 400).
    if (body.webhook) await this.webhooks.check(body.webhook);
    const { file } = await this.files.get(body.input_file_id).catch((err: unknown) => {
      throw new GatewayError(
        'not_found',
        `No such File object: ${body.input_file_id}`,
        { param: 'input_file_id' },
        { cause: err },
      );
    });
    if (file.purpose !== 'batch') {
      throw invalidParam('input_file_id', `file ${file.id} has purpose ${file.purpose}, not batch`);
    }
    // The batch reads its input until it ends: the file is kept BLOB_TTL_S from now, which must
    // outlast the window (with a margin for the last reads).
    const windowS = completionWindowSeconds(body.completion_window)!;
    const marginS = Math.min(3600, Math.floor(this.files.ttlS / 10));
    if (windowS > this.files.ttlS - marginS) {
      throw invalidParam(
        'completion_window',
        `completion_window ${body.completion_window} outlasts the input file: files are kept ${this.files.ttlS} s (BLOB_TTL_S), and a batch's window may be at most ${this.files.ttlS - marginS} s`,
      );
    }
    await this.files.pin(file.id);
    const created = nowSeconds();
    const batch: BatchObject = {
      id: `batch_${randomUUID().replaceAll('-', '')}`,
      object: 'batch',
      endpoint: body.endpoint,
      errors: null,
      input_file_id: file.id,
      completion_window: body.completion_window,
      status: 'validating',
      output_file_id: null,
      error_file_id: null,
      created_at: created,
      in_progress_at: null,
      expires_at: created + windowS,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
      metadata: body.metadata ?? null,
    };
    await this.store.create(batch, body.webhook, parent && carrierOf(parent));
    await this.runner.created(batch.id);
    return batch;
  }

  async get(id: string): Promise<BatchObject> {
    const batch = await this.store.get(id);
    if (!batch) throw new GatewayError('not_found', `No such Batch object: ${id}`, { param: 'batch_id' });
    return batch;
  }

  async list(limit: number, after?: string): Promise<BatchPage> {
    const { data, hasMore } = await this.store.list(limit, after);
    return listPage(data, hasMore);
  }

  /** The id of a batch that has not ended and reads the file, if there is one. */
  async unendedReaderOf(fileId: string): Promise<string | undefined> {
    for (const id of await this.store.active()) {
      const batch = await this.store.get(id);
      if (batch?.input_file_id === fileId && !FINAL_BATCH_STATUSES.includes(batch.status)) return id;
    }
    return undefined;
  }

  /**
   * Stops queuing the batch's lines; the running ones finish and it ends `cancelled` (or
   * `expired`, should its completion window end first).
   */
  async cancel(id: string): Promise<BatchObject> {
    const cancelling = await this.store.transition(id, ['validating', 'in_progress'], {
      status: 'cancelling',
      cancelling_at: nowSeconds(),
    });
    if (!cancelling) return this.get(id);
    await this.bus.publish(BATCH_CANCELLED, { batchId: id });
    await this.runner.changes.changed(id);
    return cancelling;
  }

  /** Calls `listener` whenever the batch's status or counts change; returns the function that stops it. */
  watch(id: string, listener: () => void): () => void {
    return this.runner.changes.watch(id, listener);
  }
}
