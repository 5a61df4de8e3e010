import { createServer } from 'node:net';
import { propagation, trace } from '@opentelemetry/api';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { carrierOf, startSpan } from './trace-context';
import { diagLogger, startTracing } from './tracing-sdk';
import type { TracingConfig } from './tracing-config';

/** A pino logger whose lines land in `lines`. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { lines, logger };
}

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Tracing at 100 % to a closed port (nothing is ever exported), with `settings` on top. */
async function toClosedPort(settings: Partial<TracingConfig>): Promise<TracingConfig> {
  return {
    url: `http://127.0.0.1:${await closedPort()}/v1/traces`,
    protocol: 'http/protobuf',
    serviceName: 'sdk-spec',
    sampler: 'always_on',
    samplerRatio: 1,
    ...settings,
  };
}

describe('the tracing SDK', () => {
  afterAll(() => {
    trace.disable();
    propagation.disable();
  });

  it('logs an export that failed, as a warning', async () => {
    const { lines, logger } = capture();
    // Read by the SDK: export at once, give up on the closed port soon.
    process.env.OTEL_BSP_SCHEDULE_DELAY = '10';
    process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '300';
    const tracing = startTracing(await toClosedPort({ protocol: 'http/json' }), '0.0.0', logger);
    delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    delete process.env.OTEL_EXPORTER_OTLP_TIMEOUT;
    startSpan('lost', undefined)!.end();
    const warned = () => lines.find((l) => l.level === 40);
    for (let i = 0; i < 100 && !warned(); i++) await new Promise((r) => setTimeout(r, 50));
    await tracing.shutdown();
    expect(lines[0]).toMatchObject({ msg: 'OpenTelemetry tracing on', serviceName: 'sdk-spec' });
    expect(String(warned()?.msg)).toMatch(/^OpenTelemetry: .*ECONNREFUSED/);
  });

  it('pauses and resumes span making on TRACING_PAUSE_SIGNAL, each time it comes', async () => {
    const { lines, logger } = capture();
    const tracing = startTracing(await toClosedPort({ pauseSignal: 'SIGUSR2' }), '0.0.0', logger);
    try {
      expect(startSpan('before', undefined)).toBeDefined();
      // What the signal's arrival runs (a real SIGUSR2 would reach the test runner too).
      process.emit('SIGUSR2');
      // Paused: no span, and nothing to propagate (a caller's trace is not continued either).
      expect(
        startSpan('paused', { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` }),
      ).toBeUndefined();
      process.emit('SIGUSR2');
      const resumed = startSpan('resumed', undefined)!;
      // Not ended: nothing to export to the closed port.
      expect(carrierOf(resumed).traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    } finally {
      await tracing.shutdown();
    }
    expect(process.listenerCount('SIGUSR2')).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['OpenTelemetry tracing paused', 'OpenTelemetry tracing resumed']),
    );
  });

  it('writes at most one diagnostic line a period, counting the ones it left out', () => {
    const { lines, logger } = capture();
    const diag = diagLogger(logger, 60_000);
    diag.error('export failed', new Error('one'));
    diag.warn('export failed');
    diag.error('export failed');
    diag.info('chatter');
    expect(
      lines.map((l) => [l.msg, l.dropped, (l.err as { message?: string } | undefined)?.message]),
    ).toEqual([['OpenTelemetry: export failed', 0, 'one']]);
  });
});
