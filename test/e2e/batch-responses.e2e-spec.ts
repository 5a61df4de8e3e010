// Issue 16, item 5: a batch of /v1/responses lines (official `openai` client), mapped by the
// endpoint's own code; stored lines are responses GET /v1/responses/:id finds afterwards, and a
// line may continue a stored response (previous_response_id), on BullMQ and in-process alike.
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBackendGateway, type BackendGateway } from '../gateway-harness';

type ResultLine = {
  id: string;
  custom_id: string | null;
  response: { status_code: number; request_id: string | null; body: Record<string, unknown> } | null;
  error: { code: string; message: string; line: number } | null;
};

async function download(client: OpenAI, id: string | null | undefined): Promise<ResultLine[]> {
  if (!id) return [];
  const text = await (await client.files.content(id)).text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ResultLine);
}

/** Runs `lines` as a batch of `endpoint` to its end; its output and error lines by custom_id. */
async function runBatch(
  client: OpenAI,
  lines: unknown[],
  endpoint = '/v1/responses',
): Promise<{ batch: OpenAI.Batches.Batch; byId: Map<string | null, ResultLine> }> {
  const file = await client.files.create({
    file: await toFile(Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')), 'input.jsonl'),
    purpose: 'batch',
  });
  const created = await client.batches.create({
    input_file_id: file.id,
    endpoint: endpoint as '/v1/responses',
    completion_window: '24h',
  });
  expect(created.endpoint).toBe(endpoint);
  const deadline = Date.now() + 40_000;
  let batch = created;
  while (!['completed', 'failed', 'cancelled', 'expired'].includes(batch.status)) {
    if (Date.now() > deadline) throw new Error(`batch ${batch.id} stuck in ${batch.status}`);
    await new Promise((r) => setTimeout(r, 100));
    batch = await client.batches.retrieve(batch.id);
  }
  const results = [
    ...(await download(client, batch.output_file_id)),
    ...(await download(client, batch.error_file_id)),
  ];
  return { batch, byId: new Map(results.map((r) => [r.custom_id, r])) };
}

const responseLine = (custom_id: string, body: Record<string, unknown>) => ({
  custom_id,
  method: 'POST',
  url: '/v1/responses',
  body: { model: 'gpt-4o-mini', ...body },
});

describe.each([
  ['BullMQ', 'bullmq'],
  ['the in-process queue', 'inline'],
])('a batch of /v1/responses lines (%s)', (_name, driver) => {
  let setup: BackendGateway | undefined;

  beforeAll(async () => {
    setup = await startBackendGateway('br', { chat: 'gpt-4o-mini' }, { QUEUE_DRIVER: driver });
  });
  afterAll(() => setup?.close());
  beforeEach(() => setup!.backend.reset());

  const chatBodies = () =>
    setup!.backend.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body);

  it('answers each line with the response object, stores it, and continues stored responses', async () => {
    const { client } = setup!;
    const earlier = await client.responses.create({ model: 'gpt-4o-mini', input: 'My name is Ada.' });
    setup!.backend.reset();

    const { batch, byId } = await runBatch(client, [
      responseLine('plain', { input: 'Say hello', instructions: 'Be brief.', metadata: { n: '1' } }),
      responseLine('follow-up', {
        input: [{ role: 'user', content: 'What is my name?' }],
        previous_response_id: earlier.id,
      }),
      responseLine('unstored', { input: 'forget me', store: false }),
      responseLine('unknown-previous', {
        input: 'hi',
        previous_response_id: `resp_${Date.now().toString(16).padStart(12, '0')}${'0'.repeat(20)}`,
      }),
      responseLine('conversation', { input: 'hi', conversation: `conv_${'0'.repeat(32)}` }),
      responseLine('bad-item', { input: [{ type: 'function_call_output', call_id: 'c', output: '1' }] }),
      responseLine('stream', { input: 'hi', stream: true }),
    ]);
    expect(batch).toMatchObject({
      status: 'completed',
      endpoint: '/v1/responses',
      request_counts: { total: 7, completed: 3, failed: 4 },
    });

    const body = (id: string) => {
      const line = byId.get(id)!;
      expect(line.error, id).toBeNull();
      expect(line.response!.status_code).toBe(200);
      return line.response!.body as unknown as OpenAI.Responses.Response;
    };
    const plain = body('plain');
    expect(plain).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'br.chat',
      instructions: 'Be brief.',
      metadata: { n: '1' },
      output: [
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Echo: Say hello' }] },
      ],
    });
    expect(plain.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(plain.id).toMatch(/^resp_[0-9a-f]{32}$/);
    const followUp = body('follow-up');
    expect(followUp.previous_response_id).toBe(earlier.id);

    // The follow-up line reached the backend with the stored turn before its input.
    const sent = chatBodies().find((b) =>
      (b.messages as { content: unknown }[]).some((m) => m.content === 'What is my name?'),
    );
    expect(sent!.messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Echo: My name is Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);

    // Stored lines are responses like any other: retrieved, listed, continued.
    // The client adds output_text to what it retrieves.
    expect(await client.responses.retrieve(plain.id)).toEqual({ ...plain, output_text: 'Echo: Say hello' });
    expect((await client.responses.inputItems.list(followUp.id)).data).toHaveLength(1);
    const unstored = body('unstored');
    await expect(client.responses.retrieve(unstored.id)).rejects.toMatchObject({ status: 404 });
    setup!.backend.reset();
    await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'And you?',
      previous_response_id: plain.id,
    });
    expect(chatBodies()[0]!.messages).toEqual([
      { role: 'user', content: 'Say hello' },
      { role: 'assistant', content: 'Echo: Say hello' },
      { role: 'user', content: 'And you?' },
    ]);

    // Each refused line alone, in OpenAI's error line, and no job queued for it.
    expect(byId.get('unknown-previous')).toMatchObject({
      response: null,
      error: { code: 'not_found', line: 4 },
    });
    expect(byId.get('unknown-previous')!.error!.message).toContain('not found');
    expect(byId.get('conversation')!.error).toMatchObject({ code: 'invalid_request', line: 5 });
    expect(byId.get('conversation')!.error!.message).toContain('cannot continue a conversation');
    expect(byId.get('bad-item')!.error).toMatchObject({ code: 'unsupported_item_type', line: 6 });
    expect(byId.get('bad-item')!.error!.message).toContain("'function_call_output'");
    expect(byId.get('stream')!.error!.message).toContain('cannot stream');
  });

  it('takes /v1/responses lines in a /v1/infer batch, and refuses them in a batch of another endpoint', async () => {
    const { client } = setup!;
    const line = responseLine('r', { input: 'mixed in' });
    const mixed = await runBatch(client, [line], '/v1/infer');
    expect(mixed.byId.get('r')!.response!.body).toMatchObject({ object: 'response', status: 'completed' });
    const other = await runBatch(client, [line], '/v1/chat/completions');
    expect(other.byId.get('r')!.error!.message).toContain('takes lines for /v1/chat/completions only');
  });
});
