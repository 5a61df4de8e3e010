import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { SseStream } from '../events/sse-stream';
import { LOGGER } from '../logging/logger';
import { jsonBody } from '../openai/facade-job';
import { CreateBatchSchema, FINAL_BATCH_STATUSES, ListBatchesSchema, type BatchObject } from './batch-object';
import { BatchService, type BatchPage } from './batch-service';
import { requestSpan } from '../tracing/http-spans';

/** A stream also reads its batch this often: a change message lost on the bus only delays it. */
const RESYNC_MS = 5_000;

/** `/v1/batches`: OpenAI's batch API, run by the gateway's own queues. */
@Controller('v1/batches')
export class BatchesController {
  constructor(
    private readonly batches: BatchService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post()
  @HttpCode(200)
  async create(@Req() req: FastifyRequest): Promise<BatchObject> {
    return named(req, await this.batches.create(CreateBatchSchema.parse(jsonBody(req)), requestSpan(req)));
  }

  @Get()
  async list(@Query() query: unknown): Promise<BatchPage> {
    const { limit, after } = ListBatchesSchema.parse(query);
    return this.batches.list(limit, after);
  }

  @Get(':id')
  async retrieve(@Param('id') id: string, @Req() req: FastifyRequest): Promise<BatchObject> {
    return named(req, await this.batches.get(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id') id: string, @Req() req: FastifyRequest): Promise<BatchObject> {
    return named(req, await this.batches.cancel(id));
  }

  /**
   * The batch's changes as server-sent events: its status when the stream opens (the batch
   * object), `progress` as its counts change, each new status, and a final `completed`,
   * `failed`, `cancelled` or `expired` with the batch object, after which the stream ends.
   */
  @Get(':id/events')
  async events(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Listen first and read second: a change between the two is read again, never lost.
    let changed = () => {};
    const unwatch = this.batches.watch(id, () => changed());
    let last: BatchObject;
    try {
      last = named(req, await this.batches.get(id));
    } catch (err) {
      unwatch();
      throw err;
    }
    const stream = SseStream.open(reply);
    stream.onClose(unwatch);
    const show = (batch: BatchObject) => {
      if (FINAL_BATCH_STATUSES.includes(batch.status)) {
        stream.send(batch.status, batch);
        stream.end();
        return;
      }
      const counts = batch.request_counts;
      if (
        counts.completed !== last.request_counts.completed ||
        counts.failed !== last.request_counts.failed ||
        counts.total !== last.request_counts.total
      ) {
        stream.send('progress', { id, status: batch.status, request_counts: counts });
      }
      if (batch.status !== last.status) stream.send(batch.status, batch);
      last = batch;
    };
    stream.send(last.status, last);
    if (FINAL_BATCH_STATUSES.includes(last.status)) {
      stream.end();
      return;
    }

    // One read at a time; changes during a read make one more read after it.
    let reading = false;
    let again = false;
    const read = async () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          const batch = await this.batches.get(id);
          if (!stream.closed) show(batch);
        } while (again && !stream.closed);
      } catch (err) {
        this.logger.warn({ err, batchId: id }, 'batch event stream failed');
        stream.destroy();
      } finally {
        reading = false;
      }
    };
    changed = () => void read();
    const resync = setInterval(changed, RESYNC_MS).unref();
    stream.onClose(() => clearInterval(resync));
    // A change may have come while the batch was read the first time.
    void read();
  }
}

/** The batch, its id put on the request that made or read it (for the request's log line). */
function named(req: FastifyRequest, batch: BatchObject): BatchObject {
  req.batchId = batch.id;
  return batch;
}
