import type { JobRecord } from './job-record';

/** A job record with nothing in it but its id and status, for the stores' tests. */
export const testRecord = (id: string, status: JobRecord['status'] = 'queued'): JobRecord => ({
  id,
  status,
  outputs: [],
  route: [],
  detected: [],
  warnings: [],
  timings: {},
  createdAt: new Date().toISOString(),
  outputSpec: { modality: 'text' },
  plan: [],
  priority: 5,
  inputs: [],
  alternatives: [],
});
