import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { DetectRequestSchema, type Detection } from '@omnigate/contracts';
import type { FastifyRequest } from 'fastify';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { InputInspector } from '../detection/input-inspector';
import { readInferBody } from './infer-body';

/** `POST /v1/detect`: what the gateway makes of some inputs, without running anything. */
@Controller('v1/detect')
export class DetectController {
  constructor(
    private readonly inspector: InputInspector,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(200)
  async detect(@Req() req: FastifyRequest): Promise<{ detected: Detection[] }> {
    const body = await readInferBody(req, this.blobs, this.config);
    const { inputs } = DetectRequestSchema.parse(body);
    const inspected = await this.inspector.inspect(inputs);
    return { detected: inspected.map((i) => i.detection) };
  }
}
