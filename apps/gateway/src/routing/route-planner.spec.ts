import type { Adapter } from '@omnigate/adapters';
import type { AdapterDescriptor } from '@omnigate/contracts';
import { describe, expect, it } from 'vitest';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { GatewayError } from '../errors/gateway-error';
import { RoutePlanner, toRouteSteps, type PlannedHop } from './route-planner';

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
  adapter({
    id: 'e.asr',
    costHint: 3,
    capabilities: [{ task: 'transcribe', inputs: ['audio'], output: 'text' }],
  }),
  adapter({
    id: 'f.describe',
    costHint: 1,
    capabilities: [{ task: 'describe', inputs: ['audio'], output: 'text' }],
  }),
  adapter({ id: 'g.plot', capabilities: [{ task: 'plot', inputs: ['signal'], output: 'image' }] }),
]);
const planner = new RoutePlanner(registry, { maxHops: 3, maxFallbacks: 2 });

const ids = (hops: PlannedHop[]) => hops.map((h) => `${h.adapter.descriptor.id}:${h.capability.task}`);

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected an error');
}

describe('RoutePlanner', () => {
  it('picks the cheapest single hop', () => {
    expect(ids(planner.plan({ inputs: ['image'], output: 'image' }))).toEqual(['b.convert-cheap:convert']);
  });

  it('skips adapters that cannot produce the requested media type', () => {
    expect(ids(planner.plan({ inputs: ['image'], output: 'image', outputMediaType: 'image/webp' }))).toEqual([
      'a.convert:convert',
    ]);
  });

  it('honours a pinned adapter', () => {
    expect(ids(planner.plan({ inputs: ['image'], output: 'image', adapter: 'a.convert' }))).toEqual([
      'a.convert:convert',
    ]);
  });

  it('matches several inputs as a set, in any order', () => {
    expect(ids(planner.plan({ inputs: ['text', 'image'], output: 'text' }))).toEqual(['c.vqa:vqa']);
  });

  it('chains hops through other modalities: audio → text → image', () => {
    expect(ids(planner.plan({ inputs: ['audio'], output: 'image' }))).toEqual([
      'f.describe:describe',
      'd.render:render',
    ]);
  });

  it('takes the hop that performs the task even when it costs more', () => {
    expect(ids(planner.plan({ inputs: ['audio'], output: 'image', task: 'transcribe' }))).toEqual([
      'e.asr:transcribe',
      'd.render:render',
    ]);
  });

  it('lists fallback routes, cheapest first, each distinct', () => {
    const routes = planner.routes({ inputs: ['audio'], output: 'image' }, 3).map(ids);
    expect(routes[0]).toEqual(['f.describe:describe', 'd.render:render']);
    expect(routes).toContainEqual(['e.asr:transcribe', 'd.render:render']);
    expect(new Set(routes.map((r) => r.join('|'))).size).toBe(routes.length);
  });

  it('is deterministic', () => {
    const again = () => ids(planner.plan({ inputs: ['audio'], output: 'image' }));
    expect(again()).toEqual(again());
  });

  it('goes through a pinned adapter, adding hops when needed', () => {
    expect(ids(planner.plan({ inputs: ['signal'], output: 'image', adapter: 'a.convert' }))).toEqual([
      'g.plot:plot',
      'a.convert:convert',
    ]);
  });

  it('respects the hop limit', () => {
    const short = new RoutePlanner(registry, { maxHops: 1, maxFallbacks: 2 });
    expect(refusal(() => short.plan({ inputs: ['audio'], output: 'image' })).code).toBe('no_route');
  });

  it('says what the inputs can reach when nothing matches', () => {
    const err = refusal(() => planner.plan({ inputs: ['text'], output: 'audio' }));
    expect(err.code).toBe('no_route');
    expect(err.message).toBe('no route from text to audio');
    expect(err.details).toMatchObject({ reachable: ['image'] });
    const task = refusal(() => planner.plan({ inputs: ['image'], output: 'image', task: 'ocr' }));
    expect(task.details).toMatchObject({ from: ['image'], to: 'image', task: 'ocr' });
  });

  it('refuses a pinned adapter that cannot do it, and an unknown one', () => {
    expect(refusal(() => planner.plan({ inputs: ['text'], output: 'image', adapter: 'e.asr' })).code).toBe(
      'no_route',
    );
    expect(refusal(() => planner.plan({ inputs: ['text'], output: 'image', adapter: 'zz.none' })).code).toBe(
      'not_found',
    );
  });
});

