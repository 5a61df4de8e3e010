import type { Readable } from 'node:stream';
import type { AdapterDescriptor, Modality } from '@omnigate/contracts';
import type { z } from 'zod';

/** One input as an adapter sees it: a reference to stored bytes plus what detection found. */
export interface AdapterInput {
  modality: Modality;
  mediaType: string;
  blobId: string;
  bytes: number;
  filename?: string;
  meta?: Record<string, unknown>;
}

/** What the caller asked for. */
export interface AdapterRequest<Options = Record<string, unknown>> {
  task: string;
  inputs: AdapterInput[];
  output: { modality: Modality; mediaType?: string };
  options: Options;
}

/** An output: text, or bytes that the gateway stores as a blob. */
export type AdapterOutput =
  | { modality: Modality; mediaType: string; text: string }
  | { modality: Modality; mediaType: string; data: Buffer };

export interface AdapterResult {
  outputs: AdapterOutput[];
  /**
   * What the hop reports besides its outputs (the model that answered, token usage, finish
   * reason): shown on the hop's route step, never passed to the next hop. Small and JSON-safe.
   */
  meta?: Record<string, unknown>;
  /** Options the adapter could not honour, and similar notes for the caller. */
  warnings?: string[];
}

/** Read access to the gateway's blob store. */
export interface BlobReader {
  read(blobId: string): Promise<Buffer>;
  stream(blobId: string): Readable;
}

/** Structured logger (pino-compatible); never give it payloads or secrets. */
export interface AdapterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the runtime gives an adapter for one invocation. */
export interface AdapterContext {
  /** Aborted when the job is cancelled, times out or the worker shuts down. */
  signal: AbortSignal;
  /** Report progress, 0..1. */
  progress(fraction: number): Promise<void>;
  blobs: BlobReader;
  logger: AdapterLogger;
  /**
   * Present only when the caller streams the answer: hand over each piece of text output as it is
   * produced, in order. The adapter still returns the whole output from `invoke`.
   */
  onTextDelta?(delta: string): void;
  /**
   * Present when the gateway traces: the W3C trace context (`traceparent`, maybe `tracestate`)
   * of this call. An adapter that calls a service over HTTP sends these headers along, so the
   * service's own spans join the caller's trace.
   */
  traceHeaders?: Readonly<Record<string, string>>;
}

/** The interface every adapter implements: declare what it can do, then do it. */
export interface Adapter<Options = Record<string, unknown>> {
  readonly descriptor: AdapterDescriptor;
  /** Options schema, checked by the gateway before a job is queued; unknown keys become warnings. */
  readonly options?: z.ZodType<Options>;
  invoke(request: AdapterRequest<Options>, context: AdapterContext): Promise<AdapterResult>;
  close?(): Promise<void>;
}
