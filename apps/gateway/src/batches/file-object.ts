/** What a file is for: `batch` inputs are uploaded, `batch_output` files are written by the gateway. */
export type FilePurpose = 'batch' | 'batch_output';

/** OpenAI's file object (`GET /v1/files/:id`). */
export interface FileObject {
  /** `file-` and 32 hex characters. */
  id: string;
  object: 'file';
  bytes: number;
  /** Unix seconds. */
  created_at: number;
  filename: string;
  purpose: FilePurpose;
  status: 'processed';
}

/** A file object as stored: the public object and the blob that holds its bytes. */
export interface StoredFile {
  file: FileObject;
  blobId: string;
}
