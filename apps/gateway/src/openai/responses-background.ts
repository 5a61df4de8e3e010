import { isTerminalStatus } from '@omnigate/contracts';
import { GatewayError } from '../errors/gateway-error';
import type { InferenceService } from '../inference/inference.service';
import type { JobCaller } from '../inference/job-caller';
import type { JobRecord } from '../jobs/job-record';
import type { EndpointDeps } from './facade-endpoint';
import { conversationIdOf } from './conversation-id';
import { invalidParam } from './openai-error';
import type { ResponseStore, StoredResponse } from './response-store';
import { buildResponse, newResponseId, type ResponseJob } from './responses-endpoint';
import type { ResponseCreateRequest } from './responses-request';
import { jobError, responseError, unfinishedResponse } from './unfinished-response';

/** What background responses need: jobs to run and read, the store, and what answers are built from. */
export interface BackgroundDeps extends Pick<EndpointDeps, 'models' | 'blobs'> {
  inference: InferenceService;
  store: ResponseStore;
}

/**
 * `background: true`: the response's chat job is queued as an ordinary async job and the
 * response stored at once as `queued`, with the request it was made from. Nothing waits for
 * the job: the first read after its end (settle) builds the answer from the job's record, so
 * it does not matter which process ran the job or which one is asked.
 */
/** What a background response cannot be: checked before anything is stored or run. */
export function refuseInBackground(body: ResponseCreateRequest): void {
  if (conversationIdOf(body) !== undefined) {
    throw invalidParam(
      'conversation',
      'a background response is not added to a conversation here; use previous_response_id, or leave background out',
    );
  }
  if (body.store === false) {
    throw invalidParam('store', 'a background response is stored: leave store out or set it to true');
  }
  if (body.stream) {
    throw invalidParam(
      'stream',
      'a background response does not stream here: poll GET /v1/responses/{id}, or read its job’s events at GET /v1/jobs/{job}/events',
    );
  }
}

export async function startBackground(
  body: ResponseCreateRequest,
  job: ResponseJob,
  deps: BackgroundDeps,
  caller: JobCaller,
): Promise<{ stored: StoredResponse; record: JobRecord }> {
  const record = await deps.inference.submit(job.request, 'interactive', caller);
  const stored: StoredResponse = {
    response: unfinishedResponse(body, newResponseId(), 'queued'),
    inputItems: job.prepared.input,
    conversation: [],
    background: { jobId: record.id, pending: job.prepared },
  };
  await deps.store.put(stored);
  return { stored, record };
}

/**
 * The response as it stands: one not made in the background, or already settled, as stored;
 * a pending one with its job's status (`queued`, `in_progress`), or, once the job ended,
 * settled: its answer built and stored in place of the pending one.
 */
export async function currentResponse(stored: StoredResponse, deps: BackgroundDeps): Promise<StoredResponse> {
  const job = stored.background;
  if (!job?.pending) return stored;
  const record = await jobOf(job.jobId, deps.inference);
  if (record && !isTerminalStatus(record.status)) {
    const status = record.status === 'active' ? 'in_progress' : 'queued';
    return { ...stored, response: { ...stored.response, status } };
  }
  const settled = await settledForm(stored, record, deps);
  return (await deps.store.settle(settled)) ?? settled;
}

/**
 * `POST /v1/responses/:id/cancel`: cancels a background response's job; one that has ended is
 * answered as it is. Only a background response can be cancelled (400, as OpenAI's).
 */
export async function cancelBackground(
  stored: StoredResponse,
  deps: BackgroundDeps,
): Promise<StoredResponse> {
  const job = stored.background;
  if (!job) {
    throw new GatewayError(
      'invalid_request',
      'only a response created with background: true can be cancelled',
    );
  }
  if (!job.pending) return stored;
  const record = await jobOf(job.jobId, deps.inference);
  if (record && !isTerminalStatus(record.status)) await deps.inference.cancel(job.jobId);
  return currentResponse(stored, deps);
}

/** The job's record, or undefined once it expired (JOB_TTL_S). */
async function jobOf(jobId: string, inference: InferenceService): Promise<JobRecord | undefined> {
  try {
    return await inference.get(jobId);
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'not_found') return undefined;
    throw err;
  }
}

/** A pending response once its job ended (or expired unread): its answer, or why there is none. */
async function settledForm(
  stored: StoredResponse,
  record: JobRecord | undefined,
  deps: BackgroundDeps,
): Promise<StoredResponse> {
  const { jobId, pending } = stored.background!;
  const ended = (status: 'failed' | 'cancelled', error: ReturnType<typeof jobError> | null) => ({
    response: { ...stored.response, status, error },
    inputItems: stored.inputItems,
    conversation: [],
    background: { jobId },
  });
  if (!record) {
    return ended('failed', {
      code: 'server_error',
      message: `job ${jobId} expired before its answer was read`,
    });
  }
  if (record.status === 'cancelled') return ended('cancelled', null);
  if (record.status === 'failed') return ended('failed', jobError(record));
  try {
    // The prepared request builds the answer it would have had in the foreground.
    const built = await buildResponse(pending!, record, deps.blobs);
    return {
      ...built,
      response: { ...built.response, id: stored.response.id, background: true },
      inputItems: stored.inputItems,
      background: { jobId },
    };
  } catch (err) {
    return ended('failed', responseError(err));
  }
}

/** A stored response as `previous_response_id`: only one with an answer can be continued. */
export function continuable(current: StoredResponse): StoredResponse {
  const status = current.response.status;
  if (status === 'completed' || status === 'incomplete') return current;
  throw invalidParam(
    'previous_response_id',
    `response ${current.response.id} is ${String(status)}: only a completed response can be continued`,
  );
}
