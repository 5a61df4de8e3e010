/** The OTLP encodings the gateway can export traces in (gRPC is not supported). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** The samplers of the OpenTelemetry specification that OTEL_TRACES_SAMPLER may name. */
export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

/** Where and how spans are exported; absent from AppConfig when tracing is off. */
export interface TracingConfig {
  /** The full URL spans are POSTed to (…/v1/traces). */
  url: string;
  protocol: OtlpProtocol;
  serviceName: string;
  sampler: TraceSampler;
  /** The ratio of the `traceidratio` samplers, 0 to 1. */
  samplerRatio: number;
  /**
   * TRACING_PAUSE_SIGNAL: the signal that pauses span making and resumes it, each time it comes
   * (tracing paused is tracing off, the exporter kept); none by default.
   */
  pauseSignal?: TracingPauseSignal;
}

/** The signals TRACING_PAUSE_SIGNAL may name: ones Node and the gateway leave free. */
export const TRACING_PAUSE_SIGNALS = ['SIGUSR2'] as const;
export type TracingPauseSignal = (typeof TRACING_PAUSE_SIGNALS)[number];

/**
 * Tracing from the standard OpenTelemetry variables: on when an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces), unless
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. Throws with the variable's name.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv): TracingConfig | undefined {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const disabled = get('OTEL_SDK_DISABLED');
  if (disabled !== undefined && !['true', 'false'].includes(disabled.toLowerCase())) {
    throw new Error(`OTEL_SDK_DISABLED: expected true or false, got ${JSON.stringify(disabled)}`);
  }
  const exporter = get('OTEL_TRACES_EXPORTER');
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none') {
    throw new Error(
      `OTEL_TRACES_EXPORTER: only otlp and none are supported, got ${JSON.stringify(exporter)}`,
    );
  }
  const signal = get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (disabled?.toLowerCase() === 'true' || exporter === 'none' || (!signal && !base)) return undefined;
  const url = signal
    ? httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', signal)
    : `${httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base!).replace(/\/+$/, '')}/v1/traces`;

  const protocolVar = get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = get(protocolVar) ?? 'http/protobuf';
  if (!(OTLP_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new Error(
      `${protocolVar}: expected ${OTLP_PROTOCOLS.join(' or ')}, got ${JSON.stringify(protocol)}` +
        (protocol === 'grpc' ? ' (gRPC is not supported)' : ''),
    );
  }
  const sampler = get('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  if (!(TRACE_SAMPLERS as readonly string[]).includes(sampler)) {
    throw new Error(
      `OTEL_TRACES_SAMPLER: expected one of ${TRACE_SAMPLERS.join(', ')}, got ${JSON.stringify(sampler)}`,
    );
  }
  const arg = get('OTEL_TRACES_SAMPLER_ARG');
  const samplerRatio = arg === undefined ? 1 : Number(arg);
  if (!Number.isFinite(samplerRatio) || samplerRatio < 0 || samplerRatio > 1) {
    throw new Error(`OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1, got ${JSON.stringify(arg)}`);
  }
  const pauseSignal = get('TRACING_PAUSE_SIGNAL');
  if (pauseSignal !== undefined && !(TRACING_PAUSE_SIGNALS as readonly string[]).includes(pauseSignal)) {
    throw new Error(
      `TRACING_PAUSE_SIGNAL: expected ${TRACING_PAUSE_SIGNALS.join(' or ')}, got ${JSON.stringify(pauseSignal)}`,
    );
  }
  return {
    url,
    protocol: protocol as OtlpProtocol,
    serviceName: get('OTEL_SERVICE_NAME') ?? 'omnigate',
    sampler: sampler as TraceSampler,
    samplerRatio,
    ...(pauseSignal && { pauseSignal: pauseSignal as TracingPauseSignal }),
  };
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${name}: expected an http or https URL, got ${url.protocol.slice(0, -1)}`);
  }
  return value;
}
