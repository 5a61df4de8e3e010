import { context, SpanKind, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { startSpan } from './trace-context';

/**
 * A server span per HTTP request, continuing the trace of an incoming W3C `traceparent`, named
 * `METHOD /route/template` (just `METHOD` when no route matched). The request's handler runs in
 * the span's context, so what it queues (a job's first hop) carries the trace on.
 * Installed only when tracing is on.
 */
export function installHttpTracing(fastify: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, { span: Span; context: Context }>();
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    const started = startSpan(
      route ? `${request.method} ${route}` : request.method,
      SpanKind.SERVER,
      { 'http.request.method': request.method, ...(route ? { 'http.route': route } : {}) },
      request.headers,
    );
    spans.set(request, started);
    context.with(started.context, done);
  });
  // The body is parsed in the socket's async context: the handler's hooks enter the span's again
  // (as @fastify/request-context does).
  fastify.addHook('preValidation', (request, _reply, done) => {
    const started = spans.get(request);
    if (started) context.with(started.context, done);
    else done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const started = spans.get(request);
    if (started) {
      spans.delete(request);
      const status = reply.statusCode;
      started.span.setAttribute('http.response.status_code', status);
      // A server span is an error for the server's own failures only (5xx), not the client's.
      if (status >= 500) started.span.setStatus({ code: SpanStatusCode.ERROR });
      started.span.end();
    }
    done();
  });
}
