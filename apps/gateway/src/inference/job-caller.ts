import type { Span } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import type { JobTag } from '../logging/request-log';
import { requestSpan } from '../tracing/http-spans';

/**
 * Who a job is made for: `tag` is told the job's id (the HTTP request, whose log line names it),
 * and the job's spans hang under `span` (the request's, a batch line's) when tracing.
 */
export interface JobCaller {
  tag?: JobTag;
  span?: Span;
}

/** The caller that is an HTTP request. */
export function callerOf(request: FastifyRequest): JobCaller {
  return { tag: request, span: requestSpan(request) };
}
