import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import { CompactTracerProvider } from './compact-tracer';
import type { RecordingSpan } from './recording-span';
import { spanLimitsFromEnv, type SpanLimits } from './span-limits';
import { traceSampler } from './trace-sampler';
import type { TraceSampler } from './tracing-config';

/** A caller's context, as a W3C `traceparent` from another process names it (the spec's example ids). */
export const REMOTE: SpanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
};

/** A tracer whose ended spans land in `ended` (nothing exported). */
export function tracerWith(
  sampler: TraceSampler = 'parentbased_always_on',
  limits: Partial<SpanLimits> = {},
  ratio = 1,
) {
  const ended: RecordingSpan[] = [];
  const provider = new CompactTracerProvider({
    sample: traceSampler(sampler, ratio),
    limits: { ...spanLimitsFromEnv(), ...limits },
    sink: { onEnd: (span) => ended.push(span) },
  });
  return { tracer: provider.getTracer('omnigate'), ended, provider };
}
