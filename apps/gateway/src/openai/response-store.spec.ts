import { describe, expect, it } from 'vitest';
import { MemoryResponseStore, type StoredResponse } from './response-store';

const stored = (id: string): StoredResponse => ({
  response: { id, object: 'response' },
  inputItems: [],
  conversation: [
    {
      id: 'msg_1',
      type: 'message',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_text', text: id }],
    },
  ],
});

describe('MemoryResponseStore (the in-process driver)', () => {
  it('keeps a response until it is deleted', async () => {
    const store = new MemoryResponseStore(60);
    await store.put(stored('resp_a'));
    expect(await store.get('resp_a')).toEqual(stored('resp_a'));
    expect(await store.delete('resp_a')).toBe(true);
    expect(await store.get('resp_a')).toBeUndefined();
    expect(await store.delete('resp_a')).toBe(false);
  });

  it('forgets a response after its TTL', async () => {
    const store = new MemoryResponseStore(1);
    await store.put(stored('resp_b'));
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await store.get('resp_b')).toBeUndefined();
  });

  it('keeps at most 10,000, the least recently used going first', async () => {
    const store = new MemoryResponseStore(60);
    for (let i = 0; i <= 10_000; i++) await store.put(stored(`resp_${i}`));
    expect(await store.get('resp_0')).toBeUndefined();
    expect(await store.get('resp_10000')).toBeDefined();
  });
});

describe('MemoryResponseStore.settle (background responses)', () => {
  const pending = (id: string): StoredResponse => ({
    ...stored(id),
    response: { id, object: 'response', status: 'queued' },
    background: { jobId: 'job-1', pending: { body: { model: 'auto' }, history: [], input: [] } },
  });
  const settled = (id: string, text: string): StoredResponse => ({
    ...stored(id),
    response: { id, object: 'response', status: 'completed', text },
    background: { jobId: 'job-1' },
  });

  it('replaces a pending response once; a later settle gets the first one back', async () => {
    const store = new MemoryResponseStore(60);
    await store.put(pending('resp_c'));
    expect(await store.settle(settled('resp_c', 'first'))).toEqual(settled('resp_c', 'first'));
    expect(await store.settle(settled('resp_c', 'second'))).toEqual(settled('resp_c', 'first'));
    expect(await store.get('resp_c')).toEqual(settled('resp_c', 'first'));
  });

  it('does not bring back a response deleted meanwhile', async () => {
    const store = new MemoryResponseStore(60);
    await store.put(pending('resp_d'));
    await store.delete('resp_d');
    expect(await store.settle(settled('resp_d', 'late'))).toBeUndefined();
    expect(await store.get('resp_d')).toBeUndefined();
  });
});
