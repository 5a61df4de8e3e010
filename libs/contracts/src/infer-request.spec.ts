import { describe, expect, it } from 'vitest';
import { InferRequestSchema } from './infer-request';

describe('InferRequestSchema', () => {
  it('accepts the bare modality name as output and fills defaults', () => {
    const r = InferRequestSchema.parse({ inputs: [{ text: 'hi' }], output: 'image' });
    expect(r.output).toEqual({ modality: 'image' });
    expect(r.mode).toBe('sync');
  });

  it('requires output', () => {
    const r = InferRequestSchema.safeParse({ inputs: [{ text: 'hi' }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['output']);
  });

  it('refuses unknown fields and wrong types', () => {
    expect(InferRequestSchema.safeParse({ inputs: [{ text: 'x' }], output: 'text', nope: 1 }).success).toBe(
      false,
    );
    expect(InferRequestSchema.safeParse({ inputs: 'x', output: 'text' }).success).toBe(false);
    expect(InferRequestSchema.safeParse({ inputs: [{ data: '***' }], output: 'text' }).success).toBe(false);
    expect(InferRequestSchema.safeParse({ inputs: [{ blobId: 'abc' }], output: 'text' }).success).toBe(false);
  });

  it('refuses a malformed modality name', () => {
    expect(InferRequestSchema.safeParse({ inputs: [{ text: 'x' }], output: 'Image!' }).success).toBe(false);
  });
});
