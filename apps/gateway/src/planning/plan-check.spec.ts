import type { Adapter } from '@omnigate/adapters';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { checkPlan, readPlan, MAX_PLAN_ANSWER_CHARS, type PlanContext } from './plan-check';

/** A registry of descriptors only: checking a plan never invokes an adapter. */
const adapter = (
  id: string,
  capabilities: Adapter['descriptor']['capabilities'],
  options?: z.ZodType,
): Adapter =>
  ({
    descriptor: { id, version: '1', capabilities },
    ...(options ? { options } : {}),
    invoke: () => Promise.reject(new Error('not in a check')),
  }) as Adapter;

const registry = new AdapterRegistry([
  adapter('img', [
    { task: 'describe', inputs: ['image'], output: 'text' },
    { task: 'ocr', inputs: ['image'], output: 'text' },
  ]),
  adapter(
    'speech',
    [{ task: 'tts', inputs: ['text'], output: 'audio' }],
    z.object({ voice: z.enum(['a', 'b']).optional() }),
  ),
  adapter('vision', [{ task: 'chat', inputs: ['text', 'image'], output: 'text' }]),
]);

const context = (over: Partial<PlanContext> = {}): PlanContext => ({
  adapters: registry,
  inputs: ['text', 'image'],
  output: 'audio',
  ...over,
});

const check = (tasks: unknown[], over?: Partial<PlanContext>) => {
  const read = readPlan(JSON.stringify({ tasks }));
  if (!('plan' in read)) throw new Error(read.problems.join('; '));
  return checkPlan(read.plan, context(over));
};

describe('readPlan', () => {
  it('reads JSON inside a code fence or prose', () => {
    const read = readPlan(
      'Here it is:\n```json\n{"tasks":[{"id":"t1","adapter":"img","task":"ocr","inputs":["input:1"]}]}\n```',
    );
    expect(read).toEqual({
      plan: { tasks: [{ id: 't1', adapter: 'img', task: 'ocr', inputs: ['input:1'] }] },
    });
  });

  it('refuses what is not JSON, not a plan, or too long, saying why', () => {
    expect(readPlan('I would describe the image.')).toEqual({
      problems: ['the answer is not JSON (no object in it)'],
    });
    expect(readPlan('{"tasks": [ }')).toEqual({
      problems: [expect.stringMatching(/^the answer is not valid JSON: /)],
    });
    expect(readPlan('{"tasks": []}')).toEqual({ problems: [expect.stringMatching(/^tasks: /)] });
    expect(readPlan('{"tasks": [{"id": "input:0", "adapter": "img", "task": "ocr", "inputs": []}]}')).toEqual(
      {
        problems: [
          expect.stringMatching(/^tasks\.0\.id: a task id is/),
          expect.stringMatching(/^tasks\.0\.inputs: /),
        ],
      },
    );
    expect(readPlan(`{"tasks": "${'x'.repeat(MAX_PLAN_ANSWER_CHARS)}"}`)).toEqual({
      problems: [expect.stringMatching(/^the answer is \d+ characters long/)],
    });
  });
});

describe('checkPlan', () => {
  it('accepts a chain, in dependency order, with the task that gives the output', () => {
    const result = check([
      { id: 'speak', adapter: 'speech', task: 'tts', inputs: ['look'], options: { voice: 'a' } },
      { id: 'look', adapter: 'img', task: 'describe', inputs: ['input:1'] },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.tasks.map((t) => t.task.id)).toEqual(['look', 'speak']);
    expect(result.tasks[1].sources).toEqual([{ kind: 'task', id: 'look' }]);
    expect(result.tasks[1].capability.output).toBe('audio');
    expect(result.final).toBe('speak');
  });

  it('matches a task with several inputs by their modalities, in any order', () => {
    const result = check([{ id: 'ask', adapter: 'vision', task: 'chat', inputs: ['input:1', 'input:0'] }], {
      output: 'text',
    });
    expect(result).toMatchObject({ ok: true, tasks: [{ capability: { inputs: ['text', 'image'] } }] });
    expect(result.ok && result.final).toBeUndefined();
  });

  it('refuses unknown adapters, tasks and inputs', () => {
    expect(
      check([
        { id: 't1', adapter: 'nope', task: 'x', inputs: ['input:0'] },
        { id: 't2', adapter: 'img', task: 'paint', inputs: ['input:7'] },
        { id: 't3', adapter: 'img', task: 'ocr', inputs: ['t9'] },
      ]),
    ).toEqual({
      ok: false,
      problems: [
        'task t1: there is no adapter "nope" (use one from the catalog)',
        'task t2: img has no task "paint" (it has describe, ocr)',
        'task t2: input:7 does not exist (the request has 2 inputs)',
        'task t3: input "t9" is neither input:N nor a task id',
      ],
    });
  });

  it('refuses a cycle, and a task that depends on itself', () => {
    expect(
      check([
        { id: 'a', adapter: 'img', task: 'ocr', inputs: ['b'] },
        { id: 'b', adapter: 'img', task: 'ocr', inputs: ['a'] },
        { id: 'ok', adapter: 'img', task: 'ocr', inputs: ['input:1'] },
      ]),
    ).toEqual({ ok: false, problems: ['tasks a, b depend on each other (a cycle)'] });
    expect(check([{ id: 'self', adapter: 'speech', task: 'tts', inputs: ['self'] }])).toEqual({
      ok: false,
      problems: ['tasks self depend on each other (a cycle)'],
    });
  });

  it('refuses an impossible edge: a task whose input modality its dependency does not produce', () => {
    expect(
      check([
        { id: 'speak', adapter: 'speech', task: 'tts', inputs: ['input:0'] },
        { id: 'look', adapter: 'img', task: 'describe', inputs: ['speak'] },
      ]),
    ).toEqual({
      ok: false,
      problems: ['task look: img describe takes image, but gets audio (from speak)'],
    });
  });

  it('refuses options the adapter rejects, a missing output, and a caller’s task or adapter left out', () => {
    expect(
      check([{ id: 's', adapter: 'speech', task: 'tts', inputs: ['input:0'], options: { voice: 'z' } }]),
    ).toEqual({ ok: false, problems: [expect.stringMatching(/^task s: options\.voice: /)] });
    expect(check([{ id: 'o', adapter: 'img', task: 'ocr', inputs: ['input:1'] }])).toEqual({
      ok: false,
      problems: ['no task produces audio, the requested output'],
    });
    expect(
      check([{ id: 'o', adapter: 'img', task: 'ocr', inputs: ['input:1'] }], {
        output: 'text',
        task: 'describe',
        adapter: 'vision',
      }),
    ).toEqual({
      ok: false,
      problems: [
        'the caller asked for the task "describe": the plan must contain it',
        'the caller asked for the adapter "vision": the plan must use it',
      ],
    });
  });

  it('refuses a task id used twice', () => {
    expect(
      check([
        { id: 't', adapter: 'img', task: 'ocr', inputs: ['input:1'] },
        { id: 't', adapter: 'img', task: 'describe', inputs: ['input:1'] },
      ]),
    ).toMatchObject({ ok: false, problems: ['task id t is used twice'] });
  });
});
