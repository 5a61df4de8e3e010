import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CONVERSATION_LIMITS,
  MemoryConversationStore,
  RedisConversationStore,
  type ConversationItem,
  type ConversationObject,
  type ConversationStore,
} from './conversation-store';

const conversation = (): ConversationObject => ({
  id: `conv_${randomUUID().replaceAll('-', '')}`,
  object: 'conversation',
  created_at: 1_700_000_000,
  metadata: {},
});

const item = (id: string, text = id): ConversationItem & { text: string } => ({ id, type: 'message', text });
const ids = (items: ConversationItem[] | undefined) => items?.map((i) => i.id);

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.quit());

const drivers: [string, () => ConversationStore][] = [
  ['RedisConversationStore', () => new RedisConversationStore(redis, `test-${randomUUID()}`, 60)],
  ['MemoryConversationStore', () => new MemoryConversationStore(60)],
];

describe.each(drivers)('%s', (_name, make) => {
  it('keeps items in the order they came, pages them both ways and deletes one', async () => {
    const store = make();
    const conv = conversation();
    expect(await store.create(conv, [item('a'), item('b')])).toBe('ok');
    expect(await store.append(conv.id, [item('c'), item('d'), item('e')])).toBe('ok');
    expect(ids(await store.items(conv.id))).toEqual(['a', 'b', 'c', 'd', 'e']);
    const page = (order: 'asc' | 'desc', after?: string) =>
      store.page(conv.id, { order, limit: 2, after }).then((p) => p && { ids: ids(p.data), more: p.hasMore });
    expect(await page('asc')).toEqual({ ids: ['a', 'b'], more: true });
    expect(await page('asc', 'b')).toEqual({ ids: ['c', 'd'], more: true });
    expect(await page('asc', 'd')).toEqual({ ids: ['e'], more: false });
    expect(await page('desc')).toEqual({ ids: ['e', 'd'], more: true });
    expect(await page('desc', 'b')).toEqual({ ids: ['a'], more: false });
    expect(await page('desc', 'nope')).toEqual({ ids: [], more: false });

    expect(await store.item(conv.id, 'c')).toEqual(item('c'));
    expect(await store.deleteItem(conv.id, 'c')).toBe('ok');
    expect(await store.deleteItem(conv.id, 'c')).toBe('no_item');
    expect(await store.item(conv.id, 'c')).toBeUndefined();
    expect(ids(await store.items(conv.id))).toEqual(['a', 'b', 'd', 'e']);
    // A new item goes after the last, whatever was deleted.
    expect(await store.append(conv.id, [item('f')])).toBe('ok');
    expect(ids((await store.page(conv.id, { order: 'desc', limit: 1 }))?.data)).toEqual(['f']);
  });

  it('updates metadata, deletes, and knows nothing of unknown conversations', async () => {
    const store = make();
    const conv = conversation();
    expect(await store.create(conv, [])).toBe('ok');
    expect(await store.items(conv.id)).toEqual([]);
    expect(await store.update(conv.id, { a: 'b' })).toEqual({ ...conv, metadata: { a: 'b' } });
    expect(await store.get(conv.id)).toEqual({ ...conv, metadata: { a: 'b' } });
    expect(await store.delete(conv.id)).toBe(true);
    expect(await store.delete(conv.id)).toBe(false);
    for (const read of [
      store.get(conv.id),
      store.update(conv.id, {}),
      store.items(conv.id),
      store.page(conv.id, { order: 'asc', limit: 10 }),
      store.item(conv.id, 'a'),
    ]) {
      expect(await read).toBeUndefined();
    }
    expect(await store.append(conv.id, [item('a')])).toBe('not_found');
    expect(await store.deleteItem(conv.id, 'a')).toBe('not_found');
  });

  it('takes all of a call or nothing: ids once, at most 1,000 items, bounded bytes', async () => {
    const store = make();
    const conv = conversation();
    expect(await store.create(conv, [item('a'), item('a')])).toEqual({ duplicate: 'a' });
    expect(await store.get(conv.id)).toBeUndefined();
    expect(await store.create(conv, [item('a')])).toBe('ok');
    expect(await store.append(conv.id, [item('b'), item('a')])).toEqual({ duplicate: 'a' });
    expect(ids(await store.items(conv.id))).toEqual(['a']);

    const many = Array.from({ length: CONVERSATION_LIMITS.items }, (_, i) => item(`m${i}`));
    expect(await store.append(conv.id, many)).toBe('too_many_items');
    expect(await store.append(conv.id, many.slice(1))).toBe('ok');
    expect(await store.append(conv.id, [item('z')])).toBe('too_many_items');
    expect(await store.deleteItem(conv.id, 'm5')).toBe('ok');
    expect(await store.append(conv.id, [item('z')])).toBe('ok');

    const big = 'x'.repeat(CONVERSATION_LIMITS.itemBytes - 100);
    const roomy = conversation();
    expect(await store.create(roomy, [item('big', `${big}xxxxxxxxxx`.repeat(2))])).toEqual({
      itemTooLarge: 0,
    });
    expect(await store.create(roomy, [])).toBe('ok');
    const fits = CONVERSATION_LIMITS.bytes / CONVERSATION_LIMITS.itemBytes;
    for (let i = 0; i < fits; i++) expect(await store.append(roomy.id, [item(`b${i}`, big)])).toBe('ok');
    expect(await store.append(roomy.id, [item('over', big)])).toBe('too_large');
    // Deleting an item gives its bytes back.
    expect(await store.deleteItem(roomy.id, 'b0')).toBe('ok');
    expect(await store.append(roomy.id, [item('over', big)])).toBe('ok');
  });
});

describe('RedisConversationStore keys', () => {
  it('keeps a conversation in three keys under the prefix, each with the TTL from its last change', async () => {
    const prefix = `test-${randomUUID()}`;
    const store = new RedisConversationStore(redis, prefix, 120);
    const conv = conversation();
    await store.create(conv, [item('a')]);
    const keys = (await redis.keys(`${prefix}:*`)).sort();
    const base = `${prefix}:conversation:{${conv.id}}`;
    expect(keys).toEqual([base, `${base}:items`, `${base}:order`]);
    for (const key of keys) await redis.expire(key, 5);
    await store.update(conv.id, { touched: 'yes' });
    for (const key of keys) expect(await redis.ttl(key)).toBeGreaterThan(100);
  });
});

describe('MemoryConversationStore expiry', () => {
  it('forgets a conversation after its TTL', async () => {
    const store = new MemoryConversationStore(1);
    const conv = conversation();
    await store.create(conv, [item('a')]);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await store.get(conv.id)).toBeUndefined();
  });
});
