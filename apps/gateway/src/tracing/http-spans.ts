import type { Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Kind, Status } from './otel-values';
import { LocalSpan } from './local-span';
import { SharedAttributes } from './span-attributes';
import { startSpan, traceparentHeader } from './trace-context';

/**
 * Where a request keeps its span: a request decoration (declared once, so every request object
 * has the field from the start), cheaper than a WeakMap entry per request.
 */
const SPAN = 'omnigateSpan';
type TracedRequest = FastifyRequest & { [SPAN]?: Span | null };

/**
 * The server span of a request, when tracing is on: the parent of what the request does
 * (detection, planning, its job's hops), passed on explicitly.
 */
export function requestSpan(request: FastifyRequest): Span | undefined {
  return (request as TracedRequest)[SPAN] ?? undefined;
}

/**
 * The trace id of a request's span, when tracing is on: its log line names it. A span of this
 * process has it at hand; asking for its whole context would make its span id's hex digits too.
 */
export function requestTraceId(request: FastifyRequest): string | undefined {
  const span = requestSpan(request);
  if (!span) return undefined;
  return span instanceof LocalSpan ? span.traceId : span.spanContext().traceId;
}

/**
 * A server span per HTTP request, continuing the trace of an incoming W3C `traceparent`, named
 * `METHOD /route/template` (just `METHOD` when no route matched). The answer carries the span's
 * own `traceparent`, so a caller can find the trace. Installed only when tracing is on.
 */
export function installHttpTracing(fastify: FastifyInstance): void {
  fastify.decorateRequest(SPAN, null);
  // A server span's name and attributes, made once per route template and method (both bounded:
  // the routes are the server's, the methods those Node's HTTP parser accepts).
  const starts = new Map<string, Map<string, { name: string; attributes: SharedAttributes }>>();
  const startOf = (method: string, route: string | undefined) => {
    let byMethod = starts.get(route ?? '');
    if (!byMethod) starts.set(route ?? '', (byMethod = new Map()));
    let start = byMethod.get(method);
    if (!start) {
      start = route
        ? {
            name: `${method} ${route}`,
            attributes: new SharedAttributes({ 'http.request.method': method, 'http.route': route }),
          }
        : { name: method, attributes: new SharedAttributes({ 'http.request.method': method }) };
      byMethod.set(method, start);
    }
    return start;
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    const start = startOf(request.method, request.routeOptions.url);
    const span = startSpan(
      start.name,
      request.headers as Record<string, string>,
      start.attributes,
      Kind.SERVER,
    );
    if (span) {
      (request as TracedRequest)[SPAN] = span;
      const traceparent = traceparentHeader(span);
      if (traceparent) void reply.header('traceparent', traceparent);
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    // Kept on the request: its log line, written after this hook, names the trace.
    const span = (request as TracedRequest)[SPAN];
    if (span) {
      const status = reply.statusCode;
      span.setAttribute('http.response.status_code', status);
      // A server span is an error for the server's own failures only (5xx), not the client's.
      if (status >= 500) span.setStatus({ code: Status.ERROR });
      span.end();
    }
    done();
  });
}
