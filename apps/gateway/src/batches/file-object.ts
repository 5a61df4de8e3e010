/**
 * What a file is for: `batch` inputs (JSONL) and `user_data` / `vision` media (inputs of
 * `/v1/infer` by `fileId`) are uploaded; `batch_output` files are written by the gateway.
 */
export type FilePurpose = 'batch' | 'batch_output' | 'user_data' | 'vision';

/** The purposes an upload may declare. */
export const UPLOAD_PURPOSES = ['batch', 'user_data', 'vision'] as const satisfies readonly FilePurpose[];
export type UploadPurpose = (typeof UPLOAD_PURPOSES)[number];

/** OpenAI's file object (`GET /v1/files/:id`). */
export interface FileObject {
  /** `file-` and 32 hex characters. */
  id: string;
  object: 'file';
  bytes: number;
  /** Unix seconds. */
  created_at: number;
  /** Unix seconds: when the blob store may let its bytes go (BLOB_TTL_S after the upload). */
  expires_at: number;
  filename: string;
  purpose: FilePurpose;
  status: 'processed';
}

/** A file object as stored: the public object and the blob that holds its bytes. */
export interface StoredFile {
  file: FileObject;
  blobId: string;
}
