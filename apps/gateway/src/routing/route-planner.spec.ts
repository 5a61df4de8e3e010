import type { Adapter } from '@omnigate/adapters';
import type { AdapterDescriptor } from '@omnigate/contracts';
import { describe, expect, it } from 'vitest';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { GatewayError } from '../errors/gateway-error';
import { RoutePlanner } from './route-planner';

const adapter = (descriptor: Omit<AdapterDescriptor, 'version'>): Adapter => ({
  descriptor: { version: '1.0.0', ...descriptor },
  invoke: async () => ({ outputs: [] }),
});

const registry = new AdapterRegistry([
  adapter({
    id: 'a.convert',
    costHint: 2,
    capabilities: [{ task: 'convert', inputs: ['image'], output: 'image' }],
  }),
  adapter({
    id: 'b.convert-cheap',
    costHint: 1,
    capabilities: [{ task: 'convert', inputs: ['image'], output: 'image', outputMediaTypes: ['image/png'] }],
  }),
  adapter({ id: 'c.vqa', capabilities: [{ task: 'vqa', inputs: ['image', 'text'], output: 'text' }] }),
  adapter({ id: 'd.render', capabilities: [{ task: 'render', inputs: ['text'], output: 'image' }] }),
]);
const planner = new RoutePlanner(registry);

function noRoute(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected no_route');
}

describe('RoutePlanner (single hop)', () => {
  it('picks the cheapest matching capability', () => {
    expect(planner.plan({ inputs: ['image'], output: 'image' }).adapter.descriptor.id).toBe(
      'b.convert-cheap',
    );
  });

  it('skips adapters that cannot produce the requested media type', () => {
    const hop = planner.plan({ inputs: ['image'], output: 'image', outputMediaType: 'image/webp' });
    expect(hop.adapter.descriptor.id).toBe('a.convert');
  });

  it('honours a pinned adapter', () => {
    expect(
      planner.plan({ inputs: ['image'], output: 'image', adapter: 'a.convert' }).adapter.descriptor.id,
    ).toBe('a.convert');
  });

  it('matches several inputs as a set, in any order', () => {
    expect(planner.plan({ inputs: ['text', 'image'], output: 'text' }).capability.task).toBe('vqa');
  });

  it('filters by task', () => {
    const err = noRoute(() => planner.plan({ inputs: ['image'], output: 'image', task: 'ocr' }));
    expect(err.code).toBe('no_route');
    expect(err.details).toMatchObject({
      from: ['image'],
      to: 'image',
      task: 'ocr',
      reachable: ['image (convert)'],
    });
  });

  it('says what the inputs can reach when nothing matches', () => {
    const err = noRoute(() => planner.plan({ inputs: ['text'], output: 'audio' }));
    expect(err.code).toBe('no_route');
    expect(err.message).toBe('no route from text to audio');
    expect(err.details).toMatchObject({ reachable: ['image (render)'] });
  });

  it('refuses a pinned adapter that cannot do it, and an unknown one', () => {
    expect(
      noRoute(() => planner.plan({ inputs: ['text'], output: 'image', adapter: 'a.convert' })).code,
    ).toBe('no_route');
    expect(noRoute(() => planner.plan({ inputs: ['text'], output: 'image', adapter: 'zz.none' })).code).toBe(
      'not_found',
    );
  });
});

describe('AdapterRegistry', () => {
  it('refuses a duplicate id and an invalid descriptor', () => {
    expect(
      () =>
        new AdapterRegistry([
          adapter({ id: 'x', capabilities: [{ task: 't', inputs: ['text'], output: 'text' }] }),
          adapter({ id: 'x', capabilities: [{ task: 't', inputs: ['text'], output: 'text' }] }),
        ]),
    ).toThrow(/duplicate adapter id x/);
    expect(() => new AdapterRegistry([adapter({ id: 'y', capabilities: [] })])).toThrow(/invalid descriptor/);
  });
});
