import type { HopJob, JobRecord } from './job-record';

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

/** The first hop of job `jobId` on adapter `adapter`, with no inputs, for the queues' tests. */
export const testHop = (jobId: string, adapter = 'a'): HopJob => ({
  jobId,
  generation: 0,
  hop: 0,
  inputs: [],
  adapter,
  task: 't',
  output: { modality: 'text' },
  options: {},
});
