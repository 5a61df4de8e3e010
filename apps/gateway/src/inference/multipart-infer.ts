import type { FastifyRequest } from 'fastify';
import type { BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';
import { formParts, storeInputFile, type FormLimits } from '../multipart/form-parts';

const JSON_FIELDS = new Set(['options', 'webhook']);
/** Hints that describe the input just before them (`file`, then its `modality`). */
const INPUT_HINTS = new Set(['modality', 'mediaType']);
const NUMBER_FIELDS = new Set(['timeoutMs', 'priority']);
/** The inputs a request may have (InferRequestSchema): no more files than that are stored. */
const MAX_INPUT_FILES = 16;

/** What a multipart `/v1/infer` or `/v1/detect` body may hold. */
export interface MultipartInferLimits {
  /** Bytes of each file: BLOB_MAX_BYTES. */
  fileBytes: number;
  /** Bytes of all fields together: MAX_BODY_BYTES. */
  fieldsBytes: number;
  /** Characters of each `text` field: LIMIT_TEXT_CHARS. */
  textChars: number;
}

/**
 * Reads a multipart `/v1/infer` body: each file streams to the blob store and becomes an input
 * in order, each `text` field a text input; a `modality` or `mediaType` field describes the
 * input just before it; the other fields are the request's fields. The result
 * has the JSON request's shape so one schema validates both.
 */
export async function readMultipartInfer(
  request: FastifyRequest,
  blobs: BlobStore,
  limits: MultipartInferLimits,
): Promise<Record<string, unknown>> {
  const inputs: Record<string, unknown>[] = [];
  const fields: Record<string, unknown> = {};
  const form: FormLimits = {
    fieldsBytes: limits.fieldsBytes,
    textChars: limits.textChars,
    maxFiles: MAX_INPUT_FILES,
  };
  for await (const part of formParts(request, form)) {
    if (part.kind === 'file') {
      inputs.push(await storeInputFile(blobs, part, limits.fileBytes));
    } else if (part.name === 'text') {
      inputs.push({ text: part.value });
    } else if (INPUT_HINTS.has(part.name)) {
      const last = inputs.at(-1);
      if (!last) {
        throw new GatewayError(
          'invalid_request',
          `form field ${part.name} must follow the file or text it describes`,
        );
      }
      last[part.name] = part.value;
    } else {
      fields[part.name] = fieldValue(part.name, part.value);
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
