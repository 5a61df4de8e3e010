import { request as httpRequest } from 'node:http';
import { setTimeout } from 'node:timers/promises';
import fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { replyWithError } from '../errors/error-reply';
import { GatewayError } from '../errors/gateway-error';
import { RedisUnavailableError } from '../queue/redis-connections';
import { installHttpTracing } from '../tracing/http-spans';
import { enableTracing, pauseTracing } from '../tracing/trace-context';
import { REMOTE, tracerWith } from '../tracing/tracing.testing';
import { createLogger } from './logger';
import { requestId } from './request-id';
import { installRequestLog, RequestLog, tagJob } from './request-log';

type Line = Record<string, unknown> & { level: number; msg: string };

/**
 * A bare Fastify server logging as the gateway does, its lines parsed into `lines`; `setup`
 * before its routes (tracing's hooks).
 */
function server(level = 'info', setup?: (app: FastifyInstance) => void) {
  const lines: Line[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const app = fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new RequestLog(),
    genReqId: requestId,
  });
  setup?.(app);
  installRequestLog(app);
  app.setErrorHandler((err, request, reply) => replyWithError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    replyWithError(request, reply, new GatewayError('not_found', 'no')),
  );
  app.get('/v1/jobs/:id', async (request) => {
    tagJob(request, (request.params as { id: string }).id);
    return { ok: true };
  });
  app.post('/v1/embeddings', async (request) => {
    for (const id of ['a', 'b', 'c']) tagJob(request, id);
    return { ok: true };
  });
  app.get('/boom', async () => {
    throw new Error('boom', { cause: new Error('the cause') });
  });
  app.get('/away', async () => {
    throw new RedisUnavailableError(new Error('connect ECONNREFUSED'));
  });
  app.get('/v1/slow/:id', async (request) => {
    tagJob(request, 'j-slow');
    await setTimeout(300);
    return { ok: true };
  });
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async () => {
    throw new RedisUnavailableError(new Error('connect ECONNREFUSED'));
  });
  return { app, lines };
}

const requestLines = (lines: Line[]) => lines.filter((l) => l.msg === 'request');

describe('RequestLog: one line per request', () => {
  let app: ReturnType<typeof server>['app'] | undefined;
  afterEach(async () => app?.close());

  it('says the method, route template, status, time and job, never the raw path or query', async () => {
    const made = server();
    app = made.app;
    const res = await app.inject({
      url: '/v1/jobs/j-1?api_key=sk-very-secret',
      headers: { 'x-request-id': 'r-1' },
    });
    expect(res.statusCode).toBe(200);
    expect(made.lines).toHaveLength(1);
    const [line] = made.lines;
    expect(line).toMatchObject({
      level: 30,
      msg: 'request',
      reqId: 'r-1',
      method: 'GET',
      route: '/v1/jobs/:id',
      status: 200,
      jobId: 'j-1',
    });
    expect(line.ms).toEqual(expect.any(Number));
    expect(JSON.stringify(line)).not.toContain('sk-very-secret');
    expect(JSON.stringify(line)).not.toContain('?');
  });

  it('names the first of several jobs and counts them', async () => {
    const made = server();
    app = made.app;
    await app.inject({ method: 'POST', url: '/v1/embeddings' });
    expect(requestLines(made.lines)).toEqual([expect.objectContaining({ jobId: 'a', jobs: 3 })]);
  });

  it('logs a 4xx at info with its code, and an unmatched route as such', async () => {
    const made = server();
    app = made.app;
    const res = await app.inject({ url: '/no/such/path?token=sk-very-secret' });
    expect(res.statusCode).toBe(404);
    expect(made.lines).toEqual([
      expect.objectContaining({ level: 30, route: 'unmatched', status: 404, code: 'not_found' }),
    ]);
    expect(made.lines[0]).not.toHaveProperty('err');
    expect(JSON.stringify(made.lines)).not.toContain('sk-very-secret');
  });

  it('logs a 5xx at error with its code, the error and its causes', async () => {
    const made = server();
    app = made.app;
    expect((await app.inject({ url: '/boom' })).statusCode).toBe(500);
    expect(made.lines).toHaveLength(1);
    expect(made.lines[0]).toMatchObject({ level: 50, route: '/boom', status: 500, code: 'internal_error' });
    const err = made.lines[0].err as { stack: string };
    expect(err.stack).toContain('boom');
    expect(err.stack).toContain('the cause');
  });

  it('logs a 503 unavailable (every request answers it during an outage) without a stack', async () => {
    const made = server();
    app = made.app;
    expect((await app.inject({ url: '/away' })).statusCode).toBe(503);
    expect(made.lines).toEqual([expect.objectContaining({ level: 50, status: 503, code: 'unavailable' })]);
    expect(made.lines[0]).not.toHaveProperty('err');
  });

  it('logs probes answered well at debug, and a failing one as any other request', async () => {
    const info = server('info');
    app = info.app;
    await app.inject({ url: '/health/live' });
    await app.inject({ url: '/health/ready' });
    expect(info.lines).toEqual([expect.objectContaining({ level: 50, route: '/health/ready', status: 503 })]);
    await app.close();

    const debug = server('debug');
    app = debug.app;
    await app.inject({ url: '/health/live' });
    expect(requestLines(debug.lines)).toEqual([
      expect.objectContaining({ level: 20, route: '/health/live', status: 200 }),
    ]);
  });

  it('logs a request whose client went away before the answer, once', async () => {
    const made = server();
    app = made.app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const gone = httpRequest({ host: '127.0.0.1', port, path: '/v1/slow/1' }).on('error', () => {});
    gone.end();
    await setTimeout(50);
    gone.destroy();
    await setTimeout(500);
    const lines = requestLines(made.lines);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, route: '/v1/slow/:id', jobId: 'j-slow', aborted: true }),
    ]);
    expect(lines[0]).not.toHaveProperty('status');
  });

  it("names a traced request's trace, the one its answer's traceparent names", async () => {
    const { tracer, ended } = tracerWith();
    enableTracing(tracer);
    try {
      const made = server('info', installHttpTracing);
      app = made.app;
      const caller = `00-${REMOTE.traceId}-${REMOTE.spanId}-01`;
      const res = await app.inject({ url: '/v1/jobs/j-1', headers: { traceparent: caller } });
      const [version, traceId] = String(res.headers.traceparent).split('-');
      expect([version, traceId]).toEqual(['00', REMOTE.traceId]);
      expect(requestLines(made.lines)).toEqual([expect.objectContaining({ jobId: 'j-1', traceId })]);
      expect(ended.map((span) => span.name)).toEqual(['GET /v1/jobs/:id']);
    } finally {
      pauseTracing(true);
    }
  });
});
