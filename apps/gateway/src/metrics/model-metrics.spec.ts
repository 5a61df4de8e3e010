import { OpenAiBackendSchema } from '@omnigate/contracts';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './gateway-metrics';
import { modelLabels } from './model-metrics';

const backends = [
  OpenAiBackendSchema.parse({
    id: 'vllm',
    baseUrl: 'http://vllm:8000/v1',
    models: { chat: 'llama-3.1-8b', embedding: 'bge-m3' },
  }),
  OpenAiBackendSchema.parse({ id: 'oai', apiKey: 'sk-x', models: { chat: 'gpt-4o-mini', vision: 'gpt-4o' } }),
];

/** The samples of a scrape whose name starts with `prefix`: `name{labels}` → value. */
async function samples(metrics: GatewayMetrics, prefix: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const line of (await metrics.scrape()).split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const cut = line.lastIndexOf(' ');
    found.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return found;
}

describe('model backend metrics', () => {
  it("labels every configured backend's adapters with the backend and the configured model", () => {
    expect(Object.fromEntries(modelLabels(backends))).toEqual({
      'vllm.chat': { backend: 'vllm', model: 'llama-3.1-8b' },
      'vllm.embedding': { backend: 'vllm', model: 'bge-m3' },
      'oai.chat': { backend: 'oai', model: 'gpt-4o-mini' },
      'oai.vision': { backend: 'oai', model: 'gpt-4o' },
    });
  });

  it('counts prompt, completion and total tokens by backend and configured model, whatever model answered', async () => {
    const metrics = new GatewayMetrics(modelLabels(backends));
    const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    metrics.hopAnswered('vllm.chat', { model: 'whatever-the-upstream-says', usage });
    metrics.hopAnswered('vllm.chat', { model: 'another', usage });
    metrics.hopAnswered('vllm.embedding', { usage: { prompt_tokens: 4, total_tokens: 4 } });
    // Without total_tokens, or in input/output terms: added up.
    metrics.hopAnswered('oai.vision', { usage: { input_tokens: 7, output_tokens: 2 } });
    const s = await samples(metrics, 'omnigate_gen_ai_');
    expect(s.get('omnigate_gen_ai_prompt_tokens_total{backend="vllm",model="llama-3.1-8b"}')).toBe(20);
    expect(s.get('omnigate_gen_ai_completion_tokens_total{backend="vllm",model="llama-3.1-8b"}')).toBe(10);
    expect(s.get('omnigate_gen_ai_tokens_total{backend="vllm",model="llama-3.1-8b"}')).toBe(30);
    expect(s.get('omnigate_gen_ai_prompt_tokens_total{backend="vllm",model="bge-m3"}')).toBe(4);
    expect(s.get('omnigate_gen_ai_tokens_total{backend="vllm",model="bge-m3"}')).toBe(4);
    expect(s.has('omnigate_gen_ai_completion_tokens_total{backend="vllm",model="bge-m3"}')).toBe(false);
    expect(s.get('omnigate_gen_ai_tokens_total{backend="oai",model="gpt-4o"}')).toBe(9);
    // No timings, no latency series.
    expect(
      s.get('omnigate_gen_ai_time_to_first_token_seconds_count{backend="vllm",model="llama-3.1-8b"}'),
    ).toBe(undefined);
    const text = await metrics.scrape();
    expect(text).not.toContain('whatever-the-upstream-says');
    expect(text).not.toContain('another');
  });

  it('records time to first token and time per output token after the first, for a streamed answer', async () => {
    const metrics = new GatewayMetrics(modelLabels(backends));
    metrics.hopAnswered('oai.chat', {
      usage: { prompt_tokens: 3, completion_tokens: 11, total_tokens: 14 },
      ttftMs: 200,
      generationMs: 500,
    });
    // One token: no time per output token after the first.
    metrics.hopAnswered('oai.chat', { usage: { completion_tokens: 1 }, ttftMs: 30, generationMs: 0 });
    const s = await samples(metrics, 'omnigate_gen_ai_time_');
    const labels = 'backend="oai",model="gpt-4o-mini"';
    expect(s.get(`omnigate_gen_ai_time_to_first_token_seconds_count{${labels}}`)).toBe(2);
    expect(s.get(`omnigate_gen_ai_time_to_first_token_seconds_sum{${labels}}`)).toBeCloseTo(0.23);
    expect(s.get(`omnigate_gen_ai_time_per_output_token_seconds_count{${labels}}`)).toBe(1);
    expect(s.get(`omnigate_gen_ai_time_per_output_token_seconds_sum{${labels}}`)).toBeCloseTo(0.05);
  });

  it('counts nothing for an adapter of no configured backend, nor from a malformed meta', async () => {
    const metrics = new GatewayMetrics(modelLabels(backends));
    metrics.hopAnswered('builtin.echo', { usage: { prompt_tokens: 1 }, ttftMs: 5 });
    metrics.hopAnswered('ghost.chat', { usage: { prompt_tokens: 1 } });
    metrics.hopAnswered('vllm.chat', undefined);
    metrics.hopAnswered('vllm.chat', { usage: 'lots', ttftMs: -1 });
    metrics.hopAnswered('vllm.chat', { usage: { prompt_tokens: Number.NaN, completion_tokens: '5' } });
    const s = await samples(metrics, 'omnigate_gen_ai_');
    expect([...s.keys()]).toEqual([]);
  });
});
