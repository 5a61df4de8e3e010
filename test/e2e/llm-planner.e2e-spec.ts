import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { startBackendGateway, startGateway, type BackendGateway } from '../gateway-harness';
import type { RecordedRequest } from '../openai-server/openai-test-server.mjs';

/** The LLM planner (PLANNER_MODEL) against the test OpenAI server, its chat answers scripted. */

const CHAT = '/v1/chat/completions';
const plan = (tasks: unknown[]) => JSON.stringify({ tasks });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- job bodies as the API answers them
type Json = any;

let env: BackendGateway;

beforeAll(async () => {
  env = await startBackendGateway('pl', { chat: 'gpt-4o-mini' }, { PLANNER_MODEL: 'pl.chat' });
}, 60_000);
afterAll(async () => {
  await env?.close();
});
beforeEach(() => env.backend.reset());

async function infer(body: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${env.gw.url}/v1/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function job(id: string): Promise<Json> {
  return (await fetch(`${env.gw.url}/v1/jobs/${id}`)).json();
}

/** The text of every message the backend received in one chat call, joined. */
function promptOf(request: RecordedRequest | undefined): string {
  return (request?.body.messages as { content: unknown }[])
    .map((m) =>
      typeof m.content === 'string'
        ? m.content
        : (m.content as { type: string; text?: string }[]).map((p) => p.text ?? `[${p.type}]`).join(' '),
    )
    .join('\n---\n');
}

const chats = () => env.backend.requests.filter((r) => r.path === CHAT);

describe('LLM planner', () => {
  it('runs a valid plan (image → describe → speech): stage 1 sees the modalities and the catalog, the plan is in the route', async () => {
    env.backend.script({
      path: CHAT,
      content: plan([
        { id: 'describe', adapter: 'builtin.image', task: 'describe', inputs: ['input:1'] },
        { id: 'speak', adapter: 'builtin.speech', task: 'tts', inputs: ['describe'] },
      ]),
    });
    const png = fixture('image/fixture.png').toString('base64');
    const { status, json } = await infer({
      inputs: [{ text: 'Describe this picture out loud' }, { data: png, mediaType: 'image/png' }],
      output: 'audio',
      planner: 'llm',
    });
    expect(status).toBe(200);
    expect(json.status).toBe('completed');
    expect(json.outputs).toHaveLength(1);
    expect(json.outputs[0]).toMatchObject({ modality: 'audio', mediaType: 'audio/wav' });
    expect(json.route.map((s: Json) => `${s.adapter}:${s.task}`)).toEqual([
      'builtin.image:describe',
      'builtin.speech:tts',
    ]);
    expect(json.planner).toMatchObject({
      kind: 'llm',
      model: 'pl.chat',
      outcome: 'planned',
      rounds: 1,
      problems: [],
      plan: { tasks: [{ id: 'describe' }, { id: 'speak' }] },
    });
    expect(Object.keys(json.planner.jobs.tasks)).toEqual(['describe', 'speak']);
    expect(json.warnings).toEqual([]);

    // Stage 1 only: an audio answer is the last task's output, no answer is written.
    expect(chats()).toHaveLength(1);
    const [call] = chats();
    expect(call.body.model).toBe('gpt-4o-mini');
    expect(call.body.response_format).toEqual({ type: 'json_object' });
    const prompt = promptOf(call);
    expect(prompt).toContain('Describe this picture out loud');
    expect(prompt).toContain('input:0 text');
    expect(prompt).toContain('input:1 image (image/png)');
    expect(prompt).toContain('Requested output: audio');
    expect(prompt).toContain('builtin.speech: tts(text -> audio)');
    expect(prompt).toContain('builtin.image: ocr(image -> text) describe(image -> text)');
    expect(prompt).toContain('pl.chat: chat(text -> text)');

    // The task's job is an ordinary job; the speech took the description as its input.
    const described = await job(json.planner.jobs.tasks.describe);
    expect(described).toMatchObject({ status: 'completed', route: [{ adapter: 'builtin.image' }] });
    const spoken = await job(json.planner.jobs.tasks.speak);
    expect(spoken.detected).toEqual([expect.objectContaining({ modality: 'text' })]);
    expect(spoken.outputs[0].blobId).toBe(json.outputs[0].blobId);

    // The planned job as GET shows it.
    const again = await job(json.id);
    expect(again.planner.plan).toEqual(json.planner.plan);
    expect(again.route).toEqual(json.route);
  });

  it('runs independent tasks (signal → plot, signal → describe), then the model writes the text answer from their results', async () => {
    env.backend.script(
      {
        path: CHAT,
        content: plan([
          { id: 'plot', adapter: 'builtin.signal-tools', task: 'plot', inputs: ['input:1'] },
          { id: 'stats', adapter: 'builtin.signal', task: 'describe', inputs: ['input:1'] },
        ]),
      },
      { path: CHAT, content: 'A regular rhythm; the plot is task plot.' },
    );
    const csv = fixture('signal/mitdb-100-ecg-10s.csv').toString('base64');
    const { status, json } = await infer({
      inputs: [{ text: 'What does this ECG show? Plot it.' }, { data: csv, mediaType: 'text/csv' }],
      output: 'text',
      planner: 'llm',
    });
    expect(status).toBe(200);
    expect(json.outputs).toEqual([
      expect.objectContaining({ modality: 'text', text: 'A regular rhythm; the plot is task plot.' }),
    ]);
    expect(json.route.map((s: Json) => `${s.adapter}:${s.task}`)).toEqual([
      'builtin.signal-tools:plot',
      'builtin.signal:describe',
      'pl.chat:chat',
    ]);
    expect(json.planner.jobs.answer).toEqual(expect.any(String));
    expect(chats()).toHaveLength(2);
    expect(promptOf(chats()[0])).toContain('input:1 signal');

    // Stage 4 read the request and both results: the summary's text, the plot as a media line.
    const answerPrompt = promptOf(chats()[1]);
    expect(answerPrompt).toContain('What does this ECG show? Plot it.');
    const stats = await job(json.planner.jobs.tasks.stats);
    expect(stats.outputs[0].text.length).toBeGreaterThan(20);
    expect(answerPrompt).toContain(stats.outputs[0].text);
    const plot = await job(json.planner.jobs.tasks.plot);
    expect(answerPrompt).toContain(
      `plot (builtin.signal-tools plot):\n[image image/png, ${plot.outputs[0].bytes} bytes`,
    );
    expect(chats()[1].body.response_format).toBeUndefined();
  });

  it('repairs an answer that is not JSON once, telling the model what was wrong', async () => {
    env.backend.script(
      { path: CHAT, content: 'Sure! First I would summarize the text.' },
      {
        path: CHAT,
        content:
          '```json\n' +
          plan([{ id: 't1', adapter: 'builtin.text', task: 'keywords', inputs: ['input:0'] }]) +
          '\n```',
      },
      { path: CHAT, content: 'Keywords: planner, gateway.' },
    );
    const { status, json } = await infer({
      inputs: [{ text: 'The gateway plans routes with a planner. Give me its keywords.' }],
      output: 'text',
      planner: 'llm',
    });
    expect(status).toBe(200);
    expect(json.outputs[0].text).toBe('Keywords: planner, gateway.');
    expect(json.planner).toMatchObject({ outcome: 'planned', rounds: 2 });
    expect(json.planner.problems).toEqual([expect.stringContaining('round 1: the answer is not JSON')]);
    expect(json.planner.jobs.plan).toHaveLength(2);
    expect(json.route.map((s: Json) => s.adapter)).toEqual(['builtin.text', 'pl.chat']);

    // The repair round: the first answer as the assistant's, then what was wrong with it.
    const repair = chats()[1].body.messages as { role: string; content: unknown }[];
    expect(repair.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(repair[2].content).toBe('Sure! First I would summarize the text.');
    expect(repair[3].content).toContain('the answer is not JSON');
  });

  it('falls back to the graph route with a warning when the plan has a cycle twice', async () => {
    const cycle = plan([
      { id: 'a', adapter: 'builtin.text', task: 'summarize', inputs: ['b'] },
      { id: 'b', adapter: 'builtin.text', task: 'summarize', inputs: ['a'] },
      { id: 'c', adapter: 'builtin.render', task: 'render', inputs: ['b'] },
    ]);
    env.backend.script({ path: CHAT, content: cycle }, { path: CHAT, content: cycle });
    const { status, json } = await infer({
      inputs: [{ text: 'Draw the words hello world' }],
      output: 'image',
      planner: 'llm',
    });
    expect(status).toBe(200);
    expect(json.status).toBe('completed');
    expect(json.route.map((s: Json) => s.adapter)).toEqual(['builtin.render']);
    expect(json.outputs[0]).toMatchObject({ modality: 'image', mediaType: 'image/png' });
    expect(json.planner).toMatchObject({ kind: 'llm', outcome: 'fallback', rounds: 2 });
    expect(json.planner.plan).toBeUndefined();
    expect(json.planner.problems).toEqual([
      'round 1: tasks a, b, c depend on each other (a cycle)',
      'round 2: tasks a, b, c depend on each other (a cycle)',
    ]);
    expect(json.warnings[0]).toMatch(
      /^the LLM planner's plan was refused \(.*cycle.*\); the graph planner's route ran instead$/,
    );
    expect(chats()).toHaveLength(2);
    expect(promptOf(chats()[1])).toContain('- round 1: tasks a, b, c depend on each other (a cycle)');
  });

  it('falls back when the plan names a missing adapter, then answers that are not JSON', async () => {
    env.backend.script(
      {
        path: CHAT,
        content: plan([{ id: 't1', adapter: 'acme.painter', task: 'paint', inputs: ['input:0'] }]),
      },
      { path: CHAT, content: '{"tasks": [ }' },
    );
    const { status, json } = await infer({
      inputs: [{ text: 'Paint a red circle' }],
      output: 'image',
      planner: 'llm',
    });
    expect(status).toBe(200);
    expect(json.route.map((s: Json) => s.adapter)).toEqual(['builtin.render']);
    expect(json.planner.outcome).toBe('fallback');
    expect(json.planner.problems[0]).toBe(
      'round 1: task t1: there is no adapter "acme.painter" (use one from the catalog)',
    );
    expect(json.planner.problems[1]).toMatch(/^round 2: the answer is not valid JSON/);
    expect(json.warnings[0]).toContain('acme.painter');
    expect(promptOf(chats()[1])).toContain('there is no adapter "acme.painter"');
  });

  it('falls back without a repair round when the planner model fails', async () => {
    env.backend.script({ path: CHAT, status: 400 });
    const { status, json } = await infer({
      inputs: [{ text: 'Paint a blue square' }],
      output: 'image',
      planner: 'llm',
    });
    expect(status).toBe(200);
    expect(json.route.map((s: Json) => s.adapter)).toEqual(['builtin.render']);
    expect(json.planner).toMatchObject({ outcome: 'fallback', rounds: 0 });
    expect(json.planner.problems[0]).toMatch(/^the planner model's call failed: /);
    expect(chats()).toHaveLength(1);
  });

  it('runs an async planned job: 202 at once, then the completed job with its plan', async () => {
    env.backend.script({
      path: CHAT,
      content: plan([{ id: 'draw', adapter: 'builtin.render', task: 'render', inputs: ['input:0'] }]),
    });
    const { status, json } = await infer({
      inputs: [{ text: 'hello' }],
      output: 'image',
      planner: 'llm',
      mode: 'async',
    });
    expect(status).toBe(202);
    expect(json.planner.outcome).toBe('planned');
    let polled: Json = json;
    for (let i = 0; i < 100 && polled.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      polled = await job(json.id);
    }
    expect(polled.status).toBe('completed');
    expect(polled.route.map((s: Json) => s.adapter)).toEqual(['builtin.render']);
    expect(polled.outputs[0].modality).toBe('image');
  });

  it('keeps a cancelled planned job cancelled when its answer arrives later', async () => {
    env.backend.script(
      {
        path: CHAT,
        content: plan([{ id: 'k', adapter: 'builtin.text', task: 'keywords', inputs: ['input:0'] }]),
      },
      { path: CHAT, content: 'too late', delayMs: 800 },
    );
    const { status, json } = await infer({
      inputs: [{ text: 'cancel me please, cancel' }],
      output: 'text',
      planner: 'llm',
      mode: 'async',
    });
    expect(status).toBe(202);
    // Wait for the answer's call to reach the backend, then cancel.
    for (let i = 0; i < 100 && chats().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(chats()).toHaveLength(2);
    const cancelled = await fetch(`${env.gw.url}/v1/jobs/${json.id}/cancel`, { method: 'POST' });
    expect(((await cancelled.json()) as Json).status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 1_200));
    const after = await job(json.id);
    expect(after.status).toBe('cancelled');
    expect(after.outputs).toEqual([]);
  });

  it('leaves requests without planner "llm" to the graph planner', async () => {
    const { status, json } = await infer({ inputs: [{ text: 'hello' }], output: 'image' });
    expect(status).toBe(200);
    expect(json.planner).toBeUndefined();
    expect(chats()).toHaveLength(0);
  });

  it('answers 400 for planner "llm" on a gateway without a planner model', async () => {
    const plain = await startGateway();
    try {
      const res = await fetch(`${plain.url}/v1/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ text: 'hi' }], output: 'text', planner: 'llm' }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).error).toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('PLANNER_MODEL'),
      });
    } finally {
      await plain.close();
    }
  });
});
