// omnigate planning evaluation (issue 16): how well does the LLM planner plan?
// Each request of bench/planner-eval.json (its text, its inputs' modalities, the output asked for)
// goes through the gateway's own planner (apps/gateway/src/planning: the same prompt, catalog,
// checks and repair round) against a real chat backend; the plan it settles on is compared with
// the expected one by TaskBench's measures: tool (node) F1 over the adapter:task pairs called, and
// dependency (edge) F1 over the task → task edges, each per request, then averaged (edge F1 over
// the requests whose expected plan has an edge, as TaskBench reports it). A refused plan scores 0.
// The catalog is the built-in adapters plus one OpenAI backend's (openai.chat, .vision,
// .transcription, .speech, .image, .embedding); nothing but the planner's calls is run.
// Usage: OPENAI_API_KEY=... npm run eval:planner   (skipped, with a message, without the key). Knobs (env):
//   OPENAI_BASE_URL (default https://api.openai.com/v1)  PLANNER_EVAL_MODEL (default gpt-4o-mini)
//   PLANNER_EVAL_CONCURRENCY=4  PLANNER_EVAL_ONLY=id,id  PLANNER_EVAL_OUT=path.json (per-request results)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import pLimit from 'p-limit';
import { createBuiltinAdapters, createOpenAiAdapters } from '@omnigate/adapters';
import {
  OPENAI_DEFAULT_BASE_URL,
  OPENAI_DEFAULT_MODELS,
  OpenAiBackendSchema,
  type InferRequest,
} from '@omnigate/contracts';
import { AdapterRegistry } from '../apps/gateway/src/adapters/adapter-registry';
import type { JobRecord } from '../apps/gateway/src/jobs/job-record';
import { LlmPlanner, type PlannerJobs } from '../apps/gateway/src/planning/llm-planner';
import { planGraph, scorePlan, type PlanGraph } from '../apps/gateway/src/planning/plan-score';

interface EvalRequest {
  id: string;
  text: string;
  inputs: string[];
  output: string;
  expected: { id: string; tool: string | string[]; inputs: string[] }[];
}

const MEDIA_TYPES: Record<string, string> = {
  text: 'text/plain',
  image: 'image/png',
  audio: 'audio/wav',
  video: 'video/mp4',
  signal: 'text/csv',
  pointcloud: 'application/x-ply',
};

const apiKey = process.env.OPENAI_API_KEY?.trim();
if (!apiKey) {
  console.log(
    'eval:planner skipped: set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible ' +
      'backend, PLANNER_EVAL_MODEL for another model) to run the planning evaluation against a real backend.',
  );
  process.exit(0);
}
const baseUrl = process.env.OPENAI_BASE_URL?.trim() || OPENAI_DEFAULT_BASE_URL;
const model = process.env.PLANNER_EVAL_MODEL?.trim() || OPENAI_DEFAULT_MODELS.chat;
const concurrency = Number(process.env.PLANNER_EVAL_CONCURRENCY ?? 4);
const only = process.env.PLANNER_EVAL_ONLY?.split(',').filter(Boolean);

const data = JSON.parse(readFileSync(join(__dirname, 'planner-eval.json'), 'utf8')) as {
  aliases: Record<string, string>;
  requests: EvalRequest[];
};
const requests = data.requests.filter((r) => !only || only.includes(r.id));

const backend = OpenAiBackendSchema.parse({
  id: 'openai',
  baseUrl,
  apiKey,
  models: { ...OPENAI_DEFAULT_MODELS, chat: model },
});
const registry = new AdapterRegistry(createBuiltinAdapters());
for (const adapter of createOpenAiAdapters(backend)) registry.register(adapter, 'openai');
const client = new OpenAI({ baseURL: baseUrl, apiKey, maxRetries: 3, timeout: 120_000 });

/**
 * The planner's calls of the model, made here with the official client instead of as jobs: the
 * request the planner builds (its prompt as the one input, `system`, `messages` with the prompt
 * as `input_ref` 0, `response_format`, `temperature`) becomes the chat completion a job would send.
 */
let calls = 0;
const jobs: PlannerJobs = {
  async run(request: InferRequest): Promise<JobRecord> {
    calls++;
    const prompt = (request.inputs[0] as { text: string }).text;
    const options = request.options as {
      system: string;
      temperature?: number;
      response_format?: { type: 'json_object' };
      messages?: { role: 'user' | 'assistant'; content: string | { type: 'input_ref' }[] }[];
    };
    const conversation = (options.messages ?? [{ role: 'user' as const, content: prompt }]).map((m) => ({
      role: m.role,
      content: typeof m.content === 'string' ? m.content : prompt,
    }));
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'system', content: options.system }, ...conversation],
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      ...(options.response_format ? { response_format: options.response_format } : {}),
    });
    const text = completion.choices[0]?.message.content ?? '';
    return {
      id: completion.id,
      status: 'completed',
      outputs: [{ modality: 'text', mediaType: 'text/plain', text }],
    } as JobRecord;
  },
  cancel: () => Promise.reject(new Error('nothing to cancel: calls are not jobs here')),
};

