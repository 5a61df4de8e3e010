import type { Readable } from 'node:stream';
import type { InputPart } from '@omnigate/contracts';
import type { FastifyRequest } from 'fastify';
import { BlobTooLargeError } from '../blobs/blob-errors';
import type { BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';

/**
 * Parts of one multipart request, counting every part (fields included), past which it is 413.
 * Busboy hands every part over as a stream (`isPartAFile` in app.factory), so no field is ever
 * buffered before `formParts` reads it within the request's budget.
 */
export const MAX_FORM_PARTS = 64;

/** What one multipart request may hold besides its files' bytes. */
export interface FormLimits {
  /** Bytes of all its fields (not files) together: MAX_BODY_BYTES, as for a JSON body. */
  fieldsBytes: number;
  /** Characters of one `text` field (LIMIT_TEXT_CHARS); without it, `text` is a field like another. */
  textChars?: number;
  /** Files it may carry. */
  maxFiles: number;
}

/** A file part: to stream somewhere before asking for the next part. */
export interface FilePart {
  kind: 'file';
  name: string;
  filename?: string;
  /** The declared type; undefined when none or application/octet-stream (nothing said). */
  mediaType?: string;
  stream: Readable;
}

/** One part, in order: a file, or a field's text. */
export type FormPart = FilePart | { kind: 'field'; name: string; value: string };

/** A UTF-16 code unit takes at most 3 bytes of UTF-8 (a 4-byte character is two units). */
const MAX_UTF8_BYTES_PER_CHAR = 3;

/**
 * The parts of a multipart request. Fields are read as they arrive, and the request is refused
 * with 413 naming the variable the moment a `text` field passes 3 × LIMIT_TEXT_CHARS bytes or all
 * fields pass MAX_BODY_BYTES: the rest is never read. A file the caller leaves unread is drained
 * when the next part is asked for. A body that is not valid multipart is 400.
 */
export async function* formParts(request: FastifyRequest, limits: FormLimits): AsyncGenerator<FormPart> {
  const budget = { fieldsLeft: limits.fieldsBytes };
  let files = 0;
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') {
        throw new GatewayError('internal_error', 'a multipart field was buffered: isPartAFile is not set');
      }
      if (part.filename !== undefined || part.mimetype === 'application/octet-stream') {
        if (++files > limits.maxFiles) {
          throw new GatewayError('payload_too_large', `a request carries at most ${limits.maxFiles} files`, {
            maxFiles: limits.maxFiles,
          });
        }
        const declared =
          part.mimetype && part.mimetype !== 'application/octet-stream' ? part.mimetype : undefined;
        yield {
          kind: 'file',
          name: part.fieldname,
          ...(part.filename !== undefined ? { filename: part.filename } : {}),
          ...(declared ? { mediaType: declared } : {}),
          stream: part.file,
        };
        // Busboy goes on to the next part only once this one is read to its end.
        if (!part.file.readableEnded) await drain(part.file);
      } else {
        yield {
          kind: 'field',
          name: part.fieldname,
          value: await readField(part.fieldname, part.file, limits, budget),
        };
      }
    }
  } catch (err) {
    throw formError(err);
  }
}

async function readField(
  name: string,
  stream: Readable,
  limits: FormLimits,
  budget: { fieldsLeft: number },
): Promise<string> {
  const textChars = name === 'text' ? limits.textChars : undefined;
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    budget.fieldsLeft -= chunk.length;
    if (textChars !== undefined && bytes > MAX_UTF8_BYTES_PER_CHAR * textChars) throw textTooLong(textChars);
    if (budget.fieldsLeft < 0) {
      throw new GatewayError(
        'payload_too_large',
        `the form's fields are over MAX_BODY_BYTES=${limits.fieldsBytes} bytes (send large inputs as files)`,
        { limit: 'MAX_BODY_BYTES', max: limits.fieldsBytes },
      );
    }
    chunks.push(chunk);
  }
  const value = Buffer.concat(chunks, bytes).toString('utf8');
  if (textChars !== undefined && value.length > textChars) throw textTooLong(textChars, value.length);
  return value;
}

function textTooLong(max: number, actual?: number): GatewayError {
  return new GatewayError('payload_too_large', `a text field is over LIMIT_TEXT_CHARS=${max} characters`, {
    limit: 'LIMIT_TEXT_CHARS',
    max,
    ...(actual !== undefined ? { actual } : {}),
  });
}

async function drain(stream: Readable): Promise<void> {
  stream.resume();
  await new Promise<void>((resolve) => {
    stream
      .once('end', resolve)
      .once('close', resolve)
      .once('error', () => resolve());
  });
}

/** What went wrong reading the form, as the client's error: limits are 413, anything else 400. */
function formError(err: unknown): unknown {
  if (err instanceof GatewayError) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return new GatewayError(
      'payload_too_large',
      `a multipart request has at most ${MAX_FORM_PARTS} parts`,
      { maxParts: MAX_FORM_PARTS },
      { cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new GatewayError('invalid_request', `the multipart body is not valid: ${message}`, undefined, {
    cause: err,
  });
}

/** A file over its byte limit (the blob store's BlobTooLargeError) as 413 naming the variable. */
export function uploadTooLarge(err: unknown, variable: string): unknown {
  if (!(err instanceof BlobTooLargeError)) return err;
  return new GatewayError(
    'payload_too_large',
    `the file is over ${variable}=${err.limit} bytes`,
    { limit: variable, max: err.limit },
    { cause: err },
  );
}

/** Streams a file part to the blob store as an input of a job; past `maxBytes`, 413 naming BLOB_MAX_BYTES. */
export async function storeInputFile(blobs: BlobStore, part: FilePart, maxBytes: number): Promise<InputPart> {
  const { mediaType, filename } = part;
  const blob = await blobs.put(part.stream, { mediaType, filename, maxBytes }).catch((err: unknown) => {
    throw uploadTooLarge(err, 'BLOB_MAX_BYTES');
  });
  return { blobId: blob.id, ...(mediaType ? { mediaType } : {}), ...(filename ? { filename } : {}) };
}
