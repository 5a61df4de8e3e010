import { describe, expect, it, vi } from 'vitest';
import { readInput } from './inputs';
import { createAdapterHarness } from './testing';

describe('readInput', () => {
  it('reads an input within maxBytes', async () => {
    const harness = createAdapterHarness();
    const input = harness.put('12345', { modality: 'text', mediaType: 'text/plain' });
    expect((await readInput(harness.context, input, { maxBytes: 5 })).toString()).toBe('12345');
  });

  it('refuses an input whose stated size is over maxBytes without reading it', async () => {
    const harness = createAdapterHarness();
    const input = harness.put('123456', { modality: 'signal', mediaType: 'text/csv' });
    const read = vi.spyOn(harness.context.blobs, 'read');
    await expect(readInput(harness.context, input, { maxBytes: 5, what: 'a signal' })).rejects.toMatchObject({
      code: 'payload_too_large',
      message: 'a signal of 6 bytes is over the 5 bytes read',
    });
    expect(read).not.toHaveBeenCalled();
  });

  it('checks the bytes read too, when the stated size was wrong', async () => {
    const harness = createAdapterHarness();
    const input = { ...harness.put('123456', { modality: 'text', mediaType: 'text/plain' }), bytes: 1 };
    await expect(readInput(harness.context, input, { maxBytes: 5 })).rejects.toMatchObject({
      code: 'payload_too_large',
      message: 'the input of 6 bytes is over the 5 bytes read',
    });
  });
});
