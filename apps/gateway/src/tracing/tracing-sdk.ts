import { diag, DiagLogLevel, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { redactSecrets } from '@omnigate/adapters';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { CompactTracerProvider } from './compact-tracer';
import { spanLimitsFromEnv } from './span-limits';
import { ThreadSpanProcessor } from './thread-span-processor';
import { enableTracing, pauseTracing } from './trace-context';
import { traceSampler } from './trace-sampler';
import type { TracingConfig } from './tracing-config';

/** The running tracer: `shutdown` exports the spans still buffered, then stops. */
export interface Tracing {
  shutdown(): Promise<void>;
  /** Spans dropped so far, not exported: the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE). */
  droppedSpans(): number;
}

/**
 * Starts tracing (before the app, so every span has somewhere to go): the gateway's own tracer
 * (compact-tracer.ts: the OpenTelemetry API's Tracer with spans far cheaper than the SDK's, its
 * samplers' decisions and span limits alike), registered as the API's global provider with the
 * W3C propagator and no context manager (parents are passed explicitly); spans batched to the
 * OTLP endpoint from a thread of its own (thread-span-processor.ts; OTEL_BSP_* are read as the
 * SDK reads them, OTEL_EXPORTER_OTLP_HEADERS / _TIMEOUT by the SDK's OTLP/HTTP transport).
 */
export function startTracing(config: TracingConfig, version: string, logger: Logger): Tracing {
  const processor = new ThreadSpanProcessor({
    url: config.url,
    protocol: config.protocol,
    resource: { [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_VERSION]: version },
  });
  const provider = new CompactTracerProvider({
    sample: traceSampler(config.sampler, config.samplerRatio),
    limits: spanLimitsFromEnv(),
    sink: processor,
  });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // The SDK's own troubles (an export the collector refused or never answered) go to the log.
  diag.setLogger(diagLogger(logger), DiagLogLevel.WARN);
  enableTracing(provider.getTracer('omnigate'), () => processor.dropped);
  const { pauseSignal } = config;
  let paused = false;
  const togglePause = () => {
    paused = !paused;
    pauseTracing(paused);
    logger.info(
      { signal: pauseSignal },
      paused ? 'OpenTelemetry tracing paused' : 'OpenTelemetry tracing resumed',
    );
  };
  if (pauseSignal) process.on(pauseSignal, togglePause);
  logger.info(
    {
      url: config.url,
      protocol: config.protocol,
      serviceName: config.serviceName,
      sampler: config.sampler,
      ...(pauseSignal && { pauseSignal }),
    },
    'OpenTelemetry tracing on',
  );
  return {
    droppedSpans: () => processor.dropped,
    shutdown: () => {
      if (pauseSignal) process.off(pauseSignal, togglePause);
      return processor
        .shutdown()
        .catch((err: unknown) => logger.warn({ err }, 'could not flush the last spans'))
        .finally(() => diag.disable());
    },
  };
}

/**
 * The SDK's diagnostics as warnings, at most one line a minute: a collector that is away fails
 * every export (every OTEL_BSP_SCHEDULE_DELAY), which must not flood the log. Each line says how
 * many were left out before it.
 */
export function diagLogger(logger: Logger, everyMs = 60_000): DiagLogger {
  let last = -Infinity;
  let dropped = 0;
  const warn = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now - last < everyMs) {
      dropped++;
      return;
    }
    last = now;
    const err = args.find((a): a is Error => a instanceof Error);
    // The SDK's message may quote an error's JSON: bounded, and without credentials.
    logger.warn(
      { ...(err ? { err } : {}), dropped },
      `OpenTelemetry: ${redactSecrets(message.slice(0, 1000))}`,
    );
    dropped = 0;
  };
  const ignore = () => {};
  return { error: warn, warn, info: ignore, debug: ignore, verbose: ignore };
}
