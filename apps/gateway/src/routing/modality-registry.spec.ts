import { ModalityDefinitionSchema } from '@omnigate/contracts';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { ModalityRegistry } from './modality-registry';

const mesh = ModalityDefinitionSchema.parse({ name: 'mesh', mediaTypes: ['model/stl'], extensions: ['stl'] });

describe('ModalityRegistry', () => {
  it('knows the six built-ins, and a registered modality while an adapter claims it', () => {
    const registry = new ModalityRegistry();
    const seen: string[][] = [];
    registry.onChange((list) => seen.push(list));
    expect(() => registry.assertKnown('mesh', 'output')).toThrow(GatewayError);
    registry.add('a.one', [mesh]);
    registry.add('b.two', [{ ...mesh, mediaTypes: ['model/obj'] }]);
    expect(registry.list()).toContain('mesh');
    // The first definition stays.
    expect(registry.recognisers()).toEqual([{ definition: mesh }]);
    registry.removeOwner('a.one');
    expect(registry.list()).toContain('mesh');
    registry.removeOwner('b.two');
    expect(registry.list()).not.toContain('mesh');
    expect(seen.map((list) => list.includes('mesh'))).toEqual([true, false]);
  });

  it('refuses to redefine a built-in modality', () => {
    const registry = new ModalityRegistry();
    const image = ModalityDefinitionSchema.parse({ name: 'image', mediaTypes: ['image/x-mine'] });
    expect(() => registry.add('x.y', [image])).toThrow(/built-in modality "image" cannot be redefined/);
    expect(registry.recognisers()).toEqual([]);
  });

  it.each([
    ['a backreference', '^(a)\\1', /not an RE2 regular expression/],
    ['a lookahead', '^solid(?=\\s)', /not an RE2 regular expression/],
    ['a program over the size limit', '^[a-z]{0,200}$', /too complex: its RE2 program has \d+ instructions/],
  ])('refuses a pattern with %s: 400 naming the field', (_what, pattern, message) => {
    const registry = new ModalityRegistry();
    const error = (() => {
      try {
        registry.add('x.y', [mesh, { ...mesh, name: 'scan', pattern }]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({
      code: 'invalid_request',
      details: { field: 'modalities[1].pattern', modality: 'scan' },
    });
    expect((error as GatewayError).message).toMatch(message);
    expect(registry.list()).not.toContain('scan');
  });

  // Issue 12, M5: under a backtracking engine `^(a|aa)+$` took 3.75 s for 41 bytes (×1.6 per byte).
  it('matches a pattern that backtracks exponentially elsewhere in linear time', () => {
    const registry = new ModalityRegistry();
    registry.add('x.y', [{ ...mesh, pattern: '^(a|aa)+$' }]);
    const [{ pattern }] = registry.recognisers();
    const started = performance.now();
    expect(pattern?.test(Buffer.from('a'.repeat(4096)))).toBe(true);
    expect(pattern?.test(Buffer.from('a'.repeat(4095) + 'b'))).toBe(false);
    expect(pattern?.test(Buffer.from('a'.repeat(41) + 'b'))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
