import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { enableTracing } from './trace-context';
import type { TracingConfig } from './tracing-config';

/** The running tracer: `shutdown` exports the spans still buffered, then stops. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK (before the app, so every span has somewhere to go): the W3C
 * propagator, no context manager (parents are passed explicitly), spans batched to the OTLP
 * endpoint (OTEL_BSP_* and the exporter's OTEL_EXPORTER_OTLP_HEADERS / _TIMEOUT are read by the SDK).
 */
export function startTracing(config: TracingConfig, version: string, logger: Logger): Tracing {
  const exporter =
    config.protocol === 'http/json'
      ? new JsonTraceExporter({ url: config.url })
      : new ProtoTraceExporter({ url: config.url });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_SERVICE_VERSION]: version,
    }),
    sampler: sampler(config),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // No context manager: parents are passed explicitly (trace-context.ts), which spares every
  // promise of the process AsyncLocalStorage's hooks.
  provider.register({ propagator: new W3CTraceContextPropagator(), contextManager: null });
  enableTracing();
  logger.info(
    { url: config.url, protocol: config.protocol, service: config.serviceName, sampler: config.sampler },
    'OpenTelemetry tracing on',
  );
  return {
    shutdown: () =>
      provider.shutdown().catch((err: unknown) => logger.warn({ err }, 'could not flush the last spans')),
  };
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
