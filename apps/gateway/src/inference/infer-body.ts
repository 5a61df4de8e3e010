import type { FastifyRequest } from 'fastify';
import type { BlobStore } from '../blobs/blob-store';
import type { AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import { readMultipartInfer } from './multipart-infer';

/** The body of `/v1/infer` or `/v1/detect` as a plain object: parsed JSON, or multipart with files stored. */
export async function readInferBody(
  req: FastifyRequest,
  blobs: BlobStore,
  config: AppConfig,
): Promise<unknown> {
  if (req.isMultipart()) {
    return readMultipartInfer(req, blobs, {
      fileBytes: config.blobs.maxBytes,
      fieldsBytes: config.http.maxBodyBytes,
      textChars: config.limits.textChars,
    });
  }
  if (
    req.body &&
    typeof req.body === 'object' &&
    typeof (req.body as { pipe?: unknown }).pipe !== 'function'
  ) {
    return req.body;
  }
  throw new GatewayError(
    'unsupported_media',
    `send ${req.routeOptions.url} a JSON body or multipart/form-data`,
    {
      contentType: req.headers['content-type'] ?? null,
    },
  );
}
