import { AdapterDescriptorSchema } from '@omnigate/contracts';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadAdapterModules } from '../../apps/gateway/src/adapters/adapter-modules';
import { createAdapterHarness, textOutput } from '../../libs/adapters/src/builtin/testing';
import { fixture } from '../fixtures';

const load = () =>
  loadAdapterModules(['./examples/adapter-package/index.js'], { logger: pino({ level: 'silent' }) });

describe('example adapter package', () => {
  it('loads through ADAPTER_MODULES with a valid descriptor', async () => {
    const [adapter, ...rest] = await load();
    expect(rest).toEqual([]);
    expect(AdapterDescriptorSchema.parse(adapter.descriptor).id).toBe('example.wordcount');
  });

  it('counts words in any script, streams its lines and reports progress', async () => {
    const [adapter] = await load();
    const harness = createAdapterHarness();
    const deltas: string[] = [];
    harness.context.onTextDelta = (delta) => deltas.push(delta);
    const english = harness.put(fixture('text/english.txt'), { modality: 'text', mediaType: 'text/plain' });
    const result = await harness.invoke(adapter, {
      task: 'wordcount',
      inputs: [english],
      output: { modality: 'text' },
      options: { top: 2, colour: 'red' },
    });
    const { text } = textOutput(result);
    expect(text.split('\n')).toEqual([
      '30 words (29 distinct), 2 sentences, 184 characters',
      'and: 2',
      '3d: 1', // ties in alphabetical order
    ]);
    expect(deltas.join('')).toBe(text);
    expect(harness.progress).toEqual([1]);
    expect(result.warnings).toEqual([
      'option "colour" is not supported by example.wordcount and was ignored',
    ]);

    const chinese = harness.put(fixture('text/chinese.txt'), { modality: 'text', mediaType: 'text/plain' });
    const counted = await harness.invoke(adapter, {
      task: 'wordcount',
      inputs: [chinese],
      output: { modality: 'text' },
    });
    expect(counted.meta).toMatchObject({ sentences: 2 });
    expect(counted.meta?.words).toBeGreaterThan(10); // words, not characters or whitespace runs
  });

  it('throws AdapterError look-alikes the runtime recognises, never retryable', async () => {
    const [adapter] = await load();
    const harness = createAdapterHarness();
    const empty = harness.put('  \n', { modality: 'text', mediaType: 'text/plain' });
    const request = { task: 'wordcount', inputs: [empty], output: { modality: 'text' } };
    await expect(harness.invoke(adapter, request)).rejects.toMatchObject({
      name: 'AdapterError',
      code: 'unprocessable_input',
      retryable: false,
    });
    await expect(harness.invoke(adapter, { ...request, options: { top: -1 } })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});
