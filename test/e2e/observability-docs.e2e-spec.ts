import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';
import { families, samples } from '../metrics-samples';
import {
  dashboardQueries,
  documentedMetrics,
  familyOf,
  promqlNames,
  sampleLabels,
} from '../observability-files';
import { startOpenAiTestServer, type OpenAiTestServer } from '../openai-server/openai-test-server.mjs';

// docs/observability.md and the Grafana dashboard against what a running gateway exposes, after
// traffic that makes each omnigate family of today count something: a plain job, a retry, a fallback
// and an open breaker (test.broken always answers 503), a streamed chat to a model backend.

const post = (gw: TestGateway, body: unknown) =>
  fetch(`${gw.url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('docs/observability.md and the dashboard, against /metrics', () => {
  let backend: OpenAiTestServer;
  let gw: TestGateway;
  /** name → type, from the scrape's `# TYPE` lines. */
  let scraped: Map<string, string>;
  let series: Map<string, number>;

  beforeAll(async () => {
    backend = await startOpenAiTestServer({ chunkDelayMs: 5 });
    gw = await startGateway({
      ADAPTER_MODULES: './test/adapters/fallback-adapters.mjs',
      OPENAI_BACKENDS: JSON.stringify([
        { id: 'docs', baseUrl: backend.url, apiKey: 'sk-docs', models: { chat: 'gpt-4o-mini' } },
      ]),
      JOB_ATTEMPTS: '2',
      JOB_BACKOFF_MS: '10',
      BREAKER_FAILURES: '2',
    });
    expect((await post(gw, { inputs: [{ text: 'hi' }], output: 'text', task: 'echo' })).status).toBe(200);
    const fellBack = await post(gw, { inputs: [{ text: 'hi' }], output: 'text', task: 'shout' });
    expect(fellBack.status).toBe(200);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'docs.chat',
      messages: [{ role: 'user', content: 'several words to stream back' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) void chunk;
    expect((await fetch(`${gw.url}/no/such/path`)).status).toBe(404);

    const text = await (await fetch(`${gw.url}/metrics`)).text();
    scraped = families(text);
    series = samples(text);
  });
  afterAll(async () => {
    await gw?.close();
    await backend?.close();
  });

  it('documents every family the gateway exposes, with its type and labels, and no other', () => {
    const documented = documentedMetrics();
    const undocumented = [...scraped]
      .filter(([name]) => !documented.has(name))
      .map(([n, t]) => `${n} (${t})`);
    // Soft: one run names every gap (the undocumented families, with their types, first).
    expect
      .soft(undocumented, 'families /metrics shows that docs/observability.md does not document')
      .toEqual([]);
    const gone = [...documented.keys()].filter((name) => !scraped.has(name));
    expect.soft(gone, 'families docs/observability.md documents that /metrics does not show').toEqual([]);
    const wrongType = [...scraped]
      .filter(([name, type]) => (documented.get(name)?.type ?? type) !== type)
      .map(([name, type]) => `${name}: ${type}, documented ${documented.get(name)!.type}`);
    expect.soft(wrongType, 'families documented with another type').toEqual([]);

    // The labels of each family's series, `le` aside, are the documented ones.
    const seen = new Map<string, Set<string>>();
    for (const key of series.keys()) {
      const { name, labels } = sampleLabels(key);
      const family = familyOf(name, scraped)!;
      const set = seen.get(family) ?? new Set<string>();
      for (const label of labels) if (label !== 'le') set.add(label);
      seen.set(family, set);
    }
    // The traffic above made these count (families added later may have no series: their labels
    // are checked once some traffic makes them count).
    const counted = [
      'omnigate_jobs_created_total',
      'omnigate_hop_retries_total',
      'omnigate_hop_fallbacks_total',
      'omnigate_adapter_breaker_state',
      'omnigate_queue_hops',
      'omnigate_gen_ai_time_to_first_token_seconds',
      'omnigate_gen_ai_time_per_output_token_seconds',
    ];
    expect
      .soft(
        counted.filter((name) => !seen.has(name)),
        'families without a series after the traffic',
      )
      .toEqual([]);
    const mislabelled: string[] = [];
    for (const [family, labels] of seen) {
      const expected = documented.get(family)?.labels;
      if (expected && [...labels].sort().join() !== [...expected].sort().join()) {
        mislabelled.push(`${family}: {${[...labels].join(', ')}}, documented {${expected.join(', ')}}`);
      }
    }
    expect.soft(mislabelled, 'families whose series have other labels than documented').toEqual([]);
  });

  it('has the dashboard query only metrics that /metrics shows', () => {
    const missing: string[] = [];
    for (const { where, expr } of dashboardQueries()) {
      for (const metric of promqlNames(expr).metrics) {
        if (!familyOf(metric, scraped)) missing.push(`${where}: ${metric}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
