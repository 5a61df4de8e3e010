import type { OpenAiBackend, OpenAiModelKind, OpenAiModels } from '@omnigate/contracts';

/** What the configuration says of one adapter of an OpenAI-compatible backend: never from an answer. */
export interface ModelAdapter {
  /** The backend's id (OPENAI_BACKENDS). */
  backend: string;
  kind: OpenAiModelKind;
  /** The model the configuration names for this kind, whatever model the upstream says answered. */
  model: string;
  /** The backend's host (and port), never credentials from its URL. */
  host: string;
}

/**
 * Every adapter of the configured OpenAI-compatible backends, by adapter id (`<backend>.<kind>`,
 * as the adapters name themselves).
 */
export function modelAdapters(backends: readonly OpenAiBackend[]): Map<string, ModelAdapter> {
  const adapters = new Map<string, ModelAdapter>();
  for (const backend of backends) {
    const host = new URL(backend.baseUrl).host;
    for (const [kind, model] of Object.entries(backend.models) as [
      keyof OpenAiModels,
      string | undefined,
    ][]) {
      if (model) adapters.set(`${backend.id}.${kind}`, { backend: backend.id, kind, model, host });
    }
  }
  return adapters;
}

/** Token counts a model backend reported in `AdapterResult.meta.usage`. */
export interface TokenUsage {
  prompt?: number;
  completion?: number;
  total?: number;
}

/** A count the upstream reported: a finite, non-negative number, else nothing. */
export function reportedCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * The usage of an answer's `meta`: `prompt_tokens`, `completion_tokens`, `total_tokens`, or the
 * `input_tokens` / `output_tokens` some endpoints answer with; a missing total is the sum.
 */
export function tokenUsage(meta: Record<string, unknown> | undefined): TokenUsage {
  const usage =
    typeof meta?.usage === 'object' && meta.usage !== null ? (meta.usage as Record<string, unknown>) : {};
  const prompt = reportedCount(usage.prompt_tokens) ?? reportedCount(usage.input_tokens);
  const completion = reportedCount(usage.completion_tokens) ?? reportedCount(usage.output_tokens);
  const total =
    reportedCount(usage.total_tokens) ??
    (prompt !== undefined || completion !== undefined ? (prompt ?? 0) + (completion ?? 0) : undefined);
  return { prompt, completion, total };
}
