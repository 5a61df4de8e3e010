import { z } from 'zod';
import { JobResultSchema, JobStatusSchema } from './job-result';

/** The query of `GET /v1/jobs` (its descriptions are the OpenAPI document's). */
export const ListJobsQuerySchema = z.object({
  /** Only the jobs whose status is this one now. */
  status: JobStatusSchema.optional().describe('only the jobs whose status is this one now'),
  /** At most this many jobs in the page. */
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('at most this many jobs'),
  /** Where the page starts: the `next_cursor` of the page before, or a job id (the jobs created before it). */
  after: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('the next_cursor of the page before, or a job id: the jobs created before it'),
});
export type ListJobsQuery = z.infer<typeof ListJobsQuerySchema>;

/** A page of `GET /v1/jobs`: recent jobs, newest first. */
export const JobListSchema = z
  .object({
    object: z.literal('list'),
    /** The jobs as `GET /v1/jobs/:id` shows them, but never with base64 `data` on their outputs. */
    data: z.array(JobResultSchema),
    /** The first job's id, or null for an empty page. */
    first_id: z.string().nullable(),
    /** The last job's id, or null for an empty page. */
    last_id: z.string().nullable(),
    /** More jobs may follow: ask again with `after=next_cursor`. */
    has_more: z.boolean(),
    /** What `after` takes for the next page; null when `has_more` is false. */
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'JobList' });
export type JobList = z.infer<typeof JobListSchema>;
