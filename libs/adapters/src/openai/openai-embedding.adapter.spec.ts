import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAiTestServer } from '../../../../test/openai-server/openai-test-server.mjs';
import { createAdapterHarness, textOutput } from '../builtin/testing';
import { AdapterError } from '../sdk/adapter-error';
import { INVALID_BACKEND_EMBEDDING } from './embedding-vectors';
import type { OpenAiEmbeddingOutput } from './openai-embedding.adapter';
import { startTestBackend, testAdapters } from './openai.testing';

// Two backends: one honours encoding_format (as api.openai.com), one answers floats whatever was
// asked (as several OpenAI-compatible servers do).
let honouring: OpenAiTestServer;
let floatsOnly: OpenAiTestServer;
beforeAll(async () => {
  [honouring, floatsOnly] = await Promise.all([
    startTestBackend(),
    startTestBackend({ embeddingFormat: 'float' }),
  ]);
});
afterEach(() => {
  honouring.reset();
  floatsOnly.reset();
});
afterAll(() => Promise.all([honouring.close(), floatsOnly.close()]));

/** The adapter's output for `texts` on `server`. */
async function embed(server: OpenAiTestServer, texts: string[], dimensions = 16) {
  const harness = createAdapterHarness();
  const result = await harness.invoke(testAdapters(server).embedding, {
    task: 'embed',
    inputs: texts.map((text) => harness.put(text, { modality: 'text', mediaType: 'text/plain' })),
    output: { modality: 'text' },
    options: { dimensions },
  });
  return JSON.parse(textOutput(result).text) as OpenAiEmbeddingOutput;
}

/** The error the adapter throws when the backend answers `body` (with 200) to `/embeddings`. */
async function malformed(body: unknown, texts = ['alpha']): Promise<AdapterError> {
  honouring.script({ path: '/v1/embeddings', status: 200, body });
  const err = await embed(honouring, texts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AdapterError);
  return err as AdapterError;
}

const base64Of = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64');

describe('OpenAiEmbeddingAdapter: what the backend answers', () => {
  it('asks for base64 and gets the same vectors from a base64 backend and a floats-only one', async () => {
    const texts = ['the quick brown fox', 'jumps over', 'the lazy dog'];
    const fromBase64 = await embed(honouring, texts);
    const fromFloats = await embed(floatsOnly, texts);
    expect(honouring.lastRequest('/v1/embeddings')!.body.encoding_format).toBe('base64');
    expect(floatsOnly.lastRequest('/v1/embeddings')!.body.encoding_format).toBe('base64');
    expect(fromBase64.embeddings).toHaveLength(3);
    for (const vector of fromBase64.embeddings!) {
      expect(vector).toHaveLength(16);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
    // float32 values both ways: equal to the last bit.
    expect(fromFloats.embeddings).toEqual(fromBase64.embeddings);
    expect(fromFloats.dimensions).toBe(16);
    expect(new Set(fromBase64.embeddings!.map((v) => v.join())).size).toBe(3);
  });

  it('puts the vectors in input order by their index', async () => {
    honouring.script({
      path: '/v1/embeddings',
      status: 200,
      body: {
        object: 'list',
        data: [
          { object: 'embedding', index: 1, embedding: [0.5, -0.25] },
          { object: 'embedding', index: 0, embedding: base64Of([1, 2]) },
        ],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 2, total_tokens: 2 },
      },
    });
    const output = await embed(honouring, ['a', 'b']);
    expect(output.embeddings).toEqual([
      [1, 2],
      [0.5, -0.25],
    ]);
  });

  it('refuses answers that are not one vector a text, with a clear code and never a wrong vector', async () => {
    const list = (data: unknown) => ({ object: 'list', data, model: 'm', usage: {} });
    const item = (embedding: unknown, index = 0) => ({ object: 'embedding', index, embedding });
    const cases: [unknown, RegExp, string[]?][] = [
      [{ object: 'list' }, /has no data array/],
      [list([]), /has 0 embeddings for 1 texts/],
      [list([item([])]), /embedding 0 is empty/],
      [list([item([0.1, 'x'])]), /non-number or non-finite value at 1/],
      [list([item([0.1, null])]), /non-number or non-finite value at 1/],
      [list([item(null)]), /embedding 0 is null/],
      [list([item({ values: [1] })]), /embedding 0 is object/],
      // 6 bytes: not a whole number of float32s.
      [list([item(Buffer.alloc(6).toString('base64'))]), /6 bytes of base64/],
      [list([item('not base64!!')]), /neither floats nor base64/],
      [list([item(base64Of([1, Number.NaN]))]), /non-finite float32 at 1/],
      [list([item(base64Of([Number.POSITIVE_INFINITY]))]), /non-finite float32 at 0/],
      [list([item([1, 2], 0), item([3, 4], 0)]), /repeated index \(0\)/, ['a', 'b']],
      [list([item([1, 2], 0), item([3, 4], 2)]), /bad or repeated index \(2\)/, ['a', 'b']],
      [list([item([1, 2], 0), item([3], 1)]), /different lengths \(2 and 1\)/, ['a', 'b']],
    ];
    for (const [body, message, texts] of cases) {
      const err = await malformed(body, texts);
      expect(err.code).toBe('adapter_failed');
      expect(err.details).toEqual({ openAiCode: INVALID_BACKEND_EMBEDDING });
      expect(err.message).toMatch(message);
      expect(err.message).toContain('test.embedding');
    }
  });
});
