import OpenAI from 'openai';
import type { OpenAiBackend } from '@omnigate/contracts';
import type { AdapterContext } from '../sdk/adapter';
import { EXTRA_HEADERS, requestFetch } from '../sdk/request-fetch';
import { toAdapterError } from './openai-errors';

/** Without a configured timeout, one call may take this long (image generation is the slow one). */
export const DEFAULT_OPENAI_TIMEOUT_MS = 120_000;
/** Without a configured bound, one answer may be this long (speech and images are the long ones). */
export const DEFAULT_OPENAI_MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

/** The `openai` client's per-call options. */
type RequestOptions = NonNullable<Parameters<OpenAI['chat']['completions']['create']>[1]>;

/** The per-call options of the `openai` client an upstream call is made with. */
export interface UpstreamRequest {
  signal: AbortSignal;
  headers?: Readonly<Record<string, string>>;
  /** The trace context for the backend client's own fetch (requestFetch's EXTRA_HEADERS). */
  fetchOptions?: RequestOptions['fetchOptions'];
}

/** What a backend's adapters share: one `openai` client and how to call it. */
export class OpenAiBackendClient {
  readonly client: OpenAI;
  readonly timeoutMs: number;
  /** Whether the client fetches with requestFetch, which takes a call's trace context beside its headers. */
  private readonly ownFetch: boolean;

  constructor(
    readonly backend: OpenAiBackend,
    client?: OpenAI,
    maxResponseBytes = DEFAULT_OPENAI_MAX_RESPONSE_BYTES,
  ) {
    this.timeoutMs = backend.timeoutMs ?? DEFAULT_OPENAI_TIMEOUT_MS;
    this.client = client ?? createOpenAiClient(backend, maxResponseBytes);
    this.ownFetch = client === undefined;
  }

  /**
   * Runs one upstream call with the job's abort signal and trace headers (the `openai` client's
   * request options: the headers beside the client's own, when it fetches with requestFetch);
   * every failure leaves as an AdapterError (see toAdapterError).
   */
  async call<T>(
    adapterId: string,
    context: AdapterContext,
    run: (request: UpstreamRequest) => Promise<T>,
  ): Promise<T> {
    try {
      context.signal.throwIfAborted();
      const trace = context.traceHeaders;
      const signal = context.signal;
      return await run(
        !trace
          ? { signal }
          : this.ownFetch
            ? { signal, fetchOptions: { [EXTRA_HEADERS]: trace } as RequestOptions['fetchOptions'] }
            : { signal, headers: trace },
      );
    } catch (error) {
      throw toAdapterError(error, {
        adapterId,
        apiKey: this.backend.apiKey,
        timeoutMs: this.timeoutMs,
        signal: context.signal,
      });
    }
  }
}

/**
 * The client for one backend. Everything is explicit, so that nothing is read from the process
 * environment (OPENAI_API_KEY, OPENAI_ORG_ID must not reach a local vLLM; OPENAI_LOG=debug must
 * not print requests); no retries, because the gateway's router retries and records each
 * attempt; a keyless backend gets no Authorization header at all. Redirects are not followed
 * (the key would go with them), and an answer is at most `maxResponseBytes` long.
 */
export function createOpenAiClient(
  backend: OpenAiBackend,
  maxResponseBytes = DEFAULT_OPENAI_MAX_RESPONSE_BYTES,
): OpenAI {
  return new OpenAI({
    baseURL: backend.baseUrl,
    apiKey: backend.apiKey ?? 'unused',
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: backend.timeoutMs ?? DEFAULT_OPENAI_TIMEOUT_MS,
    defaultHeaders: backend.apiKey === undefined ? { Authorization: null } : undefined,
    fetch: requestFetch(maxResponseBytes),
    logLevel: 'off',
  });
}
