import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';
import { testRedis } from '../test-redis';

interface InferBody {
  outputs: { mediaType: string; data?: string }[];
  detected: { modality: string; mediaType: string }[];
}

const PNG = fixture('image/fixture.png'); // 200 × 133 (manifest)

describe('/v1/files: media files as /v1/infer inputs, listing and deleting (official openai client)', () => {
  let gw: TestGateway;
  let client: OpenAI;

  const postJson = (path: string, body: unknown) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const toWebp = (fileId: string) =>
    postJson('/v1/infer', {
      inputs: [{ fileId }],
      output: { modality: 'image', mediaType: 'image/webp', inline: true },
    });

  beforeAll(async () => {
    gw = await startGateway({
      BLOB_MAX_BYTES: String(PNG.length + 100),
      BATCH_MAX_BYTES: '4096',
      ADAPTER_MODULES: './test/adapters/stream-adapters.mjs',
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => gw.close());

  it('takes an uploaded PNG (purpose user_data) as an input by its file id', async () => {
    const file = await client.files.create({
      file: await toFile(PNG, 'fixture.png', { type: 'image/png' }),
      purpose: 'user_data',
    });
    expect(file).toMatchObject({
      object: 'file',
      bytes: PNG.length,
      filename: 'fixture.png',
      purpose: 'user_data',
    });
    expect(file.expires_at).toBe(file.created_at + gw.config.blobs.ttlS);

    const res = await toWebp(file.id);
    expect(res.status).toBe(200);
    const body = (await res.json()) as InferBody;
    expect(body.detected[0]).toMatchObject({ modality: 'image', mediaType: 'image/png' });
    const webp = Buffer.from(body.outputs[0]!.data!, 'base64');
    expect(await sharp(webp).metadata()).toMatchObject({ format: 'webp', width: 200, height: 133 });
  });

  it('limits a media file to BLOB_MAX_BYTES and a batch file to BATCH_MAX_BYTES, whichever field comes first', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(200)]);
    await expect(
      client.files.create({ file: await toFile(big, 'big.png'), purpose: 'user_data' }),
    ).rejects.toMatchObject({ status: 413 });
    // Purpose first: refused while streaming.
    const form = new FormData();
    form.append('purpose', 'vision');
    form.append('file', new Blob([big]), 'big.png');
    const res = await fetch(`${gw.url}/v1/files`, { method: 'POST', body: form });
    expect(res.status).toBe(413);
    // A PNG is within BLOB_MAX_BYTES but not within BATCH_MAX_BYTES.
    await expect(
      client.files.create({ file: await toFile(PNG, 'x.jsonl'), purpose: 'batch' }),
    ).rejects.toMatchObject({ status: 413 });
    await expect(
      client.files.create({ file: await toFile(PNG, 'x.png'), purpose: 'fine-tune' }),
    ).rejects.toMatchObject({ status: 400, param: 'purpose' });
  });

  it('lists files newest first (or oldest), filtered by purpose, in pages', async () => {
    const listGw = await startGateway();
    const listClient = new OpenAI({ baseURL: `${listGw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    try {
      const uploaded: string[] = [];
      for (let i = 0; i < 5; i++) {
        const purpose = i % 2 === 0 ? 'batch' : 'user_data';
        const file = await listClient.files.create({
          file: await toFile(Buffer.from(`{"n":${i}}`), `f${i}.jsonl`),
          purpose,
        });
        uploaded.push(file.id);
      }
      const all = await listClient.files.list();
      expect(all.data.map((f) => f.id)).toEqual([...uploaded].reverse());

      // The client's auto-pagination follows `after` page by page.
      const paged: string[] = [];
      for await (const file of listClient.files.list({ limit: 2, order: 'asc' })) paged.push(file.id);
      expect(paged).toEqual(uploaded);

      const batchFiles = await listClient.files.list({ purpose: 'batch', limit: 2 });
      expect(batchFiles.data.map((f) => f.id)).toEqual([uploaded[4], uploaded[2]]);
      expect(batchFiles.has_more).toBe(true);

      const bad = await fetch(`${listGw.url}/v1/files?order=sideways`);
      expect(bad.status).toBe(400);

      // A file past its expires_at is not listed, and the list forgets it.
      const redis = testRedis();
      try {
        const key = `{${listGw.config.queue.prefix}:files}:files`;
        const stale = JSON.parse((await redis.hget(key, uploaded[0]!))!) as { file: { expires_at: number } };
        stale.file.expires_at = Math.floor(Date.now() / 1000) - 1;
        await redis.hset(key, uploaded[0]!, JSON.stringify(stale));
        expect((await listClient.files.list()).data.map((f) => f.id)).toEqual(
          [...uploaded.slice(1)].reverse(),
        );
        expect(await redis.hexists(key, uploaded[0]!)).toBe(0);
        expect(await redis.zscore(`${key}:order`, uploaded[0]!)).toBeNull();
        await expect(listClient.files.retrieve(uploaded[0]!)).rejects.toMatchObject({ status: 404 });
      } finally {
        redis.disconnect();
      }
    } finally {
      await listGw.close();
    }
  });

  it('deletes a file: gone from reads, lists and inputs', async () => {
    const file = await client.files.create({ file: await toFile(PNG, 'gone.png'), purpose: 'vision' });
    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
    expect((await client.files.list()).data.map((f) => f.id)).not.toContain(file.id);
    const res = await toWebp(file.id);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('refuses to delete the input of a batch that has not ended (409)', async () => {
    // A slow line (test.typist types its input back a word every 300 ms) keeps the batch running.
    const line = {
      custom_id: 'slow',
      method: 'POST',
      url: '/v1/infer',
      body: {
        inputs: [{ text: 'one two three four five' }],
        output: 'text',
        adapter: 'test.typist',
        task: 'type',
        options: { delayMs: 300 },
      },
    };
    const input = await client.files.create({
      file: await toFile(Buffer.from(JSON.stringify(line)), 'slow.jsonl'),
      purpose: 'batch',
    });
    const batch = await client.batches.create({
      input_file_id: input.id,
      endpoint: '/v1/infer' as '/v1/chat/completions',
      completion_window: '24h',
    });
    await expect(client.files.delete(input.id)).rejects.toMatchObject({ status: 409 });
    await client.batches.cancel(batch.id);
    let ended = batch;
    for (let i = 0; i < 100 && !['cancelled', 'completed'].includes(ended.status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      ended = await client.batches.retrieve(batch.id);
    }
    expect(['cancelled', 'completed']).toContain(ended.status);
    expect(await client.files.delete(input.id)).toMatchObject({ deleted: true });
  });
});
