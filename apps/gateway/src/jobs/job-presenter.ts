import type { BlobReader } from '@omnigate/adapters';
import type { JobResult } from '@omnigate/contracts';
import { publicResult, type JobRecord } from './job-record';

export type PresentedJob = JobResult & { links: { self: string } };

/** A job as `GET /v1/jobs/:id` shows it (also the body of its webhook and its final event). */
export async function presentJob(record: JobRecord, blobs: BlobReader): Promise<PresentedJob> {
  const result = publicResult(record);
  const outputs = record.outputSpec.inline
    ? await Promise.all(
        result.outputs.map(async (o) =>
          o.blobId ? { ...o, data: (await blobs.read(o.blobId)).toString('base64') } : o,
        ),
      )
    : result.outputs;
  return { ...result, outputs, links: { self: `/v1/jobs/${record.id}` } };
}
