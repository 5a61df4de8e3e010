import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiError } from '../openai-errors';
import { startBackendGateway, startGateway, type BackendGateway, type TestGateway } from '../gateway-harness';
import { readEvents } from '../sse';

const ID = 'rl';
const MODELS = { chat: 'gpt-4o-mini' };

/** Reads `read` every 50 ms until `done` holds (at most `timeoutMs`), and answers the last read. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const QUESTION = 'tell me a short story about a fox';

describe('/v1/responses streamed and in the background (official openai client)', () => {
  let setup: BackendGateway | undefined;

  beforeAll(async () => {
    setup = await startBackendGateway(ID, MODELS);
  });
  afterAll(async () => {
    await setup?.close();
  });
  beforeEach(() => setup!.backend.reset());

  const chatBodies = () =>
    setup!.backend.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body);

  it('streams the Responses event sequence: deltas as the backend sends them, ids and positions consistent', async () => {
    const { client } = setup!;
    const stream = await client.responses.create({
      model: 'gpt-4o-mini',
      input: QUESTION,
      instructions: 'Be brief.',
      stream: true,
    });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    const types = events.map((e) => e.type);
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...deltas.map(() => 'response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const answer = `Echo: ${QUESTION}`;
    expect(deltas.join('')).toBe(answer);

    const created = events[0] as Extract<ResponseStreamEvent, { type: 'response.created' }>;
    expect(created.response).toMatchObject({ object: 'response', status: 'in_progress', output: [] });
    const added = events[2] as Extract<ResponseStreamEvent, { type: 'response.output_item.added' }>;
    expect(added).toMatchObject({
      output_index: 0,
      item: { type: 'message', role: 'assistant', status: 'in_progress', content: [] },
    });
    const itemId = added.item.id!;
    for (const event of events) {
      if ('item_id' in event)
        expect(event).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0 });
    }
    const done = events.find((e) => e.type === 'response.output_text.done');
    expect(done).toMatchObject({ text: answer });
    expect(events.find((e) => e.type === 'response.content_part.done')).toMatchObject({
      part: { type: 'output_text', text: answer, annotations: [] },
    });
    expect(events.find((e) => e.type === 'response.output_item.done')).toMatchObject({
      output_index: 0,
      item: {
        id: itemId,
        type: 'message',
        status: 'completed',
        content: [{ type: 'output_text', text: answer }],
      },
    });
    const completed = events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.completed' }>;
    expect(completed.response).toMatchObject({
      id: created.response.id,
      status: 'completed',
      model: `${ID}.chat`,
      instructions: 'Be brief.',
      output: [{ id: itemId, type: 'message', content: [{ type: 'output_text', text: answer }] }],
    });
    expect(completed.response.usage!.total_tokens).toBeGreaterThan(0);

    // Stored like an answer that was not streamed: retrieved as completed.
    const retrieved = await setup!.client.responses.retrieve(created.response.id);
    expect(retrieved.output_text).toBe(answer);
    expect(retrieved.output[0]).toMatchObject({ id: itemId });

    // What the backend was asked: one streamed chat call with the instructions first.
    expect(chatBodies()).toEqual([
      expect.objectContaining({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: QUESTION },
        ],
      }),
    ]);
  });

  it('writes each event as `event: <type>` with its JSON on one data line', async () => {
    const res = await fetch(`${setup!.gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', input: 'hello there', stream: true, store: false }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(res);
    expect(events.length).toBeGreaterThan(8);
    for (const event of events) expect(event.data.type).toBe(event.event);
    // store: false keeps nothing.
    const id = (events[0]!.data.response as { id: string }).id;
    expect((await apiError(setup!.client.responses.retrieve(id))).status).toBe(404);
  });

  it('responses.stream() gives the final response, and a follow-up continues it', async () => {
    const { client } = setup!;
    const deltas: string[] = [];
    const stream = client.responses.stream({ model: 'auto', input: 'My name is Ada.' });
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    // The helper adds no output_text (only create() does): the text is the message's.
    const text = final.output
      .flatMap((item) => (item.type === 'message' ? item.content : []))
      .map((part) => (part.type === 'output_text' ? part.text : ''))
      .join('');
    expect(text).toBe('Echo: My name is Ada.');
    expect(deltas.join('')).toBe(text);

    const second = await client.responses.create({
      model: 'auto',
      input: 'What is my name?',
      previous_response_id: final.id,
    });
    expect(second.output_text).toBe('Echo: What is my name?');
    expect(chatBodies()[1]!.messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: text },
      { role: 'user', content: 'What is my name?' },
    ]);
  });

  it('a backend failure mid-stream ends the stream with response.failed, and nothing is stored', async () => {
    const { client, backend } = setup!;
    // The role chunk and two pieces of text, then the backend's error event.
    backend.script({ path: '/v1/chat/completions', failAfterChunks: 3 });
    const stream = await client.responses.create({ model: 'auto', input: QUESTION, stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.failed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const failed = events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.failed' }>;
    expect(failed.response).toMatchObject({
      id: (events[0] as Extract<ResponseStreamEvent, { type: 'response.created' }>).response.id,
      status: 'failed',
      error: { code: 'server_error' },
    });
    expect(failed.response.error!.message).toMatch(/error while streaming/);
    expect((await apiError(client.responses.retrieve(failed.response.id))).status).toBe(404);
    // A streamed answer is not retried: its first pieces are out already.
    expect(chatBodies()).toHaveLength(1);
  });

  it('a failure before anything streamed is an HTTP error status, not an event stream', async () => {
    const { client, backend } = setup!;
    backend.script({ path: '/v1/chat/completions', status: 400 });
    const err = await apiError(client.responses.create({ model: 'auto', input: 'hi', stream: true }));
    // The backend's 400, as the status line: no event was written.
    expect(err).toMatchObject({ status: 400, type: 'invalid_request_error' });
    const unknown = await apiError(
      client.responses.create({ model: 'no-such-model', input: 'hi', stream: true }),
    );
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('a streaming client that goes away cancels the job', async () => {
    const { client, backend, gw } = setup!;
    backend.script({ path: '/v1/chat/completions', chunkDelayMs: 250 });
    const cancelledJobs = async () =>
      ((await (await fetch(`${gw.url}/v1/jobs?status=cancelled`)).json()) as { data: unknown[] }).data.length;
    const before = await cancelledJobs();
    const abort = new AbortController();
    const stream = await client.responses.create(
      { model: 'auto', input: 'word '.repeat(30).trim(), stream: true },
      { signal: abort.signal },
    );
    const read = async () => {
      for await (const event of stream) if (event.type === 'response.output_text.delta') abort.abort();
    };
    await read().catch(() => undefined);
    expect(abort.signal.aborted).toBe(true);
    expect(await until(cancelledJobs, (n) => n > before)).toBe(before + 1);
  });

  it('background: answers queued at once with its job, then completes; GET reads the job', async () => {
    const { client, backend, gw } = setup!;
    backend.script({ path: '/v1/chat/completions', delayMs: 400 });
    const { data: queued, response } = await client.responses
      .create({ model: 'auto', input: 'in the background', background: true, metadata: { k: 'v' } })
      .withResponse();
    expect(queued).toMatchObject({
      object: 'response',
      status: 'queued',
      background: true,
      output: [],
      metadata: { k: 'v' },
    });
    const jobId = response.headers.get('x-omnigate-job')!;
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(queued.id).toMatch(/^resp_[0-9a-f]{32}$/);
    const running = await client.responses.retrieve(queued.id);
    expect(['queued', 'in_progress']).toContain(running.status);

    const done = await until(
      () => client.responses.retrieve(queued.id),
      (r) => r.status === 'completed',
    );
    expect(done).toMatchObject({ id: queued.id, status: 'completed', background: true, model: `${ID}.chat` });
    expect(done.output_text).toBe('Echo: in the background');
    expect(done.usage!.total_tokens).toBeGreaterThan(0);
    // Settled once: every later read is the same response, item ids included.
    expect(await client.responses.retrieve(queued.id)).toEqual(done);
    const job = (await (await fetch(`${gw.url}/v1/jobs/${jobId}`)).json()) as { status: string };
    expect(job.status).toBe('completed');
    const items = await client.responses.inputItems.list(queued.id);
    expect(items.data).toMatchObject([
      { role: 'user', content: [{ type: 'input_text', text: 'in the background' }] },
    ]);

    // A background response continues like any other.
    const next = await client.responses.create({
      model: 'auto',
      input: 'and then?',
      previous_response_id: done.id,
    });
    expect(next.output_text).toBe('Echo: and then?');
    expect(chatBodies().at(-1)!.messages).toEqual([
      { role: 'user', content: 'in the background' },
      { role: 'assistant', content: 'Echo: in the background' },
      { role: 'user', content: 'and then?' },
    ]);
  });

  it("background: the job's events stream from GET /v1/jobs/:id/events", async () => {
    const { client, backend, gw } = setup!;
    backend.script({ path: '/v1/chat/completions', delayMs: 300 });
    const { response } = await client.responses
      .create({ model: 'auto', input: 'watch me', background: true })
      .withResponse();
    const events = await readEvents(
      await fetch(`${gw.url}/v1/jobs/${response.headers.get('x-omnigate-job')}/events`),
    );
    expect(events.at(-1)!.event).toBe('completed');
  });

  it('background: cancel stops the job; the response and its job read cancelled', async () => {
    const { client, backend, gw } = setup!;
    backend.script({ path: '/v1/chat/completions', hang: true });
    const { data: queued, response } = await client.responses
      .create({ model: 'auto', input: 'never mind', background: true })
      .withResponse();
    // Cancelled while the backend holds the call.
    await until(
      async () => chatBodies().length,
      (n) => n === 1,
    );
    const cancelled = await client.responses.cancel(queued.id);
    expect(cancelled).toMatchObject({ id: queued.id, status: 'cancelled', background: true, output: [] });
    expect((await client.responses.retrieve(queued.id)).status).toBe('cancelled');
    const jobId = response.headers.get('x-omnigate-job');
    const job = (await (await fetch(`${gw.url}/v1/jobs/${jobId}`)).json()) as { status: string };
    expect(job.status).toBe('cancelled');
    // Cancelling again answers it as it is; a cancelled response cannot be continued.
    expect((await client.responses.cancel(queued.id)).status).toBe('cancelled');
    expect(
      await apiError(
        client.responses.create({ model: 'auto', input: 'go on', previous_response_id: queued.id }),
      ),
    ).toMatchObject({ status: 400, param: 'previous_response_id' });
  });

  it('cancel of a response not made in the background is 400; of an unknown one 404', async () => {
    const { client } = setup!;
    const plain = await client.responses.create({ model: 'auto', input: 'quick' });
    expect(await apiError(client.responses.cancel(plain.id))).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
    });
    expect((await client.responses.retrieve(plain.id)).status).toBe('completed');
    expect(
      (
        await apiError(
          client.responses.cancel(`resp_${Date.now().toString(16).padStart(12, '0')}${'0'.repeat(20)}`),
        )
      ).status,
    ).toBe(404);
  });

  it('background needs store; background with stream is refused, naming it', async () => {
    const { client } = setup!;
    expect(
      await apiError(client.responses.create({ model: 'auto', input: 'x', background: true, store: false })),
    ).toMatchObject({ status: 400, param: 'store' });
    expect(
      await apiError(client.responses.create({ model: 'auto', input: 'x', background: true, stream: true })),
    ).toMatchObject({ status: 400, param: 'stream' });
    expect(chatBodies()).toEqual([]);
  });

  it('describes cancel and the event stream in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${setup!.gw.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
    };
    expect(Object.keys(doc.paths['/v1/responses/{id}/cancel'] ?? {})).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/responses']!.post!.responses['200']!.content ?? {})).toEqual([
      'application/json',
      'text/event-stream',
    ]);
  });
});

describe('/v1/responses state in Redis across gateway processes', () => {
  let backend: BackendGateway['backend'] | undefined;
  let dir: string;
  let env: Record<string, string>;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    const { startOpenAiTestServer } = await import('../openai-server/openai-test-server.mjs');
    backend = await startOpenAiTestServer();
    dir = mkdtempSync(join(tmpdir(), 'omnigate-responses-'));
    env = {
      QUEUE_PREFIX: `test-${randomUUID()}`,
      BLOB_DIR: join(dir, 'blobs'),
      OPENAI_BACKENDS: JSON.stringify([{ id: ID, baseUrl: backend.url, apiKey: 'sk-test', models: MODELS }]),
    };
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (extra: Record<string, string> = {}) => {
    const gw = await startGateway({ ...env, ...extra });
    gateways.push(gw);
    return { gw, client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 }) };
  };
  const stop = async (gw: TestGateway) => {
    gateways.splice(gateways.indexOf(gw), 1);
    await gw.close();
  };

  it('continues a stored response after the gateway restarts on the same Redis', async () => {
    const first = await start();
    const stored = await first.client.responses.create({ model: 'auto', input: 'Remember: 42.' });
    await stop(first.gw);

    const second = await start();
    const next = await second.client.responses.create({
      model: 'auto',
      input: 'What did I ask you to remember?',
      previous_response_id: stored.id,
    });
    expect(next.output_text).toBe('Echo: What did I ask you to remember?');
    expect(backend!.lastRequest('/v1/chat/completions')!.body.messages).toEqual([
      { role: 'user', content: 'Remember: 42.' },
      { role: 'assistant', content: 'Echo: Remember: 42.' },
      { role: 'user', content: 'What did I ask you to remember?' },
    ]);
    expect(await second.client.responses.retrieve(stored.id)).toEqual(stored);
    await stop(second.gw);
  });

  it('a background response queued by ROLE=api is run by a ROLE=worker and read as completed from the API', async () => {
    const api = await start({ ROLE: 'api' });
    const queued = await api.client.responses.create({
      model: 'auto',
      input: 'worker, please',
      background: true,
    });
    expect(queued.status).toBe('queued');
    // No worker yet: the job waits, and so does the response.
    await new Promise((r) => setTimeout(r, 300));
    expect((await api.client.responses.retrieve(queued.id)).status).toBe('queued');

    await start({ ROLE: 'worker' });
    const done = await until(
      () => api.client.responses.retrieve(queued.id),
      (r: Response) => r.status === 'completed',
    );
    expect(done.output_text).toBe('Echo: worker, please');
  });
});
