import { getNumberFromEnv } from '@opentelemetry/core';

/** How much a span keeps: past a count, the newest attributes and the oldest events and links are dropped and counted. */
export interface SpanLimits {
  attributeCountLimit: number;
  /** Longer string values (and strings in arrays) are cut to it. */
  attributeValueLengthLimit: number;
  eventCountLimit: number;
  linkCountLimit: number;
  attributePerEventCountLimit: number;
  attributePerLinkCountLimit: number;
}

/**
 * The span limits as the SDK reads them: OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT (else
 * OTEL_ATTRIBUTE_COUNT_LIMIT, else 128), OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (else
 * OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT, else none), OTEL_SPAN_EVENT_COUNT_LIMIT,
 * OTEL_SPAN_LINK_COUNT_LIMIT, OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT and
 * OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT (128 each).
 */
export function spanLimitsFromEnv(): SpanLimits {
  const get = (name: string) => getNumberFromEnv(name);
  return {
    attributeCountLimit: get('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? get('OTEL_ATTRIBUTE_COUNT_LIMIT') ?? 128,
    attributeValueLengthLimit:
      get('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? get('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? Infinity,
    eventCountLimit: get('OTEL_SPAN_EVENT_COUNT_LIMIT') ?? 128,
    linkCountLimit: get('OTEL_SPAN_LINK_COUNT_LIMIT') ?? 128,
    attributePerEventCountLimit: get('OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT') ?? 128,
    attributePerLinkCountLimit: get('OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT') ?? 128,
  };
}
