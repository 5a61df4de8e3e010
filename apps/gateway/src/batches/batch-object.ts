import { WebhookSchema } from '@omnigate/contracts';
import { z } from 'zod';

export type BatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

/** Statuses a batch leaves no more. */
export const FINAL_BATCH_STATUSES: readonly BatchStatus[] = ['failed', 'completed', 'expired', 'cancelled'];

/** The endpoints a batch line may call: the native API and the facade endpoints mapped here. */
export const BATCH_ENDPOINTS = [
  '/v1/infer',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/images/generations',
  '/v1/audio/speech',
  '/v1/audio/transcriptions',
  '/v1/responses',
] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

/** One problem that made a whole batch fail (OpenAI's `errors.data[]`). */
export interface BatchError {
  code: string;
  message: string;
  line: number | null;
  param: string | null;
}

/** OpenAI's batch object (`GET /v1/batches/:id`). Times are Unix seconds. */
export interface BatchObject {
  /** `batch_` and 32 hex characters. */
  id: string;
  object: 'batch';
  endpoint: BatchEndpoint;
  errors: { object: 'list'; data: BatchError[] } | null;
  input_file_id: string;
  /** `24h`, or (omnigate extension) a whole number of `s`, `m` or `h` from 1s to 168h. */
  completion_window: string;
  status: BatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  /** `total` is known once validation counted the lines; the others as lines finish. */
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
}

/** The fields of a batch a status change may set. */
export type BatchPatch = Partial<
  Pick<
    BatchObject,
    | 'status'
    | 'errors'
    | 'output_file_id'
    | 'error_file_id'
    | 'in_progress_at'
    | 'finalizing_at'
    | 'completed_at'
    | 'failed_at'
    | 'cancelling_at'
    | 'cancelled_at'
    | 'expired_at'
    | 'request_counts'
  >
>;

/** The longest completion window the extension allows: a week. */
const MAX_WINDOW_S = 168 * 3600;
const WINDOW_UNIT_S = { s: 1, m: 60, h: 3600 } as const;

/**
 * The seconds of a completion window: OpenAI's `24h`, or any whole number of `s`, `m` or `h`
 * from 1s to 168h (omnigate extension); undefined for anything else.
 */
export function completionWindowSeconds(window: string): number | undefined {
  const match = /^(\d{1,9})(s|m|h)$/.exec(window);
  if (!match) return undefined;
  const seconds = Number(match[1]) * WINDOW_UNIT_S[match[2] as keyof typeof WINDOW_UNIT_S];
  return seconds >= 1 && seconds <= MAX_WINDOW_S ? seconds : undefined;
}

const WINDOW_MESSAGE =
  "completion_window must be '24h' or (omnigate extension) a whole number of s, m or h from 1s to 168h, e.g. '90m'";

/** Body of `POST /v1/batches`. */
export const CreateBatchSchema = z
  .object({
    input_file_id: z.string().min(1).max(256),
    endpoint: z.enum(BATCH_ENDPOINTS),
    completion_window: z
      .string()
      .regex(/^\d+(s|m|h)$/, WINDOW_MESSAGE)
      .refine((window) => completionWindowSeconds(window) !== undefined, WINDOW_MESSAGE)
      .meta({
        description:
          "`24h` (OpenAI's only value), or (omnigate extension) a whole number of `s`, `m` or `h` from 1s to 168h. The batch expires `completion_window` after `created_at`.",
      }),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
    /** omnigate extension: called once, signed, when the batch ends (never shown in the batch object). */
    webhook: WebhookSchema.optional(),
  })
  .meta({ id: 'OpenAiBatchCreateRequest' });
export type CreateBatch = z.infer<typeof CreateBatchSchema>;

/** Query of `GET /v1/batches`. */
export const ListBatchesSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().min(1).max(256).optional(),
});

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
