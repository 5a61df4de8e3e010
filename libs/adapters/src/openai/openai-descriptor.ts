import type { AdapterDescriptor, Capability, OpenAiBackend, OpenAiModelKind } from '@omnigate/contracts';

export const OPENAI_ADAPTER_VERSION = '1.0.0';

/**
 * Cost of a remote model when the backend does not say: above every built-in adapter's (0 to 2),
 * so that a task both can do (tts) stays on the built-in one unless the caller pins this one.
 */
export const DEFAULT_REMOTE_COST_HINT = 5;

/** Typical latency of one call per kind, for the planner; remote calls are slower than in-process ones. */
const LATENCY_HINT_MS: Record<OpenAiModelKind, number> = {
  chat: 1_500,
  vision: 3_000,
  transcription: 3_000,
  speech: 2_000,
  image: 15_000,
  embedding: 300,
};

/** Cost, latency and concurrency hints of one adapter of this backend. */
function remoteHints(
  backend: OpenAiBackend,
  kind: OpenAiModelKind,
): { costHint: number; latencyHintMs: number; concurrency?: number } {
  return {
    costHint: backend.costHint ?? DEFAULT_REMOTE_COST_HINT,
    latencyHintMs: LATENCY_HINT_MS[kind],
    ...(backend.concurrency !== undefined ? { concurrency: backend.concurrency } : {}),
  };
}

/** "gpt-4o-mini at api.openai.com" — the host only, never credentials from the URL. */
function describeBackend(backend: OpenAiBackend, model: string): string {
  return `${model} at ${new URL(backend.baseUrl).host}`;
}

/**
 * The descriptor of one adapter of a backend: id `<backend>.<kind>`, a description naming the
 * model and host (`what` says what it does; `note` is appended), the remote hints.
 */
export function openAiDescriptor(
  backend: OpenAiBackend,
  kind: OpenAiModelKind,
  model: string,
  what: string,
  capabilities: Capability[],
  note = '',
): AdapterDescriptor {
  return {
    id: `${backend.id}.${kind}`,
    version: OPENAI_ADAPTER_VERSION,
    description: `${what} with ${describeBackend(backend, model)}${note}`,
    capabilities,
    ...remoteHints(backend, kind),
  };
}
