import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayError } from '../errors/gateway-error';
import { UNMATCHED_ROUTE } from '../metrics/gateway-metrics';
import { requestTraceId } from '../tracing/http-spans';

declare module 'fastify' {
  interface FastifyRequest {
    /** The job the request created or addressed (the first, when it created several), for its log line. */
    jobId?: string;
    /** How many jobs the request created, when more than one (embeddings, images with `n`). */
    jobCount?: number;
    /** The batch the request created or addressed, for its log line. */
    batchId?: string;
    /** The error the request was answered with (replyWithError), for its log line. */
    failure?: GatewayError;
  }
}

/** What a request's log line says of its jobs: the Fastify request is one. */
export interface JobTag {
  jobId?: string;
  jobCount?: number;
}

/** Names job `id` on the request that created or addressed it (`tag`, if any): the first job, then a count. */
export function tagJob(tag: JobTag | undefined, id: string): void {
  if (!tag || tag.jobId === id) return;
  if (tag.jobId === undefined) tag.jobId = id;
  else tag.jobCount = (tag.jobCount ?? 1) + 1;
}

/**
 * Probes and scrapes: answered well, their lines are at debug, so that an orchestrator probing
 * every few seconds and Prometheus scraping every process do not flood the log at info.
 */
const QUIET_ROUTES: ReadonlySet<string> = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * Fastify's request log lines ("incoming request", "request completed", "Route ... not found",
 * each with the raw URL and its query) replaced by one line per request, once its answer has
 * gone out (`requestCompleted` runs after the onResponse hooks): see `logRequest`.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    logRequest(request, reply, error ?? undefined);
  }
}

/**
 * The one line of a request (`request`), on its logger (so with `reqId`, and `apiKeyName` once its
 * key is known): method, route template (never the raw path or query), status, ms, the job or
 * batch it created or addressed, and the error code of an error answer. 5xx (and an answer that
 * broke off: `streamError`) at error, with the error and its causes (except `unavailable`: during
 * an outage every request answers it, a stack each would flood the log); the rest at info, but
 * probes and scrapes answered well at debug.
 */
export function logRequest(request: FastifyRequest, reply: FastifyReply, streamError?: Error): void {
  const status = reply.statusCode;
  const route = request.routeOptions.url;
  const level =
    status >= 500 || streamError
      ? 'error'
      : status < 400 && route !== undefined && QUIET_ROUTES.has(route)
        ? 'debug'
        : 'info';
  const log = loggerAt(request, level);
  if (!log) return;
  const line = requestFields(request);
  line.status = status;
  line.ms = Math.round(reply.elapsedTime * 100) / 100;
  const failure = request.failure;
  if (failure) {
    line.code = failure.code;
    if (status >= 500 && failure.code !== 'unavailable') line.err = failure;
  }
  if (streamError) line.err = streamError;
  log[level](line, 'request');
}

/**
 * Declares what handlers put on a request for its line (so that every request has one shape),
 * and logs the requests whose client goes away before their answer ends.
 */
export function installRequestLog(fastify: FastifyInstance): void {
  for (const field of ['jobId', 'jobCount', 'batchId', 'failure'] as const) {
    fastify.decorateRequest(field, undefined);
  }
  fastify.addHook('onRequestAbort', logAbortedRequest);
}

/**
 * The line of a request whose client closed the connection before the answer ended (a sync
 * request given up on, a closed event stream), as Fastify's `onRequestAbort` hook, since the
 * answer's end never comes: `aborted`, at info, without status or time (the hook has no reply).
 */
async function logAbortedRequest(request: FastifyRequest): Promise<void> {
  const log = loggerAt(request, 'info');
  if (!log) return;
  const line = requestFields(request);
  line.aborted = true;
  log.info(line, 'request');
}

/** The request's logger if `level` is on: a child of the gateway's pino logger (createGateway's loggerInstance). */
function loggerAt(request: FastifyRequest, level: 'error' | 'info' | 'debug'): Logger | undefined {
  const log = request.log as Logger;
  return log.isLevelEnabled(level) ? log : undefined;
}

/** What both lines say; the line is built once, these fields first. */
function requestFields(request: FastifyRequest): Record<string, unknown> {
  const line: Record<string, unknown> = {
    method: request.method,
    route: request.routeOptions.url ?? UNMATCHED_ROUTE,
  };
  if (request.jobId !== undefined) line.jobId = request.jobId;
  if (request.jobCount !== undefined) line.jobs = request.jobCount;
  if (request.batchId !== undefined) line.batchId = request.batchId;
  // With tracing, the line names the request's trace: from a log line to its spans.
  const traceId = requestTraceId(request);
  if (traceId) line.traceId = traceId;
  return line;
}
