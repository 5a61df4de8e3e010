import { z } from 'zod';
import { Base64Schema } from './base64';
import { ModalitySchema } from './modality';

const hints = {
  /** IANA media type declared by the caller; detection checks it against the content. */
  mediaType: z.string().max(255).optional(),
  filename: z.string().max(255).optional(),
  /** Declared modality: wins over detection when the content allows it. */
  modality: ModalitySchema.optional(),
};

/** A blob's id: the sha256 of its content, 64 lowercase hex characters. */
export const BlobIdSchema = z.string().regex(/^[a-f0-9]{64}$/, 'a blob id is 64 hex characters');
/** An uploaded file's id (`/v1/files`). */
export const FileIdSchema = z
  .string()
  .regex(/^file-[A-Za-z0-9_-]{1,128}$/, 'a file id is `file-` and its name');

/** One input of `/v1/infer`: inline text, base64 data, a stored blob, or an uploaded file (`/v1/files`). */
export const InputPartSchema = z
  .union([
    z.strictObject({ text: z.string(), ...hints }),
    z.strictObject({ data: Base64Schema, ...hints }),
    z.strictObject({ blobId: BlobIdSchema, ...hints }),
    z.strictObject({ fileId: FileIdSchema, ...hints }),
  ])
  .meta({ id: 'InputPart' });

export type InputPart = z.infer<typeof InputPartSchema>;
