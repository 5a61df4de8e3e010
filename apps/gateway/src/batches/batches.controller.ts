import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { jsonBody } from '../openai/facade-job';
import { CreateBatchSchema, ListBatchesSchema, type BatchObject } from './batch-object';
import { BatchService, type BatchPage } from './batch-service';

/** `/v1/batches`: OpenAI's batch API, run by the gateway's own queues. */
@Controller('v1/batches')
export class BatchesController {
  constructor(private readonly batches: BatchService) {}

  @Post()
  @HttpCode(200)
  async create(@Req() req: FastifyRequest): Promise<BatchObject> {
    return this.batches.create(CreateBatchSchema.parse(jsonBody(req)));
  }

  @Get()
  async list(@Query() query: unknown): Promise<BatchPage> {
    const { limit, after } = ListBatchesSchema.parse(query);
    return this.batches.list(limit, after);
  }

  @Get(':id')
  async retrieve(@Param('id') id: string): Promise<BatchObject> {
    return this.batches.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id') id: string): Promise<BatchObject> {
    return this.batches.cancel(id);
  }
}
