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
    expect(registry.definitions()).toEqual([mesh]);
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
    expect(registry.definitions()).toEqual([]);
  });
});
