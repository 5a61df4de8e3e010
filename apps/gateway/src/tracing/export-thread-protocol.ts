import type { Attributes } from '@opentelemetry/api';
import type { TracerScope } from './recording-span';
import type { SpanBatch } from './span-data';

/**
 * A moment on both clocks, taken when a batch is posted: the thread turns the spans'
 * performance.now() times into epoch times with it, anchored to the wall clock a batch at a
 * time as the SDK anchors each span (performance.now() alone drifts from the wall clock).
 */
export interface ClockAnchor {
  epochMs: number;
  perfMs: number;
}

/** Between the gateway and its export thread (span-export-thread.ts). */
export type ToExportThread =
  | { type: 'spans'; batch: SpanBatch; count: number; clock: ClockAnchor }
  /** A tracer's scope, sent before the first span that names it. */
  | { type: 'scope'; scope: TracerScope }
  /** Answered with `flushed` once every span sent before it was exported (or failed). */
  | { type: 'flush'; id: number }
  /** Flushes, shuts the exporter down, answers `flushed`. */
  | { type: 'shutdown'; id: number };

export type FromExportThread =
  /** `count` spans of a `spans` message are done with, exported or not. */
  | { type: 'exported'; count: number }
  /** A batch's arrays, read: given back to be written again (new buffers per batch cost more than the batch). */
  | { type: 'read'; bytes: Uint8Array; numbers: Float64Array }
  | { type: 'flushed'; id: number }
  /** The exporter's diagnostics, for the gateway's log. */
  | { type: 'diag'; level: 'error' | 'warn'; message: string };

/** What the export thread is started with (its workerData). */
export interface ExportThreadOptions {
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** The resource's attributes (service.name...). */
  resource: Attributes;
  /** A batch's export time limit: past it, its spans are given up and the next batch goes. */
  exportTimeoutMillis: number;
}
