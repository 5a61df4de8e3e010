import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { apiError } from '../openai-errors';
import { startBackendGateway, type BackendGateway } from '../gateway-harness';

const ID = 'rs';

describe('POST /v1/responses (official openai client, Redis store)', () => {
  let setup: BackendGateway | undefined;

  beforeAll(async () => {
    setup = await startBackendGateway(ID, { chat: 'gpt-4o-mini', vision: 'gpt-4o' });
  });
  afterAll(async () => {
    await setup?.close();
  });
  beforeEach(() => setup!.backend.reset());

  const chatBodies = () =>
    setup!.backend.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body);

  it('answers a string input as a response with one output_text message and usage', async () => {
    const { client } = setup!;
    const { data, response } = await client.responses
      .create({
        model: 'gpt-4o-mini',
        input: 'Say hello',
        instructions: 'Be brief.',
        temperature: 0.3,
        max_output_tokens: 40,
      })
      .withResponse();
    expect(data).toMatchObject({
      object: 'response',
      status: 'completed',
      model: `${ID}.chat`,
      instructions: 'Be brief.',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', annotations: [] }] }],
    });
    expect(data.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(data.output_text).toBe('Echo: Say hello');
    expect(data.usage!.total_tokens).toBe(data.usage!.input_tokens + data.usage!.output_tokens);
    expect(data.usage!.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-omnigate-route')).toBe(`text->text ${ID}.chat`);
    expect(chatBodies()).toEqual([
      expect.objectContaining({
        model: 'gpt-4o-mini',
        temperature: 0.3,
        max_completion_tokens: 40,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Say hello' },
        ],
      }),
    ]);
  });

  it('sends items with an input_image to the vision model as a data URL', async () => {
    const { client } = setup!;
    const url = `data:image/png;base64,${fixture('image/fixture.png').toString('base64')}`;
    const data = await client.responses.create({
      model: 'gpt-4o',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in this picture?' },
            { type: 'input_image', image_url: url, detail: 'low' },
          ],
        },
      ],
    });
    expect(data.model).toBe(`${ID}.vision`);
    expect(data.output_text).toBe('Echo: What is in this picture? [1 image]');
    const [sent] = chatBodies();
    expect(sent).toMatchObject({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url, detail: 'low' } },
          ],
        },
      ],
    });
    const items = await client.responses.inputItems.list(data.id, { order: 'asc' });
    expect(items.data).toMatchObject([
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is in this picture?' },
          // Kept by reference: the image is a blob now, its bytes are not stored twice.
          {
            type: 'input_image',
            file_id: expect.stringMatching(/^[0-9a-f]{64}$/),
            image_url: null,
            detail: 'low',
          },
        ],
      },
    ]);
  });

  it('continues a conversation with previous_response_id: the backend gets both turns', async () => {
    const { client } = setup!;
    const first = await client.responses.create({
      model: 'auto',
      input: 'My name is Ada.',
      instructions: 'Answer in English.',
    });
    const second = await client.responses.create({
      model: 'auto',
      input: [{ role: 'user', content: 'What is my name?' }],
      previous_response_id: first.id,
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output_text).toBe('Echo: What is my name?');
    const [, turnTwo] = chatBodies();
    // Instructions are not carried over (as OpenAI's): the earlier turns are.
    expect(turnTwo!.messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: first.output_text },
      { role: 'user', content: 'What is my name?' },
    ]);

    // A third turn on the second sees all three earlier messages.
    await client.responses.create({ model: 'auto', input: 'Thanks', previous_response_id: second.id });
    expect(chatBodies()[2]!.messages).toHaveLength(5);
  });

  it('retrieves, lists input items of, and deletes a stored response; store: false keeps nothing', async () => {
    const { client } = setup!;
    const created = await client.responses.create({
      model: 'auto',
      input: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'two' },
        { role: 'user', content: [{ type: 'input_text', text: 'three' }] },
      ],
      metadata: { topic: 'counting' },
    });
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved).toEqual(created);
    expect(retrieved.metadata).toEqual({ topic: 'counting' });

    const newestFirst = await client.responses.inputItems.list(created.id);
    const texts = (page: typeof newestFirst) =>
      page.data.map((item) =>
        item.type === 'message' ? item.content.map((c) => ('text' in c ? c.text : '')).join('') : '',
      );
    expect(texts(newestFirst)).toEqual(['three', 'two', 'one']);
    expect(newestFirst.data[1]).toMatchObject({
      role: 'assistant',
      content: [{ type: 'output_text', text: 'two' }],
    });
    const firstPage = await client.responses.inputItems.list(created.id, { order: 'asc', limit: 2 });
    expect(texts(firstPage)).toEqual(['one', 'two']);
    expect(firstPage.hasNextPage()).toBe(true);
    expect(texts(await firstPage.getNextPage())).toEqual(['three']);

    await client.responses.delete(created.id);
    expect((await apiError(client.responses.retrieve(created.id))).status).toBe(404);
    expect((await apiError(client.responses.delete(created.id))).status).toBe(404);
    expect(
      await apiError(
        client.responses.create({ model: 'auto', input: 'again', previous_response_id: created.id }),
      ),
    ).toMatchObject({ status: 404, type: 'invalid_request_error', param: 'previous_response_id' });

    const unstored = await client.responses.create({ model: 'auto', input: 'forget me', store: false });
    expect((await apiError(client.responses.retrieve(unstored.id))).status).toBe(404);
  });

  it('answers 404 in OpenAI’s shape for an unknown id, without calling the backend', async () => {
    const { client } = setup!;
    // A well-formed id made now: unknown, not expired.
    const unknown = `resp_${Date.now().toString(16).padStart(12, '0')}${'0'.repeat(20)}`;
    const err = await apiError(
      client.responses.create({ model: 'auto', input: 'hi', previous_response_id: unknown }),
    );
    expect(err).toMatchObject({
      status: 404,
      type: 'invalid_request_error',
      code: 'not_found',
      param: 'previous_response_id',
    });
    expect(err.message).toContain(unknown);
    expect(await apiError(client.responses.retrieve(unknown))).toMatchObject({
      status: 404,
      type: 'invalid_request_error',
    });
    expect((await apiError(client.responses.inputItems.list('resp_not-an-id'))).status).toBe(404);
    expect(chatBodies()).toEqual([]);
  });

  it('says an id older than RESPONSES_TTL_S expired (404 response_expired), and a gone file_id is 404', async () => {
    const { client } = setup!;
    const made = Date.now() - 31 * 24 * 3600_000;
    const old = `resp_${made.toString(16).padStart(12, '0')}${'ab'.repeat(10)}`;
    const err = await apiError(
      client.responses.create({ model: 'auto', input: 'hi', previous_response_id: old }),
    );
    expect(err).toMatchObject({ status: 404, code: 'response_expired', param: 'previous_response_id' });
    expect(err.message).toContain('expired');
    expect(await apiError(client.responses.retrieve(old))).toMatchObject({
      status: 404,
      code: 'response_expired',
    });
    const missing = await apiError(
      client.responses.create({
        model: 'auto',
        input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f'.repeat(64) }] }],
      }),
    );
    expect(missing.status).toBe(404);
    expect(chatBodies()).toEqual([]);
  });

  it('refuses unsupported item and part types with 400 naming the type', async () => {
    const { client } = setup!;
    const part = await apiError(
      client.responses.create({
        model: 'auto',
        input: [{ role: 'user', content: [{ type: 'refusal', refusal: 'no' } as never] }],
      }),
    );
    expect(part).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      param: 'input[0].content[0].type',
    });
    expect(part.message).toContain("'refusal'");
    const item = await apiError(
      client.responses.create({
        model: 'auto',
        input: [{ type: 'function_call_output', call_id: 'call_1', output: '42' }],
      }),
    );
    expect(item).toMatchObject({ status: 400, param: 'input[0].type' });
    expect(item.message).toContain("'function_call_output'");
    expect(chatBodies()).toEqual([]);
  });

  it('describes the routes in the OpenAPI document, with the request schema', async () => {
    const doc = (await (await fetch(`${setup!.gw.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths['/v1/responses'] ?? {})).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/responses/{id}'] ?? {}).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(doc.paths['/v1/responses/{id}/input_items'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.components.schemas.OpenAiResponseCreateRequest?.properties ?? {})).toEqual(
      expect.arrayContaining(['model', 'input', 'instructions', 'previous_response_id', 'store']),
    );
  });
});
