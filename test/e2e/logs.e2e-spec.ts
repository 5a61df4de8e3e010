import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../apps/gateway/src/logging/logger';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

/** test.broken (cheap, always a retryable 503) and test.backup offer task `shout`. */
const FALLBACK_MODULE = './test/adapters/fallback-adapters.mjs';
const KEY = 'og-logs-key-0123456789abcdef';
const API_KEYS = JSON.stringify([{ name: 'app', key: KEY, scopes: ['infer'] }]);

type Line = { level: number; msg: string; [field: string]: unknown };

/** Every line the gateway writes, parsed, through the logger the gateway runs with (createLogger). */
function capture() {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  return { lines, logger: createLogger('debug', sink) };
}

const DEBUG = 20;
const INFO = 30;
const WARN = 40;

describe('logs of a real gateway (Redis, BullMQ)', () => {
  const { lines, logger } = capture();
  let gw: TestGateway;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${gw.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${KEY}`, ...(init.headers as Record<string, string>) },
    });
  const infer = (body: unknown) =>
    call('/v1/infer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  /** The lines written for request `reqId` and for job `jobId`, once the job's end line is out. */
  const linesOf = (field: 'reqId' | 'jobId', id: string | null) => lines.filter((l) => l[field] === id);
  const jobEnded = async (jobId: string) => {
    for (let i = 0; i < 100 && !lines.some((l) => l.msg === 'job ended' && l.jobId === jobId); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    gw = await startGateway(
      { API_KEYS, ADAPTER_MODULES: FALLBACK_MODULE, JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '10' },
      logger,
    );
  });
  afterAll(() => gw?.close());
  beforeEach(() => void lines.splice(0));

  it('logs a sync inference as one request line and one job end', async () => {
    const res = await infer({ inputs: [{ text: 'hello' }], output: 'text', task: 'echo' });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const reqId = res.headers.get('x-request-id');
    await jobEnded(id);

    const requests = linesOf('reqId', reqId).filter((l) => l.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({
        level: INFO,
        method: 'POST',
        route: '/v1/infer',
        status: 200,
        ms: expect.any(Number),
        apiKeyName: 'app',
        jobId: id,
      }),
    ]);
    expect(requests[0]).not.toHaveProperty('code');
    const ends = linesOf('jobId', id).filter((l) => l.msg === 'job ended');
    expect(ends).toEqual([
      expect.objectContaining({
        level: INFO,
        status: 'completed',
        route: ['builtin.echo'],
        hops: 1,
        ms: expect.any(Number),
        dispatch: expect.stringMatching(/^(direct|queued)$/),
        lane: 'interactive',
      }),
    ]);
    expect(ends[0]).not.toHaveProperty('code');
    // Fastify's own two lines are gone.
    expect(lines.filter((l) => /incoming request|request completed/.test(l.msg))).toEqual([]);
  });

  it('logs each failed attempt of a hop once, saying what comes next', async () => {
    const res = await infer({ inputs: [{ text: 'hello' }], output: 'text', task: 'shout' });
    const body = (await res.json()) as { id: string; route: { adapter: string }[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.route.map((s) => s.adapter)).toEqual(['test.backup']);
    await jobEnded(body.id);

    const failures = linesOf('jobId', body.id).filter((l) => l.level === WARN);
    expect(failures).toEqual([
      expect.objectContaining({
        msg: 'hop failed',
        adapter: 'test.broken',
        hop: 0,
        attempt: 1,
        code: 'adapter_failed',
        next: 'retry',
      }),
      expect.objectContaining({
        msg: 'hop failed',
        adapter: 'test.broken',
        hop: 0,
        attempt: 2,
        code: 'adapter_failed',
        next: 'fallback',
        fallbackRoute: ['test.backup'],
      }),
    ]);
    expect(linesOf('jobId', body.id).filter((l) => l.msg === 'job ended')).toEqual([
      expect.objectContaining({ status: 'completed', route: ['test.backup'], fellBackFrom: ['test.broken'] }),
    ]);
  });

  it('logs a failed job at info with its code when the input is at fault, and the 4xx answer', async () => {
    const res = await infer({ inputs: [{ text: 'bad' }], output: 'text', task: 'shout' });
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as { error: { details: { jobId: string } } };
    const jobId = error.details.jobId;
    await jobEnded(jobId);
    expect(linesOf('reqId', res.headers.get('x-request-id')).filter((l) => l.msg === 'request')).toEqual([
      expect.objectContaining({ level: INFO, status: 422, code: 'unprocessable_input', jobId }),
    ]);
    expect(linesOf('jobId', jobId).filter((l) => l.msg === 'job ended')).toEqual([
      expect.objectContaining({ level: INFO, status: 'failed', code: 'unprocessable_input' }),
    ]);
    expect(linesOf('jobId', jobId).filter((l) => l.msg === 'hop failed')).toEqual([
      expect.objectContaining({ attempt: 1, code: 'unprocessable_input', next: 'fail' }),
    ]);
  });

  it('logs a 4xx at info with its code; a job that does not exist is not named', async () => {
    const missing = await call('/v1/jobs/00000000-0000-4000-8000-000000000000?token=sk-in-a-query');
    expect(missing.status).toBe(404);
    const unauthorized = await fetch(`${gw.url}/v1/jobs/x`);
    expect(unauthorized.status).toBe(401);
    expect(linesOf('reqId', missing.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({
        level: INFO,
        msg: 'request',
        method: 'GET',
        route: '/v1/jobs/:id',
        status: 404,
        code: 'not_found',
        apiKeyName: 'app',
      }),
    ]);
    expect(linesOf('reqId', missing.headers.get('x-request-id'))[0]).not.toHaveProperty('jobId');
    const [refused] = linesOf('reqId', unauthorized.headers.get('x-request-id'));
    expect(refused).toMatchObject({ level: INFO, status: 401, code: 'unauthorized' });
    expect(refused).not.toHaveProperty('apiKeyName');
    expect(JSON.stringify(lines)).not.toContain('sk-in-a-query');
  });

  it('names the job a request reads', async () => {
    const created = await infer({ inputs: [{ text: 'hi' }], output: 'text', task: 'echo', mode: 'async' });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const read = await call(`/v1/jobs/${id}`);
    expect(read.status).toBe(200);
    for (const res of [created, read]) {
      expect(linesOf('reqId', res.headers.get('x-request-id'))).toEqual([
        expect.objectContaining({ msg: 'request', jobId: id }),
      ]);
    }
  });

  it('logs probes and scrapes answered well at debug', async () => {
    const live = await fetch(`${gw.url}/health/live`);
    expect(live.status).toBe(200);
    expect(linesOf('reqId', live.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({ level: DEBUG, msg: 'request', route: '/health/live', status: 200 }),
    ]);
  });

  it('never logs a key, a prompt or media bytes', async () => {
    const prompt = 'the launch code is tangerine-4471';
    const png = fixture('image/fixture.png');
    const base64 = png.toString('base64');
    const json = await infer({ inputs: [{ text: prompt }], output: 'text', task: 'echo' });
    expect(json.status).toBe(200);
    const converted = await infer({
      inputs: [{ data: base64 }],
      output: { modality: 'image', mediaType: 'image/webp' },
    });
    expect(converted.status).toBe(200);
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'image/png' }), 'secret-name.png');
    form.append('text', prompt);
    form.append('output', 'text');
    const multipart = await call('/v1/infer', { method: 'POST', body: form });
    expect(multipart.status).toBeLessThan(500);
    await Promise.all([json, converted].map(async (r) => jobEnded(((await r.json()) as { id: string }).id)));

    expect(lines.filter((l) => l.msg === 'request')).toHaveLength(3);
    const written = JSON.stringify(lines);
    expect(written).not.toContain(KEY);
    expect(written).not.toContain('tangerine-4471');
    // Any run of the image's base64, or of its bytes read as text (its IHDR chunk), would show.
    for (let at = 0; at + 32 <= base64.length; at += 1024)
      expect(written).not.toContain(base64.slice(at, at + 32));
    expect(written).not.toContain('IHDR');
  });
});

describe('LOG_LEVEL', () => {
  it('leaves out the request lines below the level', async () => {
    const lines: Line[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as Line) });
    const gw = await startGateway({}, logger);
    try {
      expect((await fetch(`${gw.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${gw.url}/v1/jobs/nope`)).status).toBe(404);
    } finally {
      await gw.close();
    }
    expect(lines.filter((l) => l.msg === 'request')).toEqual([]);
  });
});
