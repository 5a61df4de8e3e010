import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { isAttributeValue } from '@opentelemetry/core';

/**
 * The OpenTelemetry packages' values that tracing uses on every span, read from them once. Their
 * exports are getters (TypeScript's re-exports) on objects V8 keeps as dictionaries, so
 * optimised code reads each one through the generic inline cache and calls its getter at every
 * use: about 130 instructions, 3.4 thousand a call in the gateway (docs/benchmarks.md,
 * Observability). These are plain properties, which it reads as constants.
 */
export const Kind = {
  INTERNAL: SpanKind.INTERNAL,
  SERVER: SpanKind.SERVER,
  CLIENT: SpanKind.CLIENT,
} as const;

export const Status = {
  UNSET: SpanStatusCode.UNSET,
  OK: SpanStatusCode.OK,
  ERROR: SpanStatusCode.ERROR,
} as const;

export const SAMPLED = TraceFlags.SAMPLED;

/** @opentelemetry/core's check of an attribute's value. */
export const validAttributeValue = isAttributeValue;
