import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBuiltinAdapters, createOpenAiAdapters } from '@omnigate/adapters';
import { defaultOpenAiBackend } from '@omnigate/contracts';
import { describe, expect, it } from 'vitest';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { checkPlan } from './plan-check';

/** bench/planner-eval.json (npm run eval:planner) must hold plans the gateway would run, or its scores mean nothing. */
const data = JSON.parse(readFileSync(join(__dirname, '../../../../bench/planner-eval.json'), 'utf8')) as {
  aliases: Record<string, string>;
  requests: {
    id: string;
    inputs: string[];
    output: string;
    expected: { id: string; tool: string | string[]; inputs: string[] }[];
  }[];
};

describe('the planning evaluation set', () => {
  const registry = new AdapterRegistry(createBuiltinAdapters());
  for (const adapter of createOpenAiAdapters(defaultOpenAiBackend('sk-unused')))
    registry.register(adapter, 'openai');

  it('has at least 40 requests with distinct ids, a third of them with dependencies', () => {
    expect(data.requests.length).toBeGreaterThanOrEqual(40);
    expect(new Set(data.requests.map((r) => r.id)).size).toBe(data.requests.length);
    const chained = data.requests.filter((r) =>
      r.expected.some((t) => t.inputs.some((i) => !i.startsWith('input:'))),
    );
    expect(chained.length).toBeGreaterThanOrEqual(data.requests.length / 3);
  });

  it('expects only plans that pass the gateway’s checks, every alternative and alias a real tool', () => {
    for (const request of data.requests) {
      const tools = request.expected.map((t) => (Array.isArray(t.tool) ? t.tool : [t.tool]));
      for (const tool of [...tools.flat(), ...Object.keys(data.aliases), ...Object.values(data.aliases)]) {
        const [adapter, task] = tool.split(':');
        expect(registry.has(adapter), `${request.id}: ${tool}`).toBe(true);
        expect(registry.get(adapter).descriptor.capabilities.map((c) => c.task)).toContain(task);
      }
      const plan = {
        tasks: request.expected.map((t, i) => {
          const [adapter, task] = tools[i][0].split(':');
          return { id: t.id, adapter, task, inputs: t.inputs };
        }),
      };
      const check = checkPlan(plan, { adapters: registry, inputs: request.inputs, output: request.output });
      expect(check, request.id).toMatchObject({ ok: true });
    }
  });
});
