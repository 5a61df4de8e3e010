import {
  AdapterError,
  type AdapterRequest,
  type AdapterResult,
  type InputLimits,
  type SystemTools,
} from '@omnigate/adapters';
import type { ErrorCode } from '@omnigate/contracts';

/** What every sandbox process is started with: how to build the adapters it runs. */
export interface SandboxProcessData {
  /** LIMIT_*, for createBuiltinAdapters. */
  limits: InputLimits;
  /** BUILTIN_MODELS, for createBuiltinAdapters (default on). */
  models?: boolean;
  /** The optional system packages the gateway found at start-up (default: none). */
  tools?: SystemTools;
  /** SANDBOX_ADAPTER_MODULES, resolved to absolute paths or package names. */
  modules: string[];
}

/** The environment variable that carries SandboxProcessData (JSON) to a sandbox process. */
export const SANDBOX_DATA_VARIABLE = 'OMNIGATE_SANDBOX_DATA';

/** One hop to run in a sandbox process. */
export interface SandboxTask {
  adapterId: string;
  request: AdapterRequest;
  /** Whether the caller streams text: the process then forwards text deltas. */
  streams: boolean;
  /** The call's W3C trace context, when the gateway traces (AdapterContext.traceHeaders). */
  traceHeaders?: Readonly<Record<string, string>>;
  /** The bytes of the small inputs, by blob id, sent with the hop to save a round trip each. */
  blobs: Record<string, Uint8Array>;
}

/** From the sandbox process to the gateway: ready (its adapters built), then about the hop it runs (one at a time). */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'read'; id: number; blobId: string }
  | { type: 'progress'; fraction: number }
  | { type: 'delta'; text: string }
  | { type: 'log'; level: LogLevel; fields: Record<string, unknown>; msg?: string }
  | { type: 'done'; outcome: SandboxOutcome };

/** From the gateway to the sandbox process. */
export type ParentMessage =
  | { type: 'run'; task: SandboxTask }
  | { type: 'blob'; id: number; data: Uint8Array }
  | { type: 'blob-error'; id: number; error: SerializedError }
  | { type: 'abort'; reason: string };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** How a hop ended, as the sandbox process reports it (an error is a value: it keeps its code and details). */
export type SandboxOutcome = { ok: true; result: AdapterResult } | { ok: false; error: SerializedError };

/** An error as it crosses processes: serialisation would drop its class, code and cause. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  retryable?: boolean;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
  cause?: SerializedError;
}

export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const source = err as Error &
    Partial<Pick<SerializedError, 'code' | 'retryable' | 'retryAfterMs' | 'details'>>;
  const serialized: SerializedError = { name: err.name, message: err.message };
  if (err.stack) serialized.stack = err.stack;
  if (typeof source.code === 'string') serialized.code = source.code;
  if (typeof source.retryable === 'boolean') serialized.retryable = source.retryable;
  if (typeof source.retryAfterMs === 'number') serialized.retryAfterMs = source.retryAfterMs;
  if (source.details && typeof source.details === 'object') serialized.details = cloneable(source.details);
  // A cause chain is short in practice; the bound keeps a cyclic one from recursing forever.
  if (err.cause !== undefined && depth < 4) serialized.cause = serializeError(err.cause, depth + 1);
  return serialized;
}

/**
 * The error as the runtime sees it in the main thread: an AdapterError stays one (its code,
 * retryability and details decide the job's fate); anything else is an Error of the same name.
 */
export function deserializeError(serialized: SerializedError): Error {
  const cause = serialized.cause ? deserializeError(serialized.cause) : undefined;
  const error =
    serialized.name === 'AdapterError' && serialized.code
      ? new AdapterError(serialized.code as ErrorCode, serialized.message, {
          retryable: serialized.retryable,
          retryAfterMs: serialized.retryAfterMs,
          details: serialized.details,
          cause,
        })
      : Object.assign(new Error(serialized.message, { cause }), { name: serialized.name });
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

/** `value` as something the IPC channel can carry (JSON's subset; errors serialised). */
export function cloneable(value: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(
      JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? serializeError(v) : v)),
    ) as Record<string, unknown>;
  } catch {
    return { unserializable: true };
  }
}
