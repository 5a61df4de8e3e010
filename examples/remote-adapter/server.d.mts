import type { IncomingHttpHeaders } from 'node:http';

/** How the example server behaves; switch at runtime with `setMode`. */
export type ExampleAdapterMode = 'ok' | 'failing' | 'invalid-descriptor';

export interface ExampleAdapterServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** `ok` (default); `failing`: invoke and health answer 503; `invalid-descriptor`: GET /descriptor fails validation. */
  mode?: ExampleAdapterMode;
  /** Sent as the descriptor's `domain`. */
  domain?: string;
  /** Sent as the descriptor's `id` (left out by default: the registration names the adapter). */
  id?: string;
}

/** One `POST /invoke` the server received, recorded before it answered. */
export interface ExampleAdapterCall {
  id: string;
  headers: IncomingHttpHeaders;
  /** The parsed `request` field; undefined when it was missing or not JSON. */
  request?: {
    task: string;
    inputs: { modality: string; mediaType: string; filename?: string; bytes: number; part: string }[];
    output: { modality: string; mediaType?: string };
    options: Record<string, unknown>;
  };
  /** The file parts, by field name. */
  parts: { name: string; filename?: string; mediaType: string; bytes: number }[];
  /** The HTTP status of the answer; 0 until it is sent. */
  status: number;
}

export interface ExampleAdapterServer {
  /** Base URL, e.g. `http://127.0.0.1:5010`: register it as `{kind: "http", url}`. */
  url: string;
  calls: ExampleAdapterCall[];
  setMode(mode: ExampleAdapterMode): void;
  close(): Promise<void>;
}

export function startExampleAdapterServer(
  options?: ExampleAdapterServerOptions,
): Promise<ExampleAdapterServer>;
