// Issue 16, item 1: OpenAI's Conversations API, and `conversation` on POST /v1/responses, with
// the official `openai` client against a gateway on Redis and the local OpenAI test server.
import type { ConversationItem } from 'openai/resources/conversations/items';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiError } from '../openai-errors';
import { startBackendGateway, type BackendGateway } from '../gateway-harness';

const ID = 'cv';

/** A message item's text, its parts joined. */
const textOf = (item: ConversationItem): string =>
  item.type === 'message' ? item.content.map((c) => ('text' in c ? c.text : '')).join('') : `<${item.type}>`;

describe('/v1/conversations (official openai client, Redis store)', () => {
  let setup: BackendGateway | undefined;

  beforeAll(async () => {
    setup = await startBackendGateway(ID, { chat: 'gpt-4o-mini' });
  });
  afterAll(async () => {
    await setup?.close();
  });
  beforeEach(() => setup!.backend.reset());

  const chatBodies = () =>
    setup!.backend.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body);

  it('creates a conversation with items and metadata, retrieves, updates and deletes it', async () => {
    const { client } = setup!;
    const created = await client.conversations.create({
      items: [
        { type: 'message', role: 'system', content: 'You count.' },
        { role: 'user', content: [{ type: 'input_text', text: 'one' }] },
      ],
      metadata: { topic: 'counting' },
    });
    expect(created).toMatchObject({ object: 'conversation', metadata: { topic: 'counting' } });
    expect(created.id).toMatch(/^conv_[0-9a-f]{32}$/);
    expect(Math.abs(created.created_at - Date.now() / 1000)).toBeLessThan(60);
    expect(await client.conversations.retrieve(created.id)).toEqual(created);

    const updated = await client.conversations.update(created.id, { metadata: { topic: 'sums' } });
    expect(updated).toEqual({ ...created, metadata: { topic: 'sums' } });
    expect((await client.conversations.retrieve(created.id)).metadata).toEqual({ topic: 'sums' });

    const items = await client.conversations.items.list(created.id, { order: 'asc' });
    expect(items.data.map(textOf)).toEqual(['You count.', 'one']);
    expect(items.data[1]).toMatchObject({
      type: 'message',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_text', text: 'one' }],
    });

    expect(await client.conversations.delete(created.id)).toEqual({
      id: created.id,
      object: 'conversation.deleted',
      deleted: true,
    });
    expect((await apiError(client.conversations.retrieve(created.id))).status).toBe(404);
    expect((await apiError(client.conversations.items.list(created.id))).status).toBe(404);
    expect((await apiError(client.conversations.delete(created.id))).status).toBe(404);
  });

  it('answers a response in a conversation with the conversation as history, and adds the turn to it', async () => {
    const { client } = setup!;
    const conversation = await client.conversations.create({
      items: [{ role: 'user', content: 'My name is Ada.' }],
    });
    const first = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'What is my name?',
      conversation: conversation.id,
      instructions: 'Be brief.',
    });
    expect(first.conversation).toEqual({ id: conversation.id });
    expect(first.output_text).toBe('Echo: What is my name?');
    const second = await client.responses.create({
      model: 'gpt-4o-mini',
      input: [{ role: 'user', content: 'And again?' }],
      conversation: { id: conversation.id },
    });
    expect(second.output_text).toBe('Echo: And again?');

    const [turnOne, turnTwo] = chatBodies();
    expect(turnOne!.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'My name is Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);
    // Turn 1 (its input and its answer) reached the backend as history; its instructions did not.
    expect(turnTwo!.messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'user', content: 'What is my name?' },
      { role: 'assistant', content: 'Echo: What is my name?' },
      { role: 'user', content: 'And again?' },
    ]);

    const items = await client.conversations.items.list(conversation.id, { order: 'asc' });
    expect(items.data.map(textOf)).toEqual([
      'My name is Ada.',
      'What is my name?',
      'Echo: What is my name?',
      'And again?',
      'Echo: And again?',
    ]);
    // The output items are the response's own, with their ids.
    expect(items.data[2]).toEqual(first.output[0]);
    expect(items.data[4]!.id).toBe(second.output[0]!.id);
  });

  it('lists items in both orders, a page at a time, and retrieves and deletes one', async () => {
    const { client } = setup!;
    const texts = Array.from({ length: 7 }, (_, i) => `item ${i}`);
    const conversation = await client.conversations.create({
      items: texts.slice(0, 3).map((text) => ({ role: 'user' as const, content: text })),
    });
    const added = await client.conversations.items.create(conversation.id, {
      items: texts.slice(3).map((text) => ({ role: 'assistant' as const, content: text })),
    });
    expect(added.object).toBe('list');
    expect(added.data.map(textOf)).toEqual(texts.slice(3));
    expect(added.data[0]).toMatchObject({ role: 'assistant', content: [{ type: 'output_text' }] });
    expect(added.first_id).toBe(added.data[0]!.id);
    expect(added.last_id).toBe(added.data[3]!.id);

    const newest = await client.conversations.items.list(conversation.id, { limit: 3 });
    expect(newest.data.map(textOf)).toEqual(['item 6', 'item 5', 'item 4']);
    expect(newest.hasNextPage()).toBe(true);
    const all: string[] = [];
    for await (const item of client.conversations.items.list(conversation.id, { limit: 2 })) {
      all.push(textOf(item));
    }
    expect(all).toEqual([...texts].reverse());
    const oldest: string[] = [];
    for await (const item of client.conversations.items.list(conversation.id, { order: 'asc', limit: 3 })) {
      oldest.push(textOf(item));
    }
    expect(oldest).toEqual(texts);
    const lastPage = await client.conversations.items.list(conversation.id, {
      order: 'asc',
      after: newest.data[1]!.id,
    });
    expect(lastPage.data.map(textOf)).toEqual(['item 6']);
    expect(lastPage.has_more).toBe(false);

    const target = newest.data[1]!;
    const targetId = target.id!;
    expect(await client.conversations.items.retrieve(targetId, { conversation_id: conversation.id })).toEqual(
      target,
    );
    const after = await client.conversations.items.delete(targetId, { conversation_id: conversation.id });
    expect(after).toEqual(conversation);
    const left = await client.conversations.items.list(conversation.id, { order: 'asc', limit: 100 });
    expect(left.data.map(textOf)).toEqual(texts.filter((t) => t !== 'item 5'));
    expect(
      await apiError(client.conversations.items.retrieve(targetId, { conversation_id: conversation.id })),
    ).toMatchObject({ status: 404, type: 'invalid_request_error', param: 'item_id' });
    expect(
      (await apiError(client.conversations.items.delete(targetId, { conversation_id: conversation.id })))
        .status,
    ).toBe(404);
  });

  it('answers 404 in OpenAI’s shape for unknown conversations, without calling the backend', async () => {
    const { client } = setup!;
    const unknown = `conv_${'0'.repeat(32)}`;
    const err = await apiError(client.conversations.retrieve(unknown));
    expect(err).toMatchObject({ status: 404, type: 'invalid_request_error', code: 'not_found' });
    expect(err.message).toContain(unknown);
    expect((await apiError(client.conversations.retrieve('conv_not-an-id'))).message).not.toContain(
      'not-an-id',
    );
    expect((await apiError(client.conversations.update(unknown, { metadata: {} }))).status).toBe(404);
    expect(
      (
        await apiError(
          client.conversations.items.create(unknown, { items: [{ role: 'user', content: 'x' }] }),
        )
      ).status,
    ).toBe(404);
    expect(
      (await apiError(client.conversations.items.retrieve('msg_1', { conversation_id: unknown }))).status,
    ).toBe(404);
    expect(
      await apiError(client.responses.create({ model: 'auto', input: 'hi', conversation: unknown })),
    ).toMatchObject({ status: 404, param: 'conversation' });
    expect(chatBodies()).toEqual([]);
  });

  it('refuses unsupported item types, conversation with previous_response_id and over-full conversations with 400', async () => {
    const { client } = setup!;
    const item = await apiError(
      client.conversations.create({
        items: [{ type: 'function_call_output', call_id: 'call_1', output: '42' }],
      }),
    );
    expect(item).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'items[0].type' });
    expect(item.message).toContain("'function_call_output'");
    const conversation = await client.conversations.create();
    expect(conversation.metadata).toEqual({});
    const part = await apiError(
      client.conversations.items.create(conversation.id, {
        items: [{ role: 'user', content: [{ type: 'refusal', refusal: 'no' } as never] }],
      }),
    );
    expect(part).toMatchObject({ status: 400, param: 'items[0].content[0].type' });
    expect(part.message).toContain("'refusal'");

    const both = await apiError(
      client.responses.create({
        model: 'auto',
        input: 'hi',
        conversation: conversation.id,
        previous_response_id: `resp_${'0'.repeat(32)}`,
      }),
    );
    expect(both).toMatchObject({ status: 400, param: 'conversation' });

    const many = Array.from({ length: 21 }, (_, i) => ({ role: 'user' as const, content: `${i}` }));
    expect((await apiError(client.conversations.items.create(conversation.id, { items: many }))).status).toBe(
      400,
    );
    // 1,000 items at most: 50 calls of 20 fill it, the next item is refused.
    for (let i = 0; i < 50; i++) {
      await client.conversations.items.create(conversation.id, { items: many.slice(0, 20) });
    }
    const full = await apiError(
      client.conversations.items.create(conversation.id, { items: [{ role: 'user', content: 'one more' }] }),
    );
    expect(full).toMatchObject({ status: 400, code: 'too_many_items', param: 'items' });
    // 999 items leave no room for a turn (its input and its answer): refused before the backend is asked.
    const [first] = (await client.conversations.items.list(conversation.id, { order: 'asc', limit: 1 })).data;
    await client.conversations.items.delete(first!.id!, { conversation_id: conversation.id });
    expect(
      await apiError(client.responses.create({ model: 'auto', input: 'hi', conversation: conversation.id })),
    ).toMatchObject({ status: 400, code: 'too_many_items', param: 'conversation' });

    // An item id is one item of a conversation.
    const other = await client.conversations.create();
    const withId = (content: string) => ({ type: 'message', id: 'msg_same', role: 'user', content }) as never;
    await client.conversations.items.create(other.id, { items: [withId('a')] });
    const duplicate = await apiError(client.conversations.items.create(other.id, { items: [withId('b')] }));
    expect(duplicate).toMatchObject({ status: 400, code: 'duplicate_item_id' });
    expect(
      await apiError(
        client.responses.create({ model: 'auto', input: [withId('c')], conversation: other.id }),
      ),
    ).toMatchObject({ status: 400, code: 'duplicate_item_id', param: 'input[0].id' });
    expect((await client.conversations.items.list(other.id)).data.map(textOf)).toEqual(['a']);
    expect(chatBodies()).toEqual([]);
  });

  it('refuses an item over its byte bound with 400', async () => {
    const { client } = setup!;
    const conversation = await client.conversations.create();
    const big = 'x'.repeat(4 * 1024 * 1024 + 1);
    const err = await apiError(
      client.conversations.items.create(conversation.id, { items: [{ role: 'user', content: big }] }),
    );
    expect(err).toMatchObject({ status: 400, code: 'item_too_large', param: 'items[0]' });
    expect((await client.conversations.items.list(conversation.id)).data).toEqual([]);
  });

  it('describes the routes in the OpenAPI document, with the request schemas', async () => {
    const doc = (await (await fetch(`${setup!.gw.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
    expect(methods('/v1/conversations')).toEqual(['post']);
    expect(methods('/v1/conversations/{id}')).toEqual(['delete', 'get', 'post']);
    expect(methods('/v1/conversations/{id}/items')).toEqual(['get', 'post']);
    expect(methods('/v1/conversations/{id}/items/{item_id}')).toEqual(['delete', 'get']);
    const { schemas } = doc.components;
    expect(Object.keys(schemas.OpenAiConversationCreateRequest?.properties ?? {})).toEqual([
      'items',
      'metadata',
    ]);
    expect(Object.keys(schemas.OpenAiConversationItemsCreateRequest?.properties ?? {})).toEqual(['items']);
    expect(Object.keys(schemas.OpenAiResponseCreateRequest?.properties ?? {})).toContain('conversation');
  });
});
