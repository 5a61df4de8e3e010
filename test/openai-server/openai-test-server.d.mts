/** Models the server knows; any other name is 404 `model_not_found`, as on api.openai.com. */
export declare const TEST_SERVER_MODELS: string[];

export interface OpenAiTestServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Pause between streamed chat chunks; default 0. */
  chunkDelayMs?: number;
  /** When set, a request with any other bearer is 401 `invalid_api_key`. */
  apiKey?: string;
  /** Known model ids; default TEST_SERVER_MODELS. */
  models?: string[];
  /** ffmpeg for encoding speech other than wav and pcm; default FFMPEG_PATH or `ffmpeg` on PATH. */
  ffmpegPath?: string;
  /**
   * `requested` (default) answers embeddings in the `encoding_format` asked for, as OpenAI does;
   * `float` answers floats whatever was asked, as several OpenAI-compatible servers do.
   */
  embeddingFormat?: 'requested' | 'float';
  /** Fastify's logger option; default off. */
  logger?: boolean;
}

/** What the next call does instead of (or before) answering normally. */
export interface ScriptedBehaviour {
  /** Only a call to this path (e.g. `/v1/chat/completions`) consumes the behaviour. */
  path?: string;
  /** Answer with this status and an OpenAI error body (or `body`). */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** `Retry-After` value: seconds or an HTTP date. */
  retryAfter?: number | string;
  /** `retry-after-ms` value. */
  retryAfterMs?: number;
  /** Wait this long before answering (or before the scripted status). */
  delayMs?: number;
  /** Never answer; the connection stays open until the client goes away or the server closes. */
  hang?: boolean;
  /** Pause between streamed chunks for this call. */
  chunkDelayMs?: number;
  /** A streamed chat answer breaks off after this many chunks (the first is the role's) with an error event. */
  failAfterChunks?: number;
  /**
   * Chat completions: answer this text (or what the function makes of the request body) instead
   * of the echo, e.g. a planner's JSON plan.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the body of any chat request
  content?: string | ((body: any) => string);
}

export interface RecordedMultipart {
  fields: Record<string, string | string[]>;
  file?: { field: string; filename: string; mimetype: string; bytes: number; sha256: string };
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Request headers; `authorization`, when sent, reads `[redacted]`. */
  headers: Record<string, string | string[] | undefined>;
  /** The bearer token sent, or null. */
  bearer: string | null;
  /** Parsed JSON body, or the multipart fields and file summary. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read OpenAI request bodies of every shape
  body: any;
  /** The scripted behaviour this call consumed, if any. */
  scripted?: ScriptedBehaviour;
  at: number;
}

export interface OpenAiTestServer {
  /** Base URL ending in `/v1`, for the OpenAI client's `baseURL`. */
  url: string;
  port: number;
  /** Every call, in arrival order. */
  requests: RecordedRequest[];
  /** Queues behaviours for the next calls, in order. */
  script(...behaviours: ScriptedBehaviour[]): void;
  /** The last recorded request, optionally to one path. */
  lastRequest(path?: string): RecordedRequest | undefined;
  /** Forgets recorded requests and queued behaviours. */
  reset(): void;
  close(): Promise<void>;
}

export declare function startOpenAiTestServer(options?: OpenAiTestServerOptions): Promise<OpenAiTestServer>;
