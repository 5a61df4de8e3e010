import type { Adapter } from '@omnigate/adapters';
import type { InferRequest } from '@omnigate/contracts';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import type { JobRecord } from '../jobs/job-record';
import type { CheckedTask } from './plan-check';
import { runPlan } from './plan-runner';

const task = (id: string, output: string, sources: CheckedTask['sources']): CheckedTask => ({
  task: {
    id,
    adapter: `a.${id}`,
    task: 'do',
    inputs: sources.map((s) => (s.kind === 'input' ? `input:${s.index}` : s.id)),
  },
  adapter: { descriptor: { id: `a.${id}`, version: '1', capabilities: [] } } as unknown as Adapter,
  capability: { task: 'do', inputs: ['text'], output },
  sources,
});

const done = (id: string, outputs: JobRecord['outputs']): JobRecord =>
  ({ id: `job-${id}`, status: 'completed', outputs, route: [], warnings: [] }) as unknown as JobRecord;

const INPUT = { blobId: 'a'.repeat(64), modality: 'image', mediaType: 'image/png' };

describe('runPlan', () => {
  it('runs independent tasks at once and a dependent one after both, with their outputs as its inputs', async () => {
    const log: string[] = [];
    const requests = new Map<string, InferRequest>();
    const gates = new Map<string, () => void>();
    const plan = [
      task('a', 'text', [{ kind: 'input', index: 0 }]),
      task('b', 'image', [{ kind: 'input', index: 0 }]),
      task('c', 'audio', [
        { kind: 'task', id: 'a' },
        { kind: 'task', id: 'b' },
      ]),
    ];
    const running = runPlan(
      plan,
      [INPUT],
      async (t, request) => {
        log.push(`start ${t.task.id}`);
        requests.set(t.task.id, request);
        await new Promise<void>((resolve) => gates.set(t.task.id, resolve));
        log.push(`end ${t.task.id}`);
        return t.task.id === 'a'
          ? done('a', [{ modality: 'text', mediaType: 'text/plain', text: 'hello' }])
          : done(t.task.id, [
              { modality: 'image', mediaType: 'image/png', blobId: 'b'.repeat(64), bytes: 3 },
            ]);
      },
      3,
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['start a', 'start b']);
    gates.get('b')!();
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['start a', 'start b', 'end b']);
    gates.get('a')!();
    await new Promise((r) => setTimeout(r, 10));
    gates.get('c')!();
    const results = await running;
    expect([...results.keys()]).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'start b', 'end b', 'end a', 'start c', 'end c']);
    expect(requests.get('a')).toMatchObject({
      inputs: [INPUT],
      output: { modality: 'text' },
      adapter: 'a.a',
      task: 'do',
      planner: 'graph',
      priority: 3,
    });
    expect(requests.get('c')!.inputs).toEqual([
      { text: 'hello', modality: 'text', mediaType: 'text/plain' },
      { blobId: 'b'.repeat(64), modality: 'image', mediaType: 'image/png' },
    ]);
  });

  it('throws the first failure and starts nothing that depends on it', async () => {
    const started: string[] = [];
    const failure = new GatewayError('adapter_failed', 'a broke');
    const plan = [
      task('a', 'text', [{ kind: 'input', index: 0 }]),
      task('b', 'text', [{ kind: 'task', id: 'a' }]),
      task('c', 'text', [{ kind: 'input', index: 0 }]),
    ];
    await expect(
      runPlan(plan, [INPUT], async (t) => {
        started.push(t.task.id);
        if (t.task.id === 'a') throw failure;
        return done(t.task.id, []);
      }),
    ).rejects.toBe(failure);
    expect(started).not.toContain('b');
  });
});