const planner = new LlmPlanner('openai.chat', registry, 120_000);

/** The expected plan's graph; a tool listed with alternatives is scored under its first name. */
function expectedGraph(request: EvalRequest): { graph: PlanGraph; canonical: (tool: string) => string } {
  const alternatives = new Map<string, string>();
  for (const task of request.expected) {
    const tools = Array.isArray(task.tool) ? task.tool : [task.tool];
    for (const tool of tools) alternatives.set(tool, tools[0]);
  }
  const canonical = (tool: string) => {
    const aliased = data.aliases[tool] ?? tool;
    return alternatives.get(aliased) ?? aliased;
  };
  const graph = planGraph(
    {
      tasks: request.expected.map((t) => {
        const [adapter, task] = (Array.isArray(t.tool) ? t.tool[0] : t.tool).split(':');
        return { id: t.id, adapter, task, inputs: t.inputs };
      }),
    },
    canonical,
  );
  return { graph, canonical };
}

interface Outcome {
  id: string;
  node: number;
  edge: number;
  hasEdges: boolean;
  valid: boolean;
  rounds: number;
  predicted?: PlanGraph;
  expected: PlanGraph;
  problems: string[];
  error?: string;
}

async function evaluate(request: EvalRequest): Promise<Outcome> {
  const { graph: expected, canonical } = expectedGraph(request);
  const question = {
    inputs: request.inputs.map((modality, i) => ({
      modality,
      mediaType: MEDIA_TYPES[modality] ?? 'application/octet-stream',
      ...(i === 0 ? { text: request.text } : {}),
    })),
    output: request.output,
  };
  try {
    const outcome = await planner.plan(question, jobs);
    const predicted = outcome.ok ? planGraph(outcome.check.plan, canonical) : undefined;
    const score = scorePlan(predicted, expected);
    return {
      id: request.id,
      node: score.node.f1,
      edge: score.edge.f1,
      hasEdges: expected.edges.length > 0,
      valid: outcome.ok,
      rounds: outcome.report.rounds,
      ...(predicted ? { predicted } : {}),
      expected,
      problems: outcome.report.problems,
    };
  } catch (err) {
    return {
      id: request.id,
      node: 0,
      edge: 0,
      hasEdges: expected.edges.length > 0,
      valid: false,
      rounds: 0,
      expected,
      problems: [],
      error: (err as Error).message,
    };
  }
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
const pct = (v: number) => (Number.isNaN(v) ? '  n/a' : (100 * v).toFixed(1).padStart(5));

async function main(): Promise<void> {
  console.log(`planning evaluation: ${requests.length} requests, model ${model} at ${new URL(baseUrl).host}`);
  const limit = pLimit(concurrency);
  const outcomes = await Promise.all(requests.map((r) => limit(() => evaluate(r))));
  for (const o of outcomes) {
    const what = o.error
      ? `error: ${o.error}`
      : o.valid
        ? `${o.predicted!.tools.join(', ')}${o.rounds > 1 ? ' (repaired)' : ''}`
        : `refused: ${o.problems.join('; ')}`;
    console.log(
      `${o.id.padEnd(28)} node ${pct(o.node)}  edge ${o.hasEdges ? pct(o.edge) : '    -'}  ${what}`,
    );
  }
  const node = mean(outcomes.map((o) => o.node));
  const edge = mean(outcomes.filter((o) => o.hasEdges).map((o) => o.edge));
  const valid = outcomes.filter((o) => o.valid).length;
  const repaired = outcomes.filter((o) => o.valid && o.rounds > 1).length;
  console.log(
    `\ntool F1 ${pct(node)}   dependency F1 ${pct(edge)} (${outcomes.filter((o) => o.hasEdges).length} requests with edges)` +
      `   valid plans ${valid}/${outcomes.length} (${repaired} after a repair)   model calls ${calls}`,
  );
  console.log('(TaskBench reports GPT-4 at 90.9 tool F1 / 69.3 dependency F1 on its own tool graphs.)');
  const out = process.env.PLANNER_EVAL_OUT;
  if (out) {
    writeFileSync(out, `${JSON.stringify({ model, baseUrl, node, edge, valid, outcomes }, null, 2)}\n`);
    console.log(`results: ${out}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
