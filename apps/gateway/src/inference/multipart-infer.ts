import type { FastifyRequest } from 'fastify';
import type { BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';

const JSON_FIELDS = new Set(['options', 'webhook']);
/** Hints that describe the input just before them (`file`, then its `modality`). */
const INPUT_HINTS = new Set(['modality', 'mediaType']);
const NUMBER_FIELDS = new Set(['timeoutMs', 'priority']);

/**
 * Reads a multipart `/v1/infer` body: each file streams to the blob store and becomes an input
 * in order, each `text` field a text input; a `modality` or `mediaType` field describes the
 * input just before it; the other fields are the request's fields. The result
 * has the JSON request's shape so one schema validates both.
 */
export async function readMultipartInfer(
  request: FastifyRequest,
  blobs: BlobStore,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const inputs: Record<string, unknown>[] = [];
  const fields: Record<string, unknown> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const declared =
        part.mimetype && part.mimetype !== 'application/octet-stream' ? part.mimetype : undefined;
      const blob = await blobs.put(part.file, { mediaType: declared, filename: part.filename, maxBytes });
      inputs.push({
        blobId: blob.id,
        ...(declared ? { mediaType: declared } : {}),
        ...(part.filename ? { filename: part.filename } : {}),
      });
    } else if (part.fieldname === 'text') {
      inputs.push({ text: String(part.value) });
    } else if (INPUT_HINTS.has(part.fieldname)) {
      const last = inputs.at(-1);
      if (!last) {
        throw new GatewayError(
          'invalid_request',
          `form field ${part.fieldname} must follow the file or text it describes`,
        );
      }
      last[part.fieldname] = String(part.value);
    } else {
      fields[part.fieldname] = fieldValue(part.fieldname, String(part.value));
    }
  }
  return { ...fields, inputs };
}

function fieldValue(name: string, value: string): unknown {
  if (NUMBER_FIELDS.has(name)) return value.trim() === '' ? value : Number(value);
  if (JSON_FIELDS.has(name) || (name === 'output' && value.trim().startsWith('{'))) {
    try {
      return JSON.parse(value) as unknown;
    } catch (err) {
      throw new GatewayError(
        'invalid_request',
        `form field ${name} is not valid JSON`,
        { field: name },
        { cause: err },
      );
    }
  }
  return value;
}
