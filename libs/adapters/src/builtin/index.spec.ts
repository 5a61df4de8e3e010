import { AdapterDescriptorSchema } from '@omnigate/contracts';
import { describe, expect, it } from 'vitest';
import { createBuiltinAdapters } from '.';
import { DEFAULT_INPUT_LIMITS } from '../sdk/input-limits';

describe('createBuiltinAdapters', () => {
  const adapters = createBuiltinAdapters();

  it('returns the built-ins with valid, distinct descriptors', () => {
    expect(adapters.map((a) => a.descriptor.id)).toEqual([
      'builtin.sharp',
      'builtin.audio',
      'builtin.video',
      'builtin.render',
      'builtin.signal',
      'builtin.signal-tools',
      'builtin.image-analysis',
      'builtin.text',
      'builtin.speech',
      'builtin.image',
      'builtin.pointcloud',
      'builtin.vision',
      'builtin.echo',
    ]);
    for (const adapter of adapters) {
      expect(AdapterDescriptorSchema.parse(adapter.descriptor)).toEqual(adapter.descriptor);
      expect(adapter.descriptor.version).toBe('1.0.0');
    }
  });

  it('leaves the model-backed adapters out with models off (BUILTIN_MODELS=off)', () => {
    const ids = createBuiltinAdapters({ limits: DEFAULT_INPUT_LIMITS, models: false }).map(
      (a) => a.descriptor.id,
    );
    expect(ids).not.toContain('builtin.vision');
    expect(ids).toContain('builtin.image');
  });

  it('gives every adapter an options schema that accepts {} and drops unknown keys instead of failing', () => {
    for (const adapter of adapters) {
      expect(adapter.options?.safeParse({}).success).toBe(true);
      const parsed = adapter.options?.parse({ notAnOption: 1 }) as Record<string, unknown>;
      expect(parsed).not.toHaveProperty('notAnOption');
    }
  });

  it('parses its own parsed options to the same value, so a re-check in the worker changes nothing', () => {
    for (const adapter of adapters) {
      const once = adapter.options?.parse({});
      expect(adapter.options?.parse(once)).toEqual(once);
    }
  });
});
