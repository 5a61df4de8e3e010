import type { Adapter } from '@omnigate/adapters';
import { describe, expect, it } from 'vitest';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { loadConfig } from '../config/app-config';
import { DirectLane } from './direct-lane';
import { servesAdapter } from './hop-workers';
import { hopQueueName, laneField, laneOf, worksLane } from './work-lanes';

const adapter = (id: string): Adapter => ({
  descriptor: { id, version: '1.0.0', capabilities: [{ task: 't', inputs: ['text'], output: 'text' }] },
  invoke: async () => ({ outputs: [] }),
});

describe('work lanes', () => {
  it('names a queue per adapter and lane: the adapter id for interactive hops, never an id for batch ones', () => {
    expect(hopQueueName('builtin.echo', 'interactive')).toBe('builtin.echo');
    expect(hopQueueName('builtin.echo', 'batch')).toBe('builtin.echo@batch');
    // Adapter ids are [a-z0-9][a-z0-9_.-]*: a batch queue's name is never an adapter's.
    expect(hopQueueName('builtin.echo', 'batch')).not.toMatch(/^[a-z0-9][a-z0-9_.-]*$/i);
    expect(hopQueueName('a', 'batch')).not.toContain(':');
  });

  it('reads a hop without a lane as interactive, and marks only batch hops', () => {
    expect(laneOf({})).toBe('interactive');
    expect(laneOf({ lane: 'batch' })).toBe('batch');
    expect(laneField('interactive')).toEqual({});
    expect(laneField('batch')).toEqual({ lane: 'batch' });
  });

  it('serves an adapter in a lane only where WORKER_LANES has it, never with ROLE=api', () => {
    const both = loadConfig({});
    expect(['interactive', 'batch'].map((l) => worksLane(both, l as 'batch'))).toEqual([true, true]);
    expect(servesAdapter(both, 'x', 'interactive')).toBe(true);
    expect(servesAdapter(both, 'x', 'batch')).toBe(true);
    const batchOnly = loadConfig({ ROLE: 'worker', WORKER_LANES: 'batch', WORKER_ADAPTERS: 'x' });
    expect(servesAdapter(batchOnly, 'x', 'batch')).toBe(true);
    expect(servesAdapter(batchOnly, 'x', 'interactive')).toBe(false);
    expect(servesAdapter(batchOnly, 'y', 'batch')).toBe(false);
    // The direct lane asks about the interactive lane.
    expect(servesAdapter(batchOnly, 'x')).toBe(false);
    const api = loadConfig({ ROLE: 'api', WORKER_LANES: 'batch' });
    expect(worksLane(api, 'batch')).toBe(true);
    expect(servesAdapter(api, 'x', 'batch')).toBe(false);
  });

  it('keeps the direct lane out of a process that does not work the interactive lane', () => {
    const registry = new AdapterRegistry([adapter('x')]);
    expect(new DirectLane(loadConfig({}), registry).acquire('x')).toBeDefined();
    expect(new DirectLane(loadConfig({ WORKER_LANES: 'batch' }), registry).acquire('x')).toBeUndefined();
  });
});
