import type { Adapter } from '@omnigate/adapters';
import { describe, expect, it } from 'vitest';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { loadConfig } from '../config/app-config';
import { DirectLane, type Admit, type Release, type Slot } from './direct-lane';

const adapter = (id: string, extra: Partial<Adapter['descriptor']> = {}): Adapter => ({
  descriptor: {
    id,
    version: '1.0.0',
    capabilities: [{ task: 't', inputs: ['text'], output: 'text' }],
    ...extra,
  },
  invoke: async () => ({ outputs: [] }),
});

const registry = new AdapterRegistry([
  adapter('two', { concurrency: 2 }),
  adapter('many', { concurrency: 100 }),
  adapter('limited', { concurrency: 4, rateLimit: { max: 1, durationMs: 1000 } }),
]);
const lane = (env: Record<string, string> = {}, admit?: Admit) =>
  new DirectLane(loadConfig(env), registry, admit);

/** A slot that must have been given at once (an adapter without a rate limit). */
const now = (slot: Slot): Release | undefined => {
  if (slot instanceof Promise) throw new Error('expected a slot at once');
  return slot;
};

/** A shared count of `max` starts, as the queue's limiter would keep it. */
const counter = (max: number) => {
  const seen: string[] = [];
  const admit: Admit = async (adapterId, limit) => {
    seen.push(`${adapterId}:${limit.max}/${limit.durationMs}`);
    return seen.length <= max;
  };
  return { admit, seen };
};

describe('DirectLane', () => {
  it('gives an adapter as many slots as its concurrency, and a released slot back', () => {
    const slots = lane();
    const first = now(slots.acquire('two'));
    expect(first).toBeDefined();
    expect(slots.acquire('two')).toBeDefined();
    expect(slots.acquire('two')).toBeUndefined();
    first?.();
    first?.(); // released once only
    expect(slots.acquire('two')).toBeDefined();
    expect(slots.acquire('two')).toBeUndefined();
  });

  it('runs at most DIRECT_MAX_HOPS hops at once, all adapters together', () => {
    const slots = lane({ DIRECT_MAX_HOPS: '3' });
    expect([slots.acquire('many'), slots.acquire('many'), slots.acquire('two')].every(Boolean)).toBe(true);
    expect(slots.acquire('many')).toBeUndefined();
  });

  it.each([
    ['DISPATCH=queue', { DISPATCH: 'queue' }, 'many'],
    ['ROLE=api', { ROLE: 'api' }, 'many'],
    ['an adapter outside WORKER_ADAPTERS', { WORKER_ADAPTERS: 'two' }, 'many'],
    ['a rate-limited adapter, without a shared count', {}, 'limited'],
    ['an unknown adapter', {}, 'nobody'],
  ])('has no slot with %s', (_what, env, id) => {
    expect(lane(env).acquire(id)).toBeUndefined();
  });

  it('gives a rate-limited adapter a slot only once its shared count admits the hop', async () => {
    const { admit, seen } = counter(1);
    const slots = lane({}, admit);
    const first = slots.acquire('limited');
    expect(first).toBeInstanceOf(Promise);
    const release = await first;
    expect(release).toBeTypeOf('function');
    // The window is full: no slot, and the concurrency slot taken meanwhile is given back.
    expect(await slots.acquire('limited')).toBeUndefined();
    expect(seen).toEqual(['limited:1/1000', 'limited:1/1000']);
    release?.();
    expect(now(slots.acquire('many'))).toBeDefined();
  });

  it('holds the concurrency slot while the count answers, and gives it back on a refusal or error', async () => {
    let answer: (admitted: boolean) => void = () => {};
    const admit: Admit = (_id, _limit) => new Promise<boolean>((resolve) => (answer = resolve));
    const slots = lane({ DIRECT_MAX_HOPS: '1' }, admit);
    const pending = slots.acquire('limited');
    // The one slot of the lane is held by the pending count.
    expect(slots.acquire('many')).toBeUndefined();
    answer(false);
    expect(await pending).toBeUndefined();
    expect(now(slots.acquire('many'))).toBeDefined();

    const failing = lane({}, async () => {
      throw new Error('redis away');
    });
    expect(await failing.acquire('limited')).toBeUndefined();
  });

  it('asks no count for an adapter without a rate limit: its slot comes at once', () => {
    const { admit, seen } = counter(0);
    expect(now(lane({}, admit).acquire('two'))).toBeDefined();
    expect(seen).toEqual([]);
  });
});
