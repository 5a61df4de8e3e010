import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  InferRequestSchema,
  isTerminalStatus,
  ListJobsQuerySchema,
  type InferRequest,
  type JobList,
} from '@omnigate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { servedBytesHeaders } from '../blobs/served-bytes-headers';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import type { JobRecord } from '../jobs/job-record';
import { callerOf } from './job-caller';
import { WebhookService } from '../webhooks/webhook.service';
import { accepts, concreteAccept, parseAccept, wantsJson } from './accept';
import { InferenceService } from './inference.service';
import { readInferBody } from './infer-body';

@Controller('v1')
export class InferenceController {
  constructor(
    private readonly inference: InferenceService,
    private readonly webhooks: WebhookService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('infer')
  async infer(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const accept = parseAccept(req.headers.accept);
    const request = await this.parse(req, accept);
    if (request.webhook) await this.webhooks.check(request.webhook);
    const caller = callerOf(req);
    if (request.mode === 'async') {
      return this.sendJson(reply, 202, await this.inference.submit(request, 'interactive', caller));
    }
    const record = await this.inference.run(request, request.timeoutMs, caller);
    if (!isTerminalStatus(record.status)) return this.sendJson(reply, 202, record);
    if (record.status === 'failed' && record.error) {
      const { code, message, details } = record.error;
      throw new GatewayError(code, message, { ...details, jobId: record.id });
    }
    if (wantsJson(accept)) return this.sendJson(reply, 200, record);
    return this.sendRaw(reply, record, accept);
  }

  /** Recent jobs, newest first (`status`, `limit`, `after`). */
  @Get('jobs')
  async jobs(@Query() query: unknown): Promise<JobList> {
    return this.inference.list(ListJobsQuerySchema.parse(query));
  }

  @Get('jobs/:id')
  async job(@Param('id') id: string, @Req() req: FastifyRequest): Promise<unknown> {
    return this.inference.present(await this.inference.get(id, req));
  }

  /** Cancels a queued or running job (a running hop is aborted); an ended job is returned as it is. */
  @Post('jobs/:id/cancel')
  @HttpCode(200)
  async cancel(@Param('id') id: string, @Req() req: FastifyRequest): Promise<unknown> {
    return this.inference.present(await this.inference.cancel(id, req));
  }

  private async parse(req: FastifyRequest, accept: string[]): Promise<InferRequest> {
    const body = await readInferBody(req, this.blobs, this.config);
    const parsed = InferRequestSchema.parse(body);
    // PLANNER's default is the native API's: a request that pins its adapter keeps the graph.
    const request: InferRequest = {
      ...parsed,
      planner: parsed.planner ?? (parsed.adapter ? 'graph' : this.config.planner.default),
    };
    const asked = concreteAccept(accept);
    if (!request.output.mediaType && asked && !wantsJson(accept)) {
      return { ...request, output: { ...request.output, mediaType: asked } };
    }
    return request;
  }

  private async sendJson(reply: FastifyReply, status: number, record: JobRecord): Promise<void> {
    const body = await this.inference.present(record);
    if (status === 202) void reply.header('location', body.links.self);
    await reply.status(status).send(body);
  }

  private async sendRaw(reply: FastifyReply, record: JobRecord, accept: string[]): Promise<void> {
    const [output, ...rest] = record.outputs;
    if (!output || rest.length > 0 || !accepts(accept, output.mediaType)) {
      throw new GatewayError(
        'not_acceptable',
        `the result is ${record.outputs.map((o) => o.mediaType).join(', ')}, not ${accept.join(', ')}`,
        {
          jobId: record.id,
          produced: record.outputs.map((o) => o.mediaType),
        },
      );
    }
    void reply.status(200).headers(servedBytesHeaders(output.mediaType)).header('x-omnigate-job', record.id);
    if (output.text !== undefined) return void (await reply.send(output.text));
    void reply.header('content-length', String(output.bytes));
    await reply.send(this.blobs.stream(output.blobId!));
  }
}
