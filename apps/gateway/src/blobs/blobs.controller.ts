import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import { formParts, uploadTooLarge, type FilePart } from '../multipart/form-parts';
import { BlobNotFoundError } from './blob-errors';
import { BLOB_STORE, type BlobInfo, type BlobStore } from './blob-store';
import { servedBytesHeaders } from './served-bytes-headers';

/** Upload (streamed, any media type) and download of content-addressed blobs. */
@Controller('v1/blobs')
export class BlobsController {
  constructor(
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  async upload(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const maxBytes = this.config.blobs.maxBytes;
    let upload: Promise<BlobInfo>;
    if (req.isMultipart()) {
      const file = await firstFile(req, this.config.http.maxBodyBytes);
      if (!file) throw new GatewayError('invalid_request', 'the multipart body has no file');
      upload = this.blobs.put(file.stream, { mediaType: file.mediaType, filename: file.filename, maxBytes });
    } else if (Buffer.isBuffer(req.body) || isReadable(req.body)) {
      const filename = typeof req.headers['x-filename'] === 'string' ? req.headers['x-filename'] : undefined;
      const mediaType = req.headers['content-type']?.split(';')[0]?.trim();
      upload = this.blobs.put(req.body, { mediaType, filename, maxBytes });
    } else {
      throw new GatewayError('invalid_request', 'send the blob as the request body or as a multipart file');
    }
    const blob = await upload.catch((err: unknown) => {
      throw uploadTooLarge(err, 'BLOB_MAX_BYTES');
    });
    if (blob.bytes === 0) throw new GatewayError('invalid_request', 'the blob is empty');
    await reply
      .status(201)
      .header('location', `/v1/blobs/${blob.id}`)
      .send({ ...blob, url: `/v1/blobs/${blob.id}` });
  }

  @Get(':id')
  async download(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const blob = await this.blobs.stat(id);
    if (!blob) throw new BlobNotFoundError(id);
    const headers = servedBytesHeaders(blob.mediaType, blob.filename);
    const direct = await this.directUrl(blob.id, headers);
    if (direct) {
      // The URL expires: the redirect is not to be kept, the content itself is (by the bucket's answer).
      await reply.status(307).header('location', direct).header('cache-control', 'no-store').send();
      return;
    }
    void reply
      .headers(headers)
      .header('content-length', String(blob.bytes))
      .header('etag', `"${blob.id}"`)
      .header('cache-control', 'private, max-age=31536000, immutable');
    await reply.send(this.blobs.stream(id));
  }

  /**
   * With BLOB_STORE=s3 and S3_PRESIGN_TTL_S, a presigned URL of the bucket, answered with the
   * headers the gateway would send but the CSP (the bucket is another origin than the gateway's,
   * so the content's scripts cannot reach it); blobs of the job tier have none.
   */
  private async directUrl(id: string, headers: Record<string, string>): Promise<string | undefined> {
    const store = this.config.blobs.store;
    if (store.kind !== 's3' || store.presignTtlS === undefined || !this.blobs.directUrl) return undefined;
    return this.blobs.directUrl(id, store.presignTtlS, {
      contentType: headers['content-type'],
      ...(headers['content-disposition'] && { contentDisposition: headers['content-disposition'] }),
    });
  }
}

/** The first file of a form; the fields before it are read within MAX_BODY_BYTES, the rest is left unread. */
async function firstFile(req: FastifyRequest, fieldsBytes: number): Promise<FilePart | undefined> {
  for await (const part of formParts(req, { fieldsBytes, maxFiles: 1 })) {
    if (part.kind === 'file') return part;
  }
  return undefined;
}

function isReadable(body: unknown): body is NodeJS.ReadableStream {
  return typeof (body as { pipe?: unknown } | undefined)?.pipe === 'function';
}
