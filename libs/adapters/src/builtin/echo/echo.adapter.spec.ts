import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { createAdapterHarness } from '../testing';
import { EchoAdapter } from './echo.adapter';

describe('EchoAdapter', () => {
  it('returns each text input unchanged, keeping a text media type', async () => {
    const harness = createAdapterHarness();
    const chinese = fixture('text/chinese.txt');
    const inputs = [
      harness.put(chinese, { modality: 'text', mediaType: 'text/plain; charset=utf-8' }),
      harness.put('# notes', { modality: 'text', mediaType: 'text/markdown' }),
      harness.put('{"a":1}', { modality: 'text', mediaType: 'application/json' }),
    ];
    const result = await harness.invoke(new EchoAdapter(), {
      task: 'echo',
      inputs,
      output: { modality: 'text' },
    });
    expect(result.outputs).toEqual([
      { modality: 'text', mediaType: 'text/plain; charset=utf-8', text: chinese.toString('utf8') },
      { modality: 'text', mediaType: 'text/markdown', text: '# notes' },
      { modality: 'text', mediaType: 'text/plain', text: '{"a":1}' },
    ]);
  });

  it('needs a text input', async () => {
    const harness = createAdapterHarness();
    const image = harness.put(fixture('image/fixture.png'), { modality: 'image', mediaType: 'image/png' });
    await expect(
      harness.invoke(new EchoAdapter(), { task: 'echo', inputs: [image], output: { modality: 'text' } }),
    ).rejects.toMatchObject({ code: 'unprocessable_input' });
  });
});
