import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { invalidParam } from '../openai/openai-error';
import type { FileObject } from './file-object';
import { FileCatalog } from './file-catalog';

/** `/v1/files`: batch input files, uploaded as multipart and streamed to the blob store. */
@Controller('v1/files')
export class FilesController {
  constructor(
    private readonly files: FileCatalog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  async upload(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!req.isMultipart()) throw invalidParam('file', 'send the file as multipart/form-data');
    const maxBytes = this.config.batches.maxBytes;
    let purpose: string | undefined;
    let file: FileObject | undefined;
    // One more byte than the limit reaches the blob store, which then refuses it with 413.
    for await (const part of req.parts({ limits: { fileSize: maxBytes + 1, files: 1 } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw invalidParam(part.fieldname, 'the upload goes in field `file`');
        file = await this.files.create(part.file, {
          filename: part.filename || 'upload.jsonl',
          purpose: 'batch',
          maxBytes,
        });
      } else if (part.fieldname === 'purpose') {
        purpose = String(part.value);
      }
    }
    if (purpose !== 'batch') {
      throw invalidParam('purpose', `purpose must be 'batch' (got ${purpose ?? 'nothing'})`);
    }
    if (!file) throw invalidParam('file', 'the multipart body has no field `file`');
    if (file.bytes === 0) throw invalidParam('file', 'the file is empty');
    await reply.status(200).send(file);
  }

  @Get(':id')
  async retrieve(@Param('id') id: string): Promise<FileObject> {
    return (await this.files.get(id)).file;
  }

  @Get(':id/content')
  async content(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const { file, stream } = await this.files.content(id);
    await reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(file.bytes))
      .header('content-disposition', `attachment; filename="${encodeURIComponent(file.filename)}"`)
      .send(stream);
  }
}
