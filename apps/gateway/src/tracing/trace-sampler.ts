import type { SpanContext } from '@opentelemetry/api';
import { SAMPLED } from './otel-values';
import type { TraceId } from './span-ids';
import type { TraceSampler } from './tracing-config';

/**
 * Whether a new span is recorded and sampled: `parent` is its valid parent context (undefined
 * for a root span), `traceId` its trace's id. The decisions of the SDK's samplers for
 * OTEL_TRACES_SAMPLER (and _ARG), so that a trace sampled in one process is in the others too.
 */
export type SampleDecision = (
  parent: Pick<SpanContext, 'traceFlags' | 'isRemote'> | undefined,
  traceId: TraceId,
) => boolean;

export function traceSampler(sampler: TraceSampler, ratio: number): SampleDecision {
  switch (sampler) {
    case 'always_on':
      return () => true;
    case 'always_off':
      return () => false;
    case 'traceidratio':
      return traceIdRatio(ratio);
    case 'parentbased_always_on':
      return parentBased(() => true);
    case 'parentbased_always_off':
      return parentBased(() => false);
    case 'parentbased_traceidratio':
      return parentBased(traceIdRatio(ratio));
  }
}

/**
 * The parent's decision when there is a parent (remote or local alike: sampled parent, sampled
 * child), the root sampler's otherwise: the SDK's ParentBasedSampler with its default delegates.
 */
function parentBased(root: SampleDecision): SampleDecision {
  return (parent, traceId) => (parent ? (parent.traceFlags & SAMPLED) !== 0 : root(undefined, traceId));
}

/**
 * The SDK's TraceIdRatioBasedSampler: the four 32-bit words of the trace id XORed, below
 * ratio × 2³²−1. The same trace id gets the same decision in every process.
 */
function traceIdRatio(ratio: number): SampleDecision {
  const normalized = Number.isNaN(ratio) ? 0 : Math.min(1, Math.max(0, ratio));
  const upperBound = normalized === 1 ? 0x100000000 : Math.floor(normalized * 0xffffffff);
  return (_parent, traceId) => (traceId.w0 ^ traceId.w1 ^ traceId.w2 ^ traceId.w3) >>> 0 < upperBound;
}
