import type { JobRecord } from '../jobs/job-record';
import { toOpenAiError } from './openai-error';
import type { StoredResponse } from './response-store';
import type { ResponseParameters } from './responses-endpoint';

/** A Response's `status` before it has an answer, or once it will never have one. */
export type UnfinishedStatus = 'queued' | 'in_progress' | 'failed' | 'cancelled';

/** OpenAI's `ResponseError`: its `code` is one of OpenAI's few, the gateway's own is in the message. */
export interface ResponseError {
  code: 'server_error' | 'rate_limit_exceeded';
  message: string;
}

/**
 * A Response object without output: what a stream's `response.created` carries, a background
 * response while its job is queued or running, and one whose job failed or was cancelled. The
 * fields are those of the completed object (responses-endpoint.ts), so clients read both alike;
 * `model` is the one asked for until an adapter answers.
 */
export function unfinishedResponse(
  body: ResponseParameters,
  id: string,
  status: UnfinishedStatus,
  error: ResponseError | null = null,
): StoredResponse['response'] {
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    background: body.background ?? false,
    error,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output: [],
    parallel_tool_calls: false,
    previous_response_id: body.previous_response_id ?? null,
    store: body.store ?? true,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    truncation: 'disabled',
    metadata: body.metadata ?? {},
    ...(body.user ? { user: body.user } : {}),
    usage: null,
  };
}

/** What went wrong, as a Response's `error`: anything thrown, or a failed job's record. */
export function responseError(cause: unknown): ResponseError {
  const { body, status } = toOpenAiError(cause);
  return {
    code: status === 429 ? 'rate_limit_exceeded' : 'server_error',
    message: body.error.message,
  };
}

/** A failed job's error as a Response's. */
export function jobError(record: JobRecord): ResponseError {
  const code = record.error?.code;
  return {
    code: code === 'rate_limited' ? 'rate_limit_exceeded' : 'server_error',
    message: record.error?.message ?? `job ${record.id} failed`,
  };
}
