import type { Adapter } from '@omnigate/adapters';
import { describe, expect, it } from 'vitest';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { loadConfig } from '../config/app-config';
import { DirectLane } from './direct-lane';

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
const lane = (env: Record<string, string> = {}) => new DirectLane(loadConfig(env), registry);

describe('DirectLane', () => {
  it('gives an adapter as many slots as its concurrency, and a released slot back', () => {
    const slots = lane();
    const first = slots.acquire('two');
    expect(first).toBeDefined();
    expect(slots.acquire('two')).toBeDefined();
    expect(slots.acquire('two')).toBeUndefined();
    first!();
    first!(); // released once only
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
    ['a rate-limited adapter', {}, 'limited'],
    ['an unknown adapter', {}, 'nobody'],
  ])('has no slot with %s', (_what, env, id) => {
    expect(lane(env).acquire(id)).toBeUndefined();
  });
});
