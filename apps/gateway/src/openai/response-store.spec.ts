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
  jobId: 'job',
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