describe('AdapterRegistry', () => {
  it('refuses a duplicate id and an invalid descriptor', () => {
    const cap = [{ task: 't', inputs: ['text'], output: 'text' }];
    expect(
      () =>
        new AdapterRegistry([
          adapter({ id: 'x', capabilities: cap }),
          adapter({ id: 'x', capabilities: cap }),
        ]),
    ).toThrow(/duplicate adapter id x/);
    expect(() => new AdapterRegistry([adapter({ id: 'y', capabilities: [] })])).toThrow(/invalid descriptor/);
  });
});

describe('RoutePlanner with capability cost hints', () => {
  it('prefers a cheap capability of an otherwise costly adapter over a longer chain', () => {
    const costly = adapter({
      id: 'h.vision',
      costHint: 5,
      capabilities: [
        { task: 'ocr', inputs: ['image'], output: 'text' },
        { task: 'describe', inputs: ['image'], output: 'text', costHint: 1 },
      ],
    });
    const chain = [
      adapter({ id: 'i.hist', capabilities: [{ task: 'histogram', inputs: ['image'], output: 'signal' }] }),
      adapter({ id: 'j.sig', capabilities: [{ task: 'describe', inputs: ['signal'], output: 'text' }] }),
    ];
    const p = new RoutePlanner(new AdapterRegistry([...chain, costly]), { maxHops: 3, maxFallbacks: 2 });
    expect(ids(p.plan({ inputs: ['image'], output: 'text' }))).toEqual(['h.vision:describe']);
    expect(ids(p.plan({ inputs: ['image'], output: 'text', task: 'ocr' }))).toEqual(['h.vision:ocr']);
  });
});

describe('RoutePlanner alternatives', () => {
  const shout = (id: string, costHint: number) =>
    adapter({ id, costHint, capabilities: [{ task: 'shout', inputs: ['text'], output: 'text' }] });
  const echo = adapter({ id: 'k.echo', capabilities: [{ task: 'echo', inputs: ['text'], output: 'text' }] });

  it('offers another adapter for the task, not the same one behind a detour', () => {
    const p = new RoutePlanner(new AdapterRegistry([echo, shout('l.cheap', 0.1), shout('m.dear', 5)]), {
      maxHops: 3,
      maxFallbacks: 2,
    });
    expect(p.candidates({ inputs: ['text'], output: 'text', task: 'shout' }).map(ids)).toEqual([
      ['l.cheap:shout'],
      ['m.dear:shout'],
    ]);
  });

  it('plans again when the adapters change', () => {
    const registry = new AdapterRegistry([shout('n.first', 2)]);
    const p = new RoutePlanner(registry, { maxHops: 3, maxFallbacks: 2 });
    const query = { inputs: ['text'], output: 'text', task: 'shout' };
    expect(ids(p.plan(query))).toEqual(['n.first:shout']);
    registry.register(shout('o.cheaper', 1));
    expect(ids(p.plan(query))).toEqual(['o.cheaper:shout']);
  });
});

describe('RoutePlanner domains (verticals)', () => {
  const ecg = (id: string, extra: Partial<AdapterDescriptor> = {}) =>
    adapter({ id, capabilities: [{ task: 'describe', inputs: ['signal'], output: 'text' }], ...extra });
  const registry = new AdapterRegistry([
    ecg('p.base', { costHint: 1 }),
    ecg('q.cardio', { costHint: 3, domain: 'cardiology' }),
  ]);
  const p = new RoutePlanner(registry, { maxHops: 3, maxFallbacks: 2 });
  const query = { inputs: ['signal'], output: 'text' };

  it("prefers the domain's vertical adapter and keeps the base one as the fallback", () => {
    expect(p.candidates({ ...query, domain: 'cardiology' }).map(ids)).toEqual([
      ['q.cardio:describe'],
      ['p.base:describe'],
    ]);
    expect(toRouteSteps(p.plan({ ...query, domain: 'cardiology' }))[0].domain).toBe('cardiology');
  });

  it('without a domain, or for a domain nobody serves, routes as usual', () => {
    expect(ids(p.plan(query))).toEqual(['p.base:describe']);
    expect(ids(p.plan({ ...query, domain: 'dermatology' }))).toEqual(['p.base:describe']);
  });
});
