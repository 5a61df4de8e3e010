import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { carrierOf, startSpan } from './trace-context';

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * The server span of a request, when tracing is on: the parent of what the request does
 * (detection, planning, its job's hops), passed on explicitly.
 */
export function requestSpan(request: FastifyRequest): Span | undefined {
  return spans.get(request);
}

/**
 * A server span per HTTP request, continuing the trace of an incoming W3C `traceparent`, named
 * `METHOD /route/template` (just `METHOD` when no route matched). The answer carries the span's
 * own `traceparent`, so a caller can find the trace. Installed only when tracing is on.
 */
export function installHttpTracing(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    const span = startSpan(
      route ? `${request.method} ${route}` : request.method,
      request.headers as Record<string, string>,
      { 'http.request.method': request.method, ...(route ? { 'http.route': route } : {}) },
      SpanKind.SERVER,
    );
    if (span) {
      spans.set(request, span);
      void reply.header('traceparent', carrierOf(span).traceparent);
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    // Kept on the request (the map is weak): its log line, written after this hook, names the trace.
    if (span) {
      const status = reply.statusCode;
      span.setAttribute('http.response.status_code', status);
      // A server span is an error for the server's own failures only (5xx), not the client's.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
