import OpenAI, { APIError, toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';
import { startOpenAiTestServer, type OpenAiTestServer } from '../openai-server/openai-test-server.mjs';

// Embeddings through the gateway with the official client, from a backend that answers floats
// whatever encoding_format asks (as several OpenAI-compatible servers do) and from one that
// honours it (as api.openai.com does). The client asks for base64 by default and decodes it.
const FLOATS = 'emb-floats';
const BASE64 = 'emb-base64';

const clientOf = (url: string) => new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });

/** The vectors the backend itself answers, as floats: the truth the gateway must pass on. */
async function truth(server: OpenAiTestServer, model: string, input: string[], dimensions: number) {
  const res = await clientOf(server.url).embeddings.create({
    model,
    input,
    dimensions,
    encoding_format: 'float',
  });
  server.reset();
  return res.data.map((d) => d.embedding);
}

const decodeBase64 = (text: string) => {
  const bytes = Buffer.from(text, 'base64');
  return [...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)];
};

describe('embeddings from floats-only and base64 backends (official openai client)', () => {
  let floats: OpenAiTestServer;
  let base64: OpenAiTestServer;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    [floats, base64] = await Promise.all([
      startOpenAiTestServer({ embeddingFormat: 'float' }),
      startOpenAiTestServer(),
    ]);
    gw = await startGateway({
      OPENAI_BACKENDS: JSON.stringify([
        { id: FLOATS, baseUrl: floats.url, models: { embedding: 'text-embedding-3-small' }, costHint: 5 },
        { id: BASE64, baseUrl: base64.url, models: { embedding: 'text-embedding-3-large' }, costHint: 6 },
      ]),
      // One attempt: a failed call falls back (or fails) at once.
      JOB_ATTEMPTS: '1',
    });
    client = clientOf(`${gw.url}/v1`);
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([floats?.close(), base64?.close()]);
  });
  beforeEach(() => {
    floats.reset();
    base64.reset();
  });

  const texts = ['the quick brown fox', 'jumps over', 'the lazy dog'];

  for (const [label, backend, model] of [
    ['floats-only', () => floats, 'text-embedding-3-small'],
    ['base64-honouring', () => base64, 'text-embedding-3-large'],
  ] as const) {
    it(`passes on the ${label} backend's vectors in each encoding the caller asks for`, async () => {
      const expected = await truth(backend(), model, texts, 12);
      // The client's default: it asks base64 and decodes it.
      const byDefault = await client.embeddings.create({ model, input: texts, dimensions: 12 });
      expect(byDefault.data.map((d) => d.index)).toEqual([0, 1, 2]);
      expect(byDefault.data.map((d) => d.embedding)).toEqual(expected);
      expect(expected[0]).toHaveLength(12);
      expect(Math.hypot(...expected[0]!)).toBeCloseTo(1, 5);
      // The gateway asked its backend for base64 too, whatever the backend then answered.
      expect(backend().lastRequest('/v1/embeddings')!.body).toMatchObject({
        model,
        input: texts,
        dimensions: 12,
        encoding_format: 'base64',
      });

      const asFloats = await client.embeddings.create({
        model,
        input: texts,
        dimensions: 12,
        encoding_format: 'float',
      });
      expect(asFloats.data.map((d) => d.embedding)).toEqual(expected);

      const asBase64 = await client.embeddings.create({
        model,
        input: 'jumps over',
        dimensions: 12,
        encoding_format: 'base64',
      });
      const raw = asBase64.data[0]!.embedding as unknown;
      expect(typeof raw).toBe('string');
      expect(decodeBase64(raw as string)).toEqual(expected[1]);
    });
  }

  it('keeps order and values for a list split into several jobs', async () => {
    const many = Array.from({ length: 20 }, (_, i) => `text number ${i}`);
    const expected = await truth(floats, 'text-embedding-3-small', many, 4);
    const res = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: many,
      dimensions: 4,
    });
    expect(res.data.map((d) => d.embedding)).toEqual(expected);
    expect(floats.requests.filter((r) => r.path === '/v1/embeddings')).toHaveLength(2);
  });

  it('answers a malformed backend answer with 502 invalid_backend_embedding, never a vector', async () => {
    const bad = [
      { object: 'embedding', index: 0, embedding: Buffer.alloc(6).toString('base64') },
      { object: 'embedding', index: 0, embedding: [0.5, 'x'] },
      { object: 'embedding', index: 0, embedding: [] },
    ];
    for (const item of bad) {
      base64.script({
        path: '/v1/embeddings',
        status: 200,
        body: { object: 'list', data: [item], model: 'text-embedding-3-large', usage: {} },
      });
      const err = await client.embeddings.create({ model: `${BASE64}.embedding`, input: 'hello' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(APIError);
      expect(err).toMatchObject({ status: 502, code: 'invalid_backend_embedding', type: 'server_error' });
      expect((err as APIError).message).toContain(`${BASE64}.embedding`);
    }
  });

  it('refuses to mix two models’ vectors when one job of a list fell back to another backend', async () => {
    const many = Array.from({ length: 20 }, (_, i) => `text number ${i}`);
    // The cheaper floats backend fails one call; that job falls back to the other model.
    floats.script({ path: '/v1/embeddings', status: 500 });
    const err = await client.embeddings.create({ model: 'auto', input: many, dimensions: 8 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ status: 502, code: 'invalid_backend_embedding' });
    expect((err as APIError).message).toMatch(
      /text-embedding-3-small, text-embedding-3-large|text-embedding-3-large, text-embedding-3-small/,
    );
    expect(base64.requests.filter((r) => r.path === '/v1/embeddings')).toHaveLength(1);
  });

  it('answers /v1/embeddings batch lines with the backend’s vectors, in the encoding each line asks', async () => {
    const expected = await truth(floats, 'text-embedding-3-small', ['a red fox', 'a blue fox'], 8);
    const line = (custom_id: string, body: Record<string, unknown>) => ({
      custom_id,
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: 'text-embedding-3-small', input: ['a red fox', 'a blue fox'], dimensions: 8, ...body },
    });
    const lines = [line('floats', {}), line('b64', { encoding_format: 'base64' })];
    const file = await client.files.create({
      file: await toFile(Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')), 'in.jsonl'),
      purpose: 'batch',
    });
    let batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/embeddings',
      completion_window: '24h',
    });
    const deadline = Date.now() + 30_000;
    while (!['completed', 'failed', 'cancelled', 'expired'].includes(batch.status)) {
      if (Date.now() > deadline) throw new Error(`batch stuck in ${batch.status}`);
      await new Promise((r) => setTimeout(r, 100));
      batch = await client.batches.retrieve(batch.id);
    }
    expect(batch).toMatchObject({ status: 'completed', request_counts: { completed: 2, failed: 0 } });
    const text = await (await client.files.content(batch.output_file_id!)).text();
    const bodies = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => l !== '')
        .map(
          (l) => JSON.parse(l) as { custom_id: string; response: { body: OpenAI.CreateEmbeddingResponse } },
        )
        .map((l) => [l.custom_id, l.response.body.data.map((d) => d.embedding as unknown)]),
    );
    expect(bodies.floats).toEqual(expected);
    expect((bodies.b64 as string[]).map(decodeBase64)).toEqual(expected);
  });
});
