import { randomUUID } from 'node:crypto';
import { InferRequestSchema, isTerminalStatus, type InferRequest } from '@omnigate/contracts';
import { SpanKind, type Span } from '@opentelemetry/api';
import { z } from 'zod';
import type { BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';
import type { InferenceService } from '../inference/inference.service';
import type { AudioAnswerStore } from '../openai/audio-answer-store';
import type { LineDeps, LineJobs } from '../openai/facade-endpoint';
import { FACADE_ENDPOINTS } from '../openai/facade-endpoints';
import { completed } from '../openai/facade-job';
import type { ModelCatalog } from '../openai/model-catalog';
import type { ResponseStore } from '../openai/response-store';
import { invalidParam, toOpenAiError } from '../openai/openai-error';
import type { JobStore } from '../jobs/job-ports';
import type { JobRecord } from '../jobs/job-record';
import { watchJob } from '../jobs/job-waiter';
import { isBlobStoreUnavailable } from '../blobs/blob-errors';
import { isRedisUnavailable } from '../queue/redis-connections';
import type { RoutePlanner } from '../routing/route-planner';
import type { WebhookService } from '../webhooks/webhook.service';
import { BATCH_ENDPOINTS, type BatchEndpoint, type BatchObject } from './batch-object';
import { endSpan, linkTo, startSpan, type TraceCarrier } from '../tracing/trace-context';
import type { BatchResultLine } from './batch-store';

/** How long one line's job may take when its body sets no `timeoutMs`. */
const LINE_TIMEOUT_MS = 3_600_000;

/** One input line: `{custom_id, method, url, body}`. */
const BatchLineSchema = z.object({
  custom_id: z.string().min(1).max(512),
  method: z.literal('POST'),
  url: z.string(),
  body: z.record(z.string(), z.unknown()),
});

/**
 * Runs the lines of batches: each line one job (a facade line the endpoint would split, one per
 * part), at the batch priority, answered in OpenAI's line format.
 */
export class BatchLineRunner {
  /** What the facade endpoints' mappings read. */
  private readonly deps: LineDeps;

  constructor(
    private readonly inference: InferenceService,
    private readonly jobs: JobStore,
    blobs: BlobStore,
    models: ModelCatalog,
    planner: RoutePlanner,
    /** The queue priority of batch lines: a line asking for a more urgent one gets this. */
    private readonly priority: number,
    private readonly webhooks: WebhookService,
    /** The spoken chat answers a line's conversation may refer to, and its spoken answers are kept in. */
    audioAnswers: AudioAnswerStore,
    /** Stored responses: a `/v1/responses` line reads its previous_response_id there and stores its answer. */
    responses: ResponseStore,
  ) {
    this.deps = { models, blobs, planner, audioAnswers, responses };
  }

  /**
   * Answers line `lineNo` (1-based, of the file): an output line, or an error line when the
   * line is malformed, its body is one its endpoint refuses with 400 (a webhook with no secret to
   * sign with or to a refused address included: it is never queued), or its job failed.
   * Undefined when `signal` aborted the wait: the line is not answered and runs again when the
   * batch resumes, or, when the abort's reason is `BatchExpired`, its jobs are cancelled (their
   * answers would come too late) and the batch records it as expired. Throws when Redis is away:
   * that is no answer either. When tracing, the line is a trace of its own (its jobs' spans under
   * its span), linked to the request that created the batch (`batchTrace`).
   */
  async run(
    raw: string,
    lineNo: number,
    batch: Pick<BatchObject, 'id' | 'endpoint'>,
    signal: AbortSignal,
    batchTrace?: TraceCarrier,
  ): Promise<BatchResultLine | undefined> {
    const span = startSpan(
      'batch line',
      undefined,
      { 'omnigate.batch.id': batch.id, 'omnigate.batch.line': lineNo },
      SpanKind.INTERNAL,
      linkTo(batchTrace),
    );
    try {
      const result = await this.runLine(raw, lineNo, batch.endpoint, signal, span);
      span?.setAttribute(
        'omnigate.batch.line.outcome',
        result ? (result.failed ? 'failed' : 'completed') : 'unanswered',
      );
      span?.end();
      return result;
    } catch (err) {
      if (span) endSpan(span, err);
      throw err;
    }
  }

  private async runLine(
    raw: string,
    lineNo: number,
    endpoint: BatchEndpoint,
    signal: AbortSignal,
    span: Span | undefined,
  ): Promise<BatchResultLine | undefined> {
    const id = newRequestId();
    let customId: string | null = null;
    let job: LineJobs;
    try {
      const value = parseJson(raw);
      customId = customIdOf(value);
      const line = BatchLineSchema.parse(value);
      job = await this.toJob(lineEndpoint(line.url, endpoint), line.body);
      for (const request of job.requests) if (request.webhook) await this.webhooks.check(request.webhook);
    } catch (err) {
      // Not the line's fault (a store it reads, such as a previous response's, is away): no answer.
      if (isRedisUnavailable(err) || isBlobStoreUnavailable(err)) throw err;
      const { body } = toOpenAiError(err);
      const error = { code: body.error.code ?? 'invalid_request', message: body.error.message, line: lineNo };
      return failure({ id, custom_id: customId, response: null, error });
    }
    const queued: string[] = [];
    const result = await this.answer(job, queued, { id, customId, lineNo }, signal, span);
    if (result === undefined && signal.reason instanceof BatchExpired) await this.cancel(queued);
    return result;
  }

  /** Queues the line's jobs (their ids go to `queued` as they are) and answers from their records. */
  private async answer(
    job: LineJobs,
    queued: string[],
    { id, customId, lineNo }: { id: string; customId: string | null; lineNo: number },
    signal: AbortSignal,
    span: Span | undefined,
  ): Promise<BatchResultLine | undefined> {
    // The job the answer comes from: the last one, or the one that failed.
    let requestId: string | null = null;
    /** Queues `requests` and waits for them all; undefined when the signal aborted the wait. */
    const run = async (requests: InferRequest[]): Promise<JobRecord[] | undefined> => {
      const ids: string[] = [];
      for (const request of requests) {
        if (signal.aborted) return undefined;
        // In the batch lane: worked where WORKER_LANES has it, never by the direct lane.
        const jobId = (await this.inference.submit(request, 'batch', { span })).id;
        ids.push(jobId);
        queued.push(jobId);
      }
      const timeouts = requests.map((request) => request.timeoutMs ?? LINE_TIMEOUT_MS);
      const records = await this.wait(ids, timeouts, signal);
      for (const record of records ?? []) {
        requestId = record.id;
        completed(record);
      }
      return records;
    };
    try {
      let records = await run(job.requests);
      if (records && job.followUp) {
        const more = await run(await job.followUp(records));
        records = more && [...records, ...more];
      }
      if (!records) return undefined;
      const body = await job.lineBody(records);
      const response = { status_code: 200, request_id: requestId, body };
      return { failed: false, line: JSON.stringify({ id, custom_id: customId, response, error: null }) };
    } catch (err) {
      if (isRedisUnavailable(err) || isBlobStoreUnavailable(err)) throw err;
      // A line of several jobs answers with its first failure: the others' answers would be dropped.
      if (queued.length > 1) await this.cancel(queued).catch(() => {});
      const { status, body } = toOpenAiError(err);
      const response = { status_code: status, request_id: requestId, body };
      const error = { code: body.error.code ?? 'server_error', message: body.error.message, line: lineNo };
      return failure({ id, custom_id: customId, response, error });
    }
  }

  /** Cancels a line's jobs whose answers would be thrown away (the line expired, or one of its jobs failed). */
  private async cancel(jobIds: string[]): Promise<void> {
    try {
      await Promise.all(jobIds.map((jobId) => this.inference.cancel(jobId)));
    } catch (err) {
      throw new GatewayError(
        'unavailable',
        `could not cancel the jobs of a batch line (${jobIds.join(', ')})`,
        { jobIds },
        { cause: err },
      );
    }
  }

  /**
   * The jobs' records once they all end (each within its time), or undefined once `signal`
   * aborts. Throws when one cannot be read or outlasts its time; then no watch is left behind.
   */
  private async wait(
    jobIds: string[],
    timeoutsMs: number[],
    signal: AbortSignal,
  ): Promise<JobRecord[] | undefined> {
    const watches = jobIds.map((jobId, i) => watchJob(this.jobs, jobId, timeoutsMs[i]!));
    const stop = () => watches.forEach((watch) => watch.cancel());
    let onAbort = () => {};
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => {
        stop();
        resolve(undefined);
      };
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    try {
      const records = await Promise.race([Promise.all(watches.map((watch) => watch.result)), aborted]);
      if (!records || signal.aborted || records.some((record) => record === undefined)) return undefined;
      records.forEach((record, i) => {
        if (!isTerminalStatus(record!.status)) {
          throw new GatewayError('timeout', `job ${jobIds[i]} did not end within ${timeoutsMs[i]} ms`, {
            jobId: jobIds[i],
          });
        }
      });
      return records as JobRecord[];
    } finally {
      signal.removeEventListener('abort', onAbort);
      stop();
    }
  }

  /**
   * A `/v1/infer` line is the native request; any other, its facade endpoint's (FACADE_ENDPOINTS),
   * which may read a store first (a `/v1/responses` line's previous_response_id).
   */
  private async toJob(endpoint: BatchEndpoint, body: Record<string, unknown>): Promise<LineJobs> {
    if (endpoint === '/v1/infer') return this.inferJob(body);
    return FACADE_ENDPOINTS[endpoint].lineJobs(body, this.deps, this.priority);
  }

  private inferJob(body: Record<string, unknown>): LineJobs {
    const parsed = InferRequestSchema.parse(body);
    const request = { ...parsed, priority: Math.max(parsed.priority ?? this.priority, this.priority) };
    return { requests: [request], lineBody: ([record]) => this.inference.present(record!) };
  }
}

/** The reason a batch's stop signal aborts with when its completion window ends. */
export class BatchExpired extends Error {
  override readonly name = 'BatchExpired';

  constructor(readonly batchId: string) {
    super(`batch ${batchId} expired: its completion window ended`);
  }
}

/**
 * The error line of a line that was not answered when the batch expired: OpenAI's
 * `batch_expired`, with the line's `custom_id` when it has one.
 */
export function expiredLine(raw: string, lineNo: number): BatchResultLine {
  return failure({
    id: newRequestId(),
    custom_id: customIdOfLine(raw),
    response: null,
    error: {
      code: 'batch_expired',
      message: 'This request could not be executed before the completion window expired.',
      line: lineNo,
    },
  });
}

function newRequestId(): string {
  return `batch_req_${randomUUID().replaceAll('-', '')}`;
}

/**
 * The endpoint a line calls. A batch of a facade endpoint takes only lines for it (OpenAI's
 * rule); a `/v1/infer` batch may mix in lines for the facade endpoints.
 */
function lineEndpoint(url: string, batchEndpoint: BatchEndpoint): BatchEndpoint {
  const known = (BATCH_ENDPOINTS as readonly string[]).includes(url);
  if (url === batchEndpoint || (known && batchEndpoint === '/v1/infer')) return url as BatchEndpoint;
  throw invalidParam(
    'url',
    known
      ? `a batch of ${batchEndpoint} takes lines for ${batchEndpoint} only, not ${url}`
      : `url ${url} is not one a batch line may call (${BATCH_ENDPOINTS.join(', ')})`,
  );
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new GatewayError('invalid_request', 'the line is not valid JSON', undefined, { cause: err });
  }
}

/**
 * The `custom_id` of a raw line, or null when it is not JSON or has none (validation looks only
 * at this; the line's other faults are its own error line when it runs).
 */
export function customIdOfLine(raw: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
  return customIdOf(value);
}

/** The `custom_id` of a line, also of a malformed one, so its error can be matched; else null. */
function customIdOf(value: unknown): string | null {
  const id = (value as { custom_id?: unknown } | null)?.custom_id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/** An error line: `error.line` is the line's number in the input file, for lines without `custom_id`. */
function failure(line: {
  id: string;
  custom_id: string | null;
  response: unknown;
  error: { code: string; message: string; line: number };
}): BatchResultLine {
  return { failed: true, line: JSON.stringify(line) };
}
