import type { OpenAiBackend } from '@omnigate/contracts';
import type { Registry } from 'prom-client';
import { modelAdapters, reportedCount as count, tokenUsage } from '../adapters/model-adapters';
import { SeriesCounter, SeriesHistogram } from './series';

/**
 * Time to first token, in seconds: the OpenTelemetry GenAI conventions' advised buckets
 * (`gen_ai.server.time_to_first_token`).
 */
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Time per output token, in seconds (`gen_ai.server.time_per_output_token`'s advised buckets). */
const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5];

/** The labels of a model backend's series: both from the configuration, never from an answer. */
export interface ModelLabels {
  backend: string;
  model: string;
}

/** The labels of every adapter of the configured OpenAI-compatible backends, by adapter id. */
export function modelLabels(backends: readonly OpenAiBackend[]): Map<string, ModelLabels> {
  return new Map([...modelAdapters(backends)].map(([id, { backend, model }]) => [id, { backend, model }]));
}

/**
 * Token usage and streaming latency of the model backends, from what their adapters report in
 * `AdapterResult.meta`: `usage` (`prompt_tokens`, `completion_tokens`, `total_tokens`, or the
 * `input_tokens` / `output_tokens` some endpoints answer with), and for a streamed chat `ttftMs`
 * and `generationMs`. Only adapters of the configured backends are counted, under their
 * configured labels, so the series stay bounded.
 */
export class ModelMetrics {
  private readonly promptTokens: SeriesCounter;
  private readonly completionTokens: SeriesCounter;
  private readonly totalTokens: SeriesCounter;
  private readonly ttft: SeriesHistogram;
  private readonly tpot: SeriesHistogram;

  constructor(
    registry: Registry,
    private readonly labels: ReadonlyMap<string, ModelLabels>,
  ) {
    const labelNames = ['backend', 'model'];
    this.promptTokens = new SeriesCounter(registry, {
      name: 'omnigate_gen_ai_prompt_tokens_total',
      help: 'Prompt (input) tokens the model backends reported using, by backend and configured model',
      labelNames,
    });
    this.completionTokens = new SeriesCounter(registry, {
      name: 'omnigate_gen_ai_completion_tokens_total',
      help: 'Completion (output) tokens the model backends reported, by backend and configured model',
      labelNames,
    });
    this.totalTokens = new SeriesCounter(registry, {
      name: 'omnigate_gen_ai_tokens_total',
      help: 'Total tokens the model backends reported, by backend and configured model',
      labelNames,
    });
    this.ttft = new SeriesHistogram(registry, {
      name: 'omnigate_gen_ai_time_to_first_token_seconds',
      help: 'Streamed chat: time from the request to the first text, by backend and configured model',
      labelNames,
      buckets: TTFT_BUCKETS,
    });
    this.tpot = new SeriesHistogram(registry, {
      name: 'omnigate_gen_ai_time_per_output_token_seconds',
      help: 'Streamed chat: time per output token after the first, by backend and configured model',
      labelNames,
      buckets: TPOT_BUCKETS,
    });
  }

  /** Records what one answer of `adapter` reported; an adapter of no configured backend is not counted. */
  answered(adapter: string, meta: Record<string, unknown> | undefined): void {
    const labels = this.labels.get(adapter);
    if (!labels || !meta) return;
    const { backend, model } = labels;
    const { prompt, completion, total } = tokenUsage(meta);
    if (prompt !== undefined) this.promptTokens.at(backend, model).inc(prompt);
    if (completion !== undefined) this.completionTokens.at(backend, model).inc(completion);
    if (total !== undefined) this.totalTokens.at(backend, model).inc(total);

    const ttftMs = count(meta.ttftMs);
    if (ttftMs !== undefined) this.ttft.at(backend, model).observe(ttftMs / 1000);
    // After the first token: the time the others took, each (OpenTelemetry's definition).
    const generationMs = count(meta.generationMs);
    if (generationMs !== undefined && completion !== undefined && completion > 1) {
      this.tpot.at(backend, model).observe(generationMs / 1000 / (completion - 1));
    }
  }
}
