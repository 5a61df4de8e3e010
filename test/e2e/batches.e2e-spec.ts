import OpenAI, { APIError, toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../gateway-harness';

const clientOf = (gw: TestGateway) =>
  new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });

const jsonl = (lines: unknown[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');

describe('files (official openai client)', () => {
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    gw = await startGateway({ BATCH_MAX_BYTES: '4096' });
    client = clientOf(gw);
  });
  afterAll(() => gw.close());

  it('uploads a batch file, describes it and serves its bytes', async () => {
    const text = jsonl([{ custom_id: 'a', method: 'POST', url: '/v1/infer', body: {} }]);
    const file = await client.files.create({
      file: await toFile(Buffer.from(text), 'input.jsonl'),
      purpose: 'batch',
    });
    expect(file).toMatchObject({
      object: 'file',
      bytes: Buffer.byteLength(text),
      filename: 'input.jsonl',
      purpose: 'batch',
      status: 'processed',
    });
    expect(file.id).toMatch(/^file-[0-9a-f]{32}$/);
    expect(await client.files.retrieve(file.id)).toEqual(file);
    expect(await (await client.files.content(file.id)).text()).toBe(text);
  });

  it('refuses another purpose, a file over BATCH_MAX_BYTES and an unknown id', async () => {
    const small = await toFile(Buffer.from('{}'), 'x.jsonl');
    await expect(client.files.create({ file: small, purpose: 'assistants' })).rejects.toMatchObject({
      status: 400,
      param: 'purpose',
    });
    const big = await toFile(Buffer.alloc(5000, 'a'), 'big.jsonl');
    await expect(client.files.create({ file: big, purpose: 'batch' })).rejects.toMatchObject({
      status: 413,
    });
    const missing = await client.files.retrieve('file-nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(APIError);
    expect(missing).toMatchObject({ status: 404, type: 'invalid_request_error' });
  });
});
