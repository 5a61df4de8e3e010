import type { FastifyRequest } from 'fastify';
import type { BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';
import { readMultipartInfer } from './multipart-infer';

/** The body of `/v1/infer` or `/v1/detect` as a plain object: parsed JSON, or multipart with files stored. */
export async function readInferBody(
  req: FastifyRequest,
  blobs: BlobStore,
  maxBytes: number,
): Promise<unknown> {
  if (req.isMultipart()) return readMultipartInfer(req, blobs, maxBytes);
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
