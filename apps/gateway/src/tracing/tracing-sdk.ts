import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { redactSecrets } from '@omnigate/adapters';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { ThreadSpanProcessor } from './thread-span-processor';
import { enableTracing } from './trace-context';
import type { TracingConfig } from './tracing-config';

/** The running tracer: `shutdown` exports the spans still buffered, then stops. */
export interface Tracing {
  shutdown(): Promise<void>;
  /** Spans dropped so far, not exported: the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE). */
  droppedSpans(): number;
}

/**
 * Starts the OpenTelemetry SDK (before the app, so every span has somewhere to go): the W3C
 * propagator, no context manager (parents are passed explicitly), spans batched to the OTLP
 * endpoint by the SDK's exporter on a thread of its own (thread-span-processor.ts; OTEL_BSP_* are
 * read as the SDK reads them, the exporter's OTEL_EXPORTER_OTLP_HEADERS / _TIMEOUT by the exporter).
 */
export function startTracing(config: TracingConfig, version: string, logger: Logger): Tracing {
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: config.serviceName,
    [ATTR_SERVICE_VERSION]: version,
  });
  const processor = new ThreadSpanProcessor({
    url: config.url,
    protocol: config.protocol,
    resource: resource.attributes,
  });
  const provider = new NodeTracerProvider({
    resource,
    sampler: sampler(config),
    spanProcessors: [processor],
  });
  // No context manager: parents are passed explicitly (trace-context.ts), which spares every
  // promise of the process AsyncLocalStorage's hooks.
  provider.register({ propagator: new W3CTraceContextPropagator(), contextManager: null });
  // The SDK's own troubles (an export the collector refused or never answered) go to the log.
  diag.setLogger(diagLogger(logger), DiagLogLevel.WARN);
  enableTracing(() => processor.dropped);
  logger.info(
    { url: config.url, protocol: config.protocol, serviceName: config.serviceName, sampler: config.sampler },
    'OpenTelemetry tracing on',
  );
  return {
    droppedSpans: () => processor.dropped,
    shutdown: () =>
      provider
        .shutdown()
        .catch((err: unknown) => logger.warn({ err }, 'could not flush the last spans'))
        .finally(() => diag.disable()),
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

function sampler(config: TracingConfig): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
  }
}
