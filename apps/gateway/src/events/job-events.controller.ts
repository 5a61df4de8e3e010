import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { isTerminalStatus } from '@omnigate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { InferenceService } from '../inference/inference.service';
import { LOGGER } from '../logging/logger';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import type { JobEvent, JobRecord } from '../jobs/job-record';
import { SseStream } from './sse-stream';

/** `GET /v1/jobs/:id/events`: one job's changes as server-sent events, until it ends. */
@Controller('v1')
export class JobEventsController {
  constructor(
    private readonly inference: InferenceService,
    @Inject(JOB_BACKEND) private readonly backend: JobBackend,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * `queued` or `active` (the state when the stream opens), `active` and `progress` as workers
   * report them, `delta` pieces of a streaming job's text, then `completed`, `failed` or
   * `cancelled` with the job as `GET /v1/jobs/:id` shows it, and the stream ends.
   */
  @Get('jobs/:id/events')
  async events(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const store = this.backend.store;
    // Listen first and read second: an event between the two is held, never lost.
    const early: JobEvent[] = [];
    let deliver: (event: JobEvent) => void = (event) => {
      early.push(event);
    };
    const unsubscribe = store.subscribe(id, (event) => deliver(event));
    let record: JobRecord;
    try {
      record = await this.inference.get(id, req);
    } catch (err) {
      unsubscribe();
      throw err;
    }

    const stream = SseStream.open(reply);
    stream.onClose(unsubscribe);
    const send = (event: string, data: unknown) => stream.send(event, data);
    // Terminal events need a read (inline outputs) before they go out: writes queue up in order.
    let chain = Promise.resolve();
    const enqueue = (write: () => Promise<void> | void) => {
      chain = chain.then(write).catch((err: unknown) => {
        this.logger.warn({ err, jobId: id }, 'job event stream failed');
        stream.destroy();
      });
    };
    const finish = async (final: JobRecord) => {
      send(final.status, await this.inference.present(final));
      stream.end();
    };
    const onEvent = (event: JobEvent) =>
      enqueue(async () => {
        if (stream.closed) return;
        if (event.delta !== undefined) {
          send('delta', { id, delta: event.delta });
        } else if (isTerminalStatus(event.status)) {
          const final = event.record ?? (await store.get(id));
          if (final) return finish(final);
          // The record expired at that very moment: the end still goes out, without the result.
          send(event.status, { id, status: event.status });
          stream.end();
        } else if (event.progress !== undefined) {
          send('progress', { id, status: event.status, progress: event.progress });
        } else {
          send(event.status, { id, status: event.status });
        }
      });

    if (isTerminalStatus(record.status)) {
      const final = record;
      enqueue(() => finish(final));
      return;
    }
    // The state read is older than any event already held: it goes out only when none is.
    if (early.length === 0) send(record.status, { id, status: record.status });
    for (const event of early) onEvent(event);
    deliver = onEvent;
  }
}
