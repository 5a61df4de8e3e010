import type { BlobReader } from '@omnigate/adapters';
import type { JobResult } from '@omnigate/contracts';
import { extended } from '../common/extended';
import { publicResult, type JobRecord } from './job-record';

export type PresentedJob = JobResult & { links: { self: string } };

/** A job as `GET /v1/jobs/:id` shows it (also the body of its webhook and its final event). */
export async function presentJob(record: JobRecord, blobs: BlobReader): Promise<PresentedJob> {
  const listed = listedJob(record);
  if (!record.outputSpec.inline) return listed;
  const outputs = await Promise.all(
    listed.outputs.map(async (o) =>
      o.blobId ? { ...o, data: (await blobs.read(o.blobId)).toString('base64') } : o,
    ),
  );
  return { ...listed, outputs };
}

/** A job as `GET /v1/jobs` lists it: as `presentJob` shows it, but never with outputs' base64 `data`. */
export function listedJob(record: JobRecord): PresentedJob {
  return extended(publicResult(record), { links: { self: `/v1/jobs/${record.id}` } });
}
