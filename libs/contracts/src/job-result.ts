import { z } from 'zod';
import { ErrorCodeSchema } from './error-code';
import { ModalitySchema } from './modality';
import { PlannerReportSchema } from './task-plan';

export const JOB_STATUSES = ['queued', 'active', 'completed', 'failed', 'cancelled'] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export function isTerminalStatus(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** One output: text inline, binary as a blob link (and base64 `data` when asked inline). */
export const OutputPartSchema = z
  .object({
    modality: ModalitySchema,
    mediaType: z.string(),
    text: z.string().optional(),
    blobId: z.string().optional(),
    url: z.string().optional(),
    bytes: z.number().int().optional(),
    data: z.string().optional(),
  })
  .meta({ id: 'OutputPart' });
export type OutputPart = z.infer<typeof OutputPartSchema>;

/** One hop of the route a job took. */
export const RouteStepSchema = z
  .object({
    adapter: z.string(),
    task: z.string(),
    from: z.array(ModalitySchema),
    to: ModalitySchema,
    ms: z.number().optional(),
    /** The adapter's domain, when it is a vertical one. */
    domain: z.string().optional(),
    /** What the adapter reported besides its outputs, e.g. `model`, `usage`, `finish_reason`. */
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'RouteStep' });
export type RouteStep = z.infer<typeof RouteStepSchema>;

/** What the detector found for one input. */
export const DetectionSchema = z
  .object({
    modality: ModalitySchema,
    mediaType: z.string(),
    confidence: z.number().min(0).max(1),
    reason: z.string(),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Detection' });
export type Detection = z.infer<typeof DetectionSchema>;

export const JobErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type JobError = z.infer<typeof JobErrorSchema>;

/** A route that was tried and failed before the job fell back to the next one. */
export const FallbackSchema = z
  .object({
    /** The adapter whose failure ended that route. */
    adapter: z.string(),
    route: z.array(RouteStepSchema),
    error: JobErrorSchema,
  })
  .meta({ id: 'Fallback' });
export type Fallback = z.infer<typeof FallbackSchema>;

/** The result of `/v1/infer` and `GET /v1/jobs/:id`. */
export const JobResultSchema = z
  .object({
    id: z.string(),
    status: JobStatusSchema,
    outputs: z.array(OutputPartSchema),
    route: z.array(RouteStepSchema),
    detected: z.array(DetectionSchema),
    warnings: z.array(z.string()),
    timings: z.object({
      queuedMs: z.number().optional(),
      runMs: z.number().optional(),
      totalMs: z.number().optional(),
    }),
    attempts: z.number().int().optional(),
    /** Routes tried before `route`, in order; absent when the first route was the one. */
    fallbacks: z.array(FallbackSchema).optional(),
    error: JobErrorSchema.optional(),
    /** How the LLM planner planned the job, when it was asked to (`planner: "llm"`). */
    planner: PlannerReportSchema.optional(),
    createdAt: z.string(),
    finishedAt: z.string().optional(),
    /** The OpenTelemetry trace the job's spans belong to, when the gateway traces (32 hex digits). */
    traceId: z.string().optional(),
    links: z.object({ self: z.string() }).optional(),
  })
  .meta({ id: 'JobResult' });
export type JobResult = z.infer<typeof JobResultSchema>;
