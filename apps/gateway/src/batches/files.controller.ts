import { Controller, Delete, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { BlobInfo } from '../blobs/blob-store';
import { servedBytesHeaders } from '../blobs/served-bytes-headers';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import { formParts, uploadTooLarge } from '../multipart/form-parts';
import { invalidParam } from '../openai/openai-error';
import { BatchService } from './batch-service';
import { UPLOAD_PURPOSES, type FileObject, type UploadPurpose } from './file-object';
import { FileCatalog } from './file-catalog';
import { listPage, type ListPage } from './list-page';

/** Query of `GET /v1/files`, as OpenAI's. */
const ListFilesSchema = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(10_000),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z.string().min(1).max(256).optional(),
  purpose: z.enum([...UPLOAD_PURPOSES, 'batch_output']).optional(),
});

const isUploadPurpose = (value: string | undefined): value is UploadPurpose =>
  (UPLOAD_PURPOSES as readonly (string | undefined)[]).includes(value);

/**
 * `/v1/files`: batch input files (JSONL, up to BATCH_MAX_BYTES) and media to use as `/v1/infer`
 * inputs by `fileId` (`user_data` or `vision`, up to BLOB_MAX_BYTES), uploaded as multipart and
 * streamed to the blob store.
 */
@Controller('v1/files')
export class FilesController {
  constructor(
    private readonly files: FileCatalog,
    private readonly batches: BatchService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  async upload(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!req.isMultipart()) throw invalidParam('file', 'send the file as multipart/form-data');
    const limitOf = (purpose: string | undefined) =>
      purpose === 'batch'
        ? { variable: 'BATCH_MAX_BYTES', bytes: this.config.batches.maxBytes }
        : { variable: 'BLOB_MAX_BYTES', bytes: this.config.blobs.maxBytes };
    // Until the purpose is known (it may come after the file), the larger of the two limits holds.
    const [batchLimit, mediaLimit] = [limitOf('batch'), limitOf(undefined)];
    const streamLimit = batchLimit.bytes > mediaLimit.bytes ? batchLimit : mediaLimit;
    let purpose: string | undefined;
    let blob: BlobInfo | undefined;
    let filename = 'upload';
    for await (const part of formParts(req, { fieldsBytes: this.config.http.maxBodyBytes, maxFiles: 1 })) {
      if (part.kind === 'file') {
        if (part.name !== 'file') throw invalidParam(part.name, 'the upload goes in field `file`');
        if (purpose !== undefined && !isUploadPurpose(purpose)) continue; // refused below, drained unread
        filename = part.filename || filename;
        const limit = purpose === undefined ? streamLimit : limitOf(purpose);
        blob = await this.files
          .upload(part.stream, {
            filename,
            maxBytes: limit.bytes,
            mediaType: purpose === 'batch' ? 'application/jsonl' : part.mediaType,
          })
          .catch((err: unknown) => {
            throw uploadTooLarge(err, limit.variable);
          });
      } else if (part.name === 'purpose') {
        purpose = part.value;
      }
    }
    if (!isUploadPurpose(purpose)) {
      throw invalidParam(
        'purpose',
        `purpose must be one of ${UPLOAD_PURPOSES.join(', ')} (got ${purpose === undefined ? 'nothing' : JSON.stringify(purpose.slice(0, 64))})`,
      );
    }
    if (!blob) throw invalidParam('file', 'the multipart body has no field `file`');
    if (blob.bytes === 0) throw invalidParam('file', 'the file is empty');
    const limit = limitOf(purpose);
    if (blob.bytes > limit.bytes) {
      throw new GatewayError(
        'payload_too_large',
        `a ${purpose} file is over ${limit.variable}=${limit.bytes} bytes`,
        {
          param: 'file',
          limit: limit.variable,
          max: limit.bytes,
        },
      );
    }
    const file = await this.files.add(blob, { filename, purpose });
    await reply.status(200).send(file);
  }

  @Get()
  async list(@Query() query: unknown): Promise<ListPage<FileObject>> {
    const { data, hasMore } = await this.files.list(ListFilesSchema.parse(query));
    return listPage(data, hasMore);
  }

  @Get(':id')
  async retrieve(@Param('id') id: string): Promise<FileObject> {
    return (await this.files.get(id)).file;
  }

  @Get(':id/content')
  async content(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const { file, stream } = await this.files.content(id);
    // As OpenAI answers it: octet-stream, a download.
    await reply
      .headers(servedBytesHeaders('application/octet-stream', file.filename))
      .header('content-length', String(file.bytes))
      .send(stream);
  }

  /** Forgets the file; 409 while a batch that has not ended reads it. */
  @Delete(':id')
  async delete(@Param('id') id: string): Promise<{ id: string; object: 'file'; deleted: true }> {
    await this.files.get(id);
    const reader = await this.batches.unendedReaderOf(id);
    if (reader) {
      throw new GatewayError('conflict', `file ${id} is the input of ${reader}, which has not ended`, {
        param: 'file_id',
      });
    }
    await this.files.delete(id);
    return { id, object: 'file', deleted: true };
  }
}
