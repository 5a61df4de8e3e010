import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/app-config';
import { tracingFromEnv } from './tracing-config';

describe('tracingFromEnv', () => {
  it('is off without an endpoint, when disabled, or with the exporter none', () => {
    expect(tracingFromEnv({})).toBeUndefined();
    expect(
      tracingFromEnv({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    ).toBeUndefined();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingFromEnv({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracingFromEnv({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
  });

  it('reads the standard variables, with their defaults', () => {
    expect(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'omnigate',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
    expect(
      tracingFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector/custom/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'gw-eu',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        TRACING_PAUSE_SIGNAL: 'SIGUSR2',
      }),
    ).toEqual({
      url: 'https://collector/custom/traces',
      protocol: 'http/json',
      serviceName: 'gw-eu',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      pauseSignal: 'SIGUSR2',
    });
  });

  it('names the variable of a bad value', () => {
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(() => tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: expected an http or https URL/,
    );
    expect(() => tracingFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' })).toThrow(
      /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: not a URL/,
    );
    expect(() => tracingFromEnv({ ...on, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL: .*gRPC is not supported/,
    );
    expect(() => tracingFromEnv({ ...on, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'json' })).toThrow(
      /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL/,
    );
    expect(() => tracingFromEnv({ ...on, OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER:/);
    expect(() => tracingFromEnv({ ...on, OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    expect(() => tracingFromEnv({ ...on, OTEL_SDK_DISABLED: 'yes' })).toThrow(/OTEL_SDK_DISABLED/);
    expect(() => tracingFromEnv({ ...on, OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => tracingFromEnv({ ...on, TRACING_PAUSE_SIGNAL: 'SIGTERM' })).toThrow(
      /TRACING_PAUSE_SIGNAL: expected SIGUSR2, got "SIGTERM"/,
    );
  });

  it('stops start-up through loadConfig, and is absent from the config when off', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x' })).toThrow(
      /invalid configuration: OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing?.url).toBe(
      'http://c:4318/v1/traces',
    );
  });
});
