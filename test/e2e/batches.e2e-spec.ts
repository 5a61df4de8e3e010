import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { APIError, toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { InferenceService } from '../../apps/gateway/src/inference/inference.service';
import { ffprobe } from '../../libs/adapters/src/builtin/media/media.testing';
import { fixture } from '../fixtures';
import {
  sharedQueue,
  spawnGatewayProcess,
  startBackendGateway,
  startGateway,
  type BackendGateway,
  type TestGateway,
} from '../gateway-harness';
import type { OpenAiTestServer } from '../openai-server/openai-test-server.mjs';

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

type ResultLine = {
  id: string;
  custom_id: string | null;
  response: { status_code: number; request_id: string | null; body: Record<string, unknown> } | null;
  error: { code: string; message: string; line: number } | null;
};

const parseLines = (text: string): ResultLine[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ResultLine);

async function download(client: OpenAI, id: string | null | undefined): Promise<ResultLine[]> {
  if (!id) return [];
  return parseLines(await (await client.files.content(id)).text());
}

/** Polls the batch until `done` holds (every 100 ms, at most `timeoutMs`). */
async function pollBatch(
  client: OpenAI,
  id: string,
  done: (b: OpenAI.Batches.Batch) => boolean,
  timeoutMs = 40_000,
): Promise<OpenAI.Batches.Batch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.batches.retrieve(id);
    if (done(batch)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} stuck in ${batch.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ended = (b: OpenAI.Batches.Batch) => ['completed', 'failed', 'cancelled', 'expired'].includes(b.status);

async function createBatch(client: OpenAI, lines: unknown[], endpoint = '/v1/infer') {
  const file = await client.files.create({
    file: await toFile(Buffer.from(jsonl(lines)), 'input.jsonl'),
    purpose: 'batch',
  });
  return client.batches.create({
    input_file_id: file.id,
    endpoint: endpoint as '/v1/chat/completions',
    completion_window: '24h',
    metadata: { suite: 'e2e' },
  });
}

const inferLine = (custom_id: string, body: unknown) => ({
  custom_id,
  method: 'POST',
  url: '/v1/infer',
  body,
});

/** A line that takes about `words` × `delayMs`: test.typist types its input back word by word. */
const slowLine = (custom_id: string, words = 5, delayMs = 60) =>
  inferLine(custom_id, {
    inputs: [{ text: Array.from({ length: words }, (_, i) => `w${i}`).join(' ') }],
    output: { modality: 'text' },
    adapter: 'test.typist',
    task: 'type',
    options: { delayMs },
  });

describe('batches (official openai client)', () => {
  let setup: BackendGateway;
  let client: OpenAI;

  beforeAll(async () => {
    setup = await startBackendGateway('bt', { chat: 'gpt-4o-mini' }, { BATCH_CONCURRENCY: '8' });
    ({ client } = setup);
  });
  afterAll(() => setup.close());

  it('runs a batch of mixed modalities and chat lines: one answer per line, by custom_id', async () => {
    const png = fixture('image/fixture.png').toString('base64');
    const csv = fixture('signal/mitdb-100-ecg-10s.csv').toString('base64');
    const wav = fixture('audio/fixture.wav').toString('base64');
    const valid: { line: unknown; check: (body: Record<string, unknown>) => void }[] = [];
    const job = (body: Record<string, unknown>) =>
      body as {
        status: string;
        outputs: { modality: string; mediaType: string }[];
        route: { adapter: string }[];
      };
    for (let i = 0; i < 16; i++) {
      valid.push({
        line: inferLine(`render-${i}`, { inputs: [{ text: `line ${i}` }], output: { modality: 'image' } }),
        check: (b) => expect(job(b).outputs[0]).toMatchObject({ modality: 'image' }),
      });
    }
    for (let i = 0; i < 10; i++) {
      valid.push({
        line: inferLine(`webp-${i}`, {
          inputs: [{ data: png, filename: 'fixture.png' }],
          output: { modality: 'image', mediaType: 'image/webp' },
        }),
        check: (b) => expect(job(b).outputs[0]).toMatchObject({ modality: 'image', mediaType: 'image/webp' }),
      });
    }
    for (let i = 0; i < 10; i++) {
      valid.push({
        line: inferLine(`signal-${i}`, {
          inputs: [{ data: csv, filename: 'ecg.csv' }],
          output: { modality: 'text' },
        }),
        check: (b) => {
          expect(job(b).route[0]?.adapter).toBe('builtin.signal');
          expect(JSON.stringify(b)).toMatch(/360(\.0+)? ?Hz/);
        },
      });
    }
    for (let i = 0; i < 6; i++) {
      valid.push({
        line: inferLine(`audio-${i}`, {
          inputs: [{ data: wav, filename: 'fixture.wav' }],
          output: { modality: 'image' },
        }),
        check: (b) => expect(job(b).outputs[0]).toMatchObject({ modality: 'image' }),
      });
    }
    for (let i = 0; i < 12; i++) {
      valid.push({
        line: {
          custom_id: `chat-${i}`,
          method: 'POST',
          url: '/v1/chat/completions',
          body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `question ${i}` }] },
        },
        check: (b) => {
          expect(b).toMatchObject({ object: 'chat.completion', model: 'bt.chat' });
          const content = (b as { choices: { message: { content: string } }[] }).choices[0]?.message.content;
          expect(content).toBeTruthy();
        },
      });
    }
    const bad = [
      '{not json',
      { custom_id: 'bad-url', method: 'POST', url: '/v1/nope', body: {} },
      { method: 'POST', url: '/v1/infer', body: { inputs: [{ text: 'x' }], output: { modality: 'text' } } },
      inferLine('bad-body', { inputs: [], output: { modality: 'text' } }),
      inferLine('bad-modality', { inputs: [{ text: 'x' }], output: { modality: 'no-such-modality' } }),
    ];
    // Bad lines among the good ones, and a blank line (skipped, not counted).
    const lines: unknown[] = valid.map((v) => v.line);
    lines.splice(3, 0, bad[0], bad[1]);
    lines.splice(20, 0, bad[2], '');
    lines.push(bad[3], bad[4]);
    const created = await createBatch(client, lines);
    expect(created).toMatchObject({
      object: 'batch',
      endpoint: '/v1/infer',
      status: 'validating',
      completion_window: '24h',
      metadata: { suite: 'e2e' },
    });
    expect(created.id).toMatch(/^batch_/);

    const done = await pollBatch(client, created.id, ended);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({
      total: valid.length + bad.length,
      completed: valid.length,
      failed: 5,
    });
    expect(done.in_progress_at).toBeTypeOf('number');
    expect(done.completed_at).toBeTypeOf('number');

    const outputs = await download(client, done.output_file_id);
    const errors = await download(client, done.error_file_id);
    expect(outputs.map((o) => o.custom_id).sort()).toEqual(
      valid.map((v) => (v.line as { custom_id: string }).custom_id).sort(),
    );
    for (const { line, check } of valid) {
      const out = outputs.find((o) => o.custom_id === (line as { custom_id: string }).custom_id)!;
      expect(out.error).toBeNull();
      expect(out.id).toMatch(/^batch_req_/);
      expect(out.response?.status_code).toBe(200);
      expect(out.response?.request_id).toBeTruthy();
      check(out.response!.body);
    }
    expect(errors).toHaveLength(5);
    const byId = (id: string | null) => errors.find((e) => e.custom_id === id)!;
    // Without a custom_id, the error names the line (1-based, blank lines counted).
    expect(
      errors
        .filter((e) => e.custom_id === null)
        .map((e) => e.error?.line)
        .sort((a, b) => a! - b!),
    ).toEqual([4, 21]);
    expect(byId('bad-url')).toMatchObject({ response: null, error: { code: 'invalid_request', line: 5 } });
    expect(byId('bad-body')).toMatchObject({ response: null, error: { code: 'invalid_request' } });
    expect(byId('bad-modality')).toMatchObject({ error: { code: 'invalid_request' } });

    const file = await client.files.retrieve(done.output_file_id!);
    expect(file).toMatchObject({ purpose: 'batch_output', object: 'file' });
  });

  it('fails a batch whose custom_ids repeat at validation, naming the id and the line', async () => {
    const line = (id: string) => inferLine(id, { inputs: [{ text: id }], output: { modality: 'text' } });
    const long = `long-${'x'.repeat(300)}`;
    const noId = { method: 'POST', url: '/v1/infer', body: {} };
    const repeated = await createBatch(client, [
      line('a'),
      '{not json',
      noId,
      line(long),
      '',
      line('b'),
      line(long),
    ]);
    const failed = await pollBatch(client, repeated.id, ended);
    expect(failed).toMatchObject({
      status: 'failed',
      request_counts: { total: 0, completed: 0, failed: 0 },
      output_file_id: null,
      error_file_id: null,
    });
    expect(failed.failed_at).toBeTypeOf('number');
    expect(failed.errors?.data).toHaveLength(1);
    const error = failed.errors!.data![0]!;
    expect(error).toMatchObject({ code: 'duplicate_custom_id', line: 7, param: 'custom_id' });
    expect(error.message).toContain('long-xxxx');
    expect(error.message).toContain('line 4');

    // Malformed lines (two without JSON, two without custom_id) and ids that differ only past
    // their first 300 characters are no repeats: the batch runs and the bad lines fail alone.
    const distinct = await createBatch(client, [
      '{not json',
      line(`${long}1`),
      noId,
      '{not json',
      line(`${long}2`),
      noId,
      line('a'),
    ]);
    const done = await pollBatch(client, distinct.id, ended);
    expect(done).toMatchObject({
      status: 'completed',
      request_counts: { total: 7, completed: 3, failed: 4 },
    });
  });

  it('refuses an unknown input file, endpoint or completion window', async () => {
    const base = {
      input_file_id: 'file-none',
      endpoint: '/v1/infer' as '/v1/chat/completions',
      completion_window: '24h',
    } as const;
    await expect(client.batches.create(base as never)).rejects.toMatchObject({ status: 404 });
    const file = await client.files.create({
      file: await toFile(Buffer.from('{}'), 'x.jsonl'),
      purpose: 'batch',
    });
    await expect(
      client.batches.create({
        ...base,
        input_file_id: file.id,
        endpoint: '/v1/moderations' as '/v1/chat/completions',
      }),
    ).rejects.toMatchObject({ status: 400, param: 'endpoint' });
    await expect(
      client.batches.create({ ...base, input_file_id: file.id, completion_window: '1d' as '24h' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(client.batches.retrieve('batch_none')).rejects.toMatchObject({ status: 404 });
  });
});

describe('batches of the facade endpoints (embeddings, images)', () => {
  let setup: BackendGateway;
  let backend: OpenAiTestServer;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    setup = await startBackendGateway('fb', { embedding: 'text-embedding-3-small', image: 'gpt-image-1' });
    ({ backend, gw, client } = setup);
  });
  afterAll(() => setup.close());

  const embeddingLine = (custom_id: string, body: Record<string, unknown>) => ({
    custom_id,
    method: 'POST',
    url: '/v1/embeddings',
    body: { model: 'text-embedding-3-small', ...body },
  });
  const imageLine = (custom_id: string, body: Record<string, unknown>) => ({
    custom_id,
    method: 'POST',
    url: '/v1/images/generations',
    body: { model: 'gpt-image-1', size: '64x32', ...body },
  });
  /** The queue priority a line's job ran at (not in the public job, so read from the store). */
  const priorityOf = async (jobId: string) => (await gw.app.get(InferenceService).get(jobId)).priority;

  it('runs an /v1/embeddings batch: each line answered as the facade answers it, at the batch priority', async () => {
    const many = Array.from({ length: 20 }, (_, i) => `text number ${i}`);
    const lines = [
      embeddingLine('one', { input: 'the quick brown fox', dimensions: 8 }),
      embeddingLine('many', { input: many, dimensions: 4 }),
      embeddingLine('b64', { input: ['the quick brown fox'], dimensions: 8, encoding_format: 'base64' }),
      embeddingLine('no-model', { model: 'no-such-model', input: 'x' }),
      imageLine('wrong-url', { prompt: 'a fox' }),
    ];
    const batch = await createBatch(client, lines, '/v1/embeddings');
    expect(batch.endpoint).toBe('/v1/embeddings');
    const done = await pollBatch(client, batch.id, ended);
    expect(done).toMatchObject({
      status: 'completed',
      request_counts: { total: 5, completed: 3, failed: 2 },
    });
    const outputs = await download(client, done.output_file_id);
    const body = (id: string) =>
      outputs.find((o) => o.custom_id === id)!.response!.body as {
        object: string;
        data: { object: string; index: number; embedding: number[] | string }[];
        model: string;
        usage: { prompt_tokens: number };
      };

    // The same vectors as the endpoint answers.
    const direct = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'the quick brown fox',
      dimensions: 8,
      encoding_format: 'float',
    });
    expect(body('one')).toMatchObject({ object: 'list', model: 'fb.embedding' });
    expect(body('one').data).toEqual([
      { object: 'embedding', index: 0, embedding: direct.data[0]!.embedding },
    ]);
    expect(body('one').usage.prompt_tokens).toBe(4);
    const b64 = body('b64').data[0]!.embedding as string;
    expect([...new Float32Array(Uint8Array.from(Buffer.from(b64, 'base64')).buffer)]).toEqual(
      direct.data[0]!.embedding.map((v) => expect.closeTo(v, 6)),
    );
    // 20 texts: two jobs (16 and 4), answered as one list in order.
    expect(body('many').data.map((d) => d.index)).toEqual(many.map((_, i) => i));
    expect(body('many').data.every((d) => (d.embedding as number[]).length === 4)).toBe(true);
    const calls = backend.requests
      .filter((r) => r.path === '/v1/embeddings')
      .map((r) => r.body.input as unknown);
    expect(calls).toEqual(expect.arrayContaining(['the quick brown fox', many.slice(0, 16), many.slice(16)]));
    const one = outputs.find((o) => o.custom_id === 'one')!;
    expect(await priorityOf(one.response!.request_id!)).toBe(gw.config.batches.priority);

    const errors = await download(client, done.error_file_id);
    expect(errors.find((e) => e.custom_id === 'wrong-url')).toMatchObject({
      response: null,
      error: { code: 'invalid_request', line: 5 },
    });
    expect(errors.find((e) => e.custom_id === 'no-model')).toMatchObject({ error: { line: 4 } });
  });

  it('runs an /v1/infer batch mixing embeddings, images and infer lines', async () => {
    backend.reset();
    const lines = [
      embeddingLine('embed', { input: ['a red fox', 'a blue fox'], dimensions: 8 }),
      imageLine('image', { prompt: 'a red fox' }),
      imageLine('images-url', { prompt: 'a blue fox', n: 2, response_format: 'url', output_format: 'webp' }),
      inferLine('infer', { inputs: [{ text: 'hello' }], output: { modality: 'image' } }),
      imageLine('bad-image', { prompt: '' }),
    ];
    const batch = await createBatch(client, lines);
    const done = await pollBatch(client, batch.id, ended);
    expect(done).toMatchObject({
      status: 'completed',
      request_counts: { total: 5, completed: 4, failed: 1 },
    });
    const outputs = await download(client, done.output_file_id);
    const out = (id: string) => outputs.find((o) => o.custom_id === id)!.response!;

    expect(out('embed').body).toMatchObject({ object: 'list', data: [{ index: 0 }, { index: 1 }] });
    const image = out('image').body as { created: number; data: { b64_json?: string; url?: string }[] };
    expect(image.created).toBeTypeOf('number');
    expect(image.data).toHaveLength(1);
    const png = Buffer.from(image.data[0]!.b64_json!, 'base64');
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 64, height: 32 });
    expect(await priorityOf(out('image').request_id!)).toBe(gw.config.batches.priority);

    // response_format url: the gateway's blob path (a batch has no request host to prefix).
    const linked = out('images-url').body as { data: { url: string }[] };
    expect(linked.data).toHaveLength(2);
    for (const { url } of linked.data) {
      expect(url).toMatch(/^\/v1\/blobs\/[^/]+$/);
      const bytes = Buffer.from(await (await fetch(`${gw.url}${url}`)).arrayBuffer());
      expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width: 64, height: 32 });
    }
    expect(out('infer').body).toMatchObject({ status: 'completed', outputs: [{ modality: 'image' }] });

    const imageCalls = backend.requests.filter((r) => r.path === '/v1/images/generations');
    expect(imageCalls.map((r) => r.body.prompt as string).sort()).toEqual([
      'a blue fox',
      'a blue fox',
      'a red fox',
    ]);
    expect(imageCalls.find((r) => r.body.prompt === 'a blue fox')!.body).toMatchObject({
      output_format: 'webp',
    });
    expect(backend.lastRequest('/v1/embeddings')!.body).toMatchObject({
      model: 'text-embedding-3-small',
      input: ['a red fox', 'a blue fox'],
      dimensions: 8,
    });
    expect(await download(client, done.error_file_id)).toMatchObject([
      { custom_id: 'bad-image', response: null, error: { code: 'invalid_request', line: 5 } },
    ]);
  });
});

describe('batches of the audio endpoints (speech, transcriptions)', () => {
  let setup: BackendGateway;
  let backend: OpenAiTestServer;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    setup = await startBackendGateway('ab', { transcription: 'whisper-1' });
    ({ backend, gw, client } = setup);
  });
  afterAll(() => setup.close());

  const audioOf = async (url: string) => {
    const res = await fetch(`${gw.url}${url}`);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  it('speaks lines with the built-in synthesiser and transcribes uploaded files at the backend', async () => {
    const wav = fixture('audio/fixture.wav'); // 1.225 s (manifest)
    const upload = await client.files.create({
      file: await toFile(wav, 'fixture.wav', { type: 'audio/wav' }),
      purpose: 'user_data',
    });
    const speech = (custom_id: string, body: Record<string, unknown>) => ({
      custom_id,
      method: 'POST',
      url: '/v1/audio/speech',
      body: { model: 'auto', input: 'Batches speak too.', ...body },
    });
    const transcription = (custom_id: string, body: Record<string, unknown>) => ({
      custom_id,
      method: 'POST',
      url: '/v1/audio/transcriptions',
      body: { model: 'whisper-1', file: upload.id, ...body },
    });
    const batch = await createBatch(client, [
      speech('mp3', {}),
      speech('pcm', { response_format: 'pcm' }),
      transcription('json', { language: 'en' }),
      transcription('srt', { response_format: 'srt' }),
      transcription('no-file', { file: 'file-nothere' }),
      transcription('not-an-id', { file: 'https://example.com/a.wav' }),
    ]);
    const done = await pollBatch(client, batch.id, ended);
    expect(done).toMatchObject({
      status: 'completed',
      request_counts: { total: 6, completed: 4, failed: 2 },
    });
    const outputs = await download(client, done.output_file_id);
    const body = (id: string) => outputs.find((o) => o.custom_id === id)!.response!.body;

    // Speech: where the audio is; the audio itself decodes as what was asked.
    const mp3 = body('mp3') as { object: string; media_type: string; bytes: number; url: string };
    expect(mp3).toMatchObject({ object: 'audio.speech', media_type: 'audio/mpeg' });
    const mp3Bytes = await audioOf(mp3.url);
    expect(mp3Bytes.length).toBe(mp3.bytes);
    expect((await ffprobe(mp3Bytes)).format.format_name).toBe('mp3');
    const pcm = body('pcm') as { media_type: string; bytes: number; url: string };
    expect(pcm.media_type).toBe('audio/pcm');
    const samples = await audioOf(pcm.url);
    expect(samples.subarray(0, 4).toString('ascii')).not.toBe('RIFF');
    expect(samples.length % 2).toBe(0);
    expect(samples.length).toBeGreaterThan(8000); // a second or so of 16-bit audio

    // Transcriptions: the backend got the uploaded file; the body is what the endpoint answers.
    expect(body('json')).toEqual({
      text: 'Transcript of fixture.wav: 108092 bytes of audio/wav, 1.23 seconds, language en.',
    });
    expect(body('srt')).toMatch(/^1\n00:00:00,000 --> 00:00:01,2\d\d\nTranscript of fixture\.wav/);
    const calls = backend.requests.filter((r) => r.path === '/v1/audio/transcriptions');
    expect(calls).toHaveLength(2);

    const errors = await download(client, done.error_file_id);
    const error = (id: string) => errors.find((e) => e.custom_id === id)!;
    expect(error('no-file').response?.status_code).toBe(404);
    expect(error('not-an-id')).toMatchObject({ response: null, error: { code: 'invalid_request' } });
  });
});

describe('batches: cancel, list, restart', () => {
  let gw: TestGateway;
  let client: OpenAI;
  const env = { ADAPTER_MODULES: './test/adapters/stream-adapters.mjs', BATCH_CONCURRENCY: '2' };

  beforeAll(async () => {
    gw = await startGateway(env);
    client = clientOf(gw);
  });
  afterAll(() => gw.close());

  it('cancels a running batch: queued lines never run, running ones finish, counts add up', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => slowLine(`slow-${i}`));
    const batch = await createBatch(client, lines);
    await pollBatch(client, batch.id, (b) => b.request_counts!.completed >= 2);
    const cancelling = await client.batches.cancel(batch.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toBeTypeOf('number');
    const done = await pollBatch(client, batch.id, ended);
    expect(done.status).toBe('cancelled');
    const counts = done.request_counts!;
    expect(counts.total).toBe(30);
    expect(counts.completed).toBeGreaterThanOrEqual(2);
    expect(counts.completed).toBeLessThan(30);
    const outputs = await download(client, done.output_file_id);
    expect(outputs).toHaveLength(counts.completed);
    expect(new Set(outputs.map((o) => o.custom_id)).size).toBe(counts.completed);
    // Cancelling an ended batch leaves it as it is.
    expect((await client.batches.cancel(batch.id)).status).toBe('cancelled');
  });

  it('lists batches newest first, a page at a time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createBatch(client, [slowLine(`list-${i}`, 1, 1)])).id);
    const first = await client.batches.list({ limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const raw = (await (await fetch(`${gw.url}/v1/batches?limit=2`)).json()) as Record<string, unknown>;
    expect(raw).toMatchObject({ object: 'list', first_id: ids[2], last_id: ids[1], has_more: true });
    const second = await client.batches.list({ limit: 2, after: ids[1] });
    expect(second.data[0]?.id).toBe(ids[0]);
    const all: string[] = [];
    for await (const b of client.batches.list({ limit: 2 })) all.push(b.id);
    expect(all.slice(0, 3)).toEqual([ids[2], ids[1], ids[0]]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('resumes a batch after a restart: every line answered exactly once', async () => {
    const blobDir = mkdtempSync(join(tmpdir(), 'batch-restart-'));
    const shared = { ...env, QUEUE_PREFIX: `test-${randomUUID()}`, BLOB_DIR: blobDir };
    const first = await startGateway(shared);
    let second: TestGateway | undefined;
    try {
      const lines = Array.from({ length: 16 }, (_, i) => slowLine(`resume-${i}`, 4, 40));
      const batch = await createBatch(clientOf(first), lines);
      const midway = await pollBatch(clientOf(first), batch.id, (b) => b.request_counts!.completed >= 3);
      expect(midway.request_counts!.completed).toBeLessThan(16);
      await first.close();
      second = await startGateway(shared);
      const done = await pollBatch(clientOf(second), batch.id, ended);
      expect(done.status).toBe('completed');
      expect(done.request_counts).toEqual({ total: 16, completed: 16, failed: 0 });
      const outputs = await download(clientOf(second), done.output_file_id);
      expect(outputs.map((o) => o.custom_id).sort()).toEqual(lines.map((l) => l.custom_id).sort());
    } finally {
      // The last download's keep-alive socket may not be idle yet when close() drops the idle
      // ones; fastify would then wait out its 72 s keepAliveTimeout. Every request is done here.
      (
        second?.app.getHttpServer() as { closeAllConnections?: () => void } | undefined
      )?.closeAllConnections?.();
      await second?.close();
      rmSync(blobDir, { recursive: true, force: true });
    }
  });
});

describe('batches: a gateway killed mid-batch', () => {
  it('is resumed by another gateway once its lease runs out: every line answered exactly once', async () => {
    const queue = sharedQueue();
    const env = {
      ...queue.env,
      ADAPTER_MODULES: './test/adapters/stream-adapters.mjs',
      BATCH_CONCURRENCY: '2',
      BATCH_LEASE_MS: '1000',
    };
    const doomed = await spawnGatewayProcess(env);
    let survivor: TestGateway | undefined;
    try {
      const client = new OpenAI({ baseURL: `${doomed.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const lines = Array.from({ length: 16 }, (_, i) => slowLine(`kill-${i}`, 4, 40));
      const batch = await createBatch(client, lines);
      const midway = await pollBatch(client, batch.id, (b) => b.request_counts!.completed >= 3);
      doomed.child.kill('SIGKILL');
      expect(midway.request_counts!.completed).toBeLessThan(16);
      survivor = await startGateway(env);
      const done = await pollBatch(clientOf(survivor), batch.id, ended);
      expect(done.status).toBe('completed');
      expect(done.request_counts).toEqual({ total: 16, completed: 16, failed: 0 });
      const outputs = await download(clientOf(survivor), done.output_file_id);
      expect(outputs.map((o) => o.custom_id).sort()).toEqual(lines.map((l) => l.custom_id).sort());
    } finally {
      doomed.child.kill('SIGKILL');
      (
        survivor?.app.getHttpServer() as { closeAllConnections?: () => void } | undefined
      )?.closeAllConnections?.();
      await survivor?.close();
      queue.remove();
    }
  });
});

describe('batches on the in-process driver (QUEUE_DRIVER=inline)', () => {
  it('runs a batch with its files and batches kept in memory', async () => {
    const gw = await startGateway({ QUEUE_DRIVER: 'inline', BATCH_MAX_LINES: '3' });
    try {
      const client = clientOf(gw);
      const lines = [
        inferLine('a', { inputs: [{ text: 'a' }], output: { modality: 'image' } }),
        '[]',
        inferLine('b', { inputs: [{ text: 'b' }], output: { modality: 'image' } }),
      ];
      const batch = await createBatch(client, lines);
      const done = await pollBatch(client, batch.id, ended);
      expect(done).toMatchObject({
        status: 'completed',
        request_counts: { total: 3, completed: 2, failed: 1 },
      });
      expect((await download(client, done.output_file_id)).map((o) => o.custom_id).sort()).toEqual([
        'a',
        'b',
      ]);
      expect(await download(client, done.error_file_id)).toMatchObject([
        { custom_id: null, error: { line: 2 } },
      ]);
      expect((await client.batches.list()).data.map((b) => b.id)).toEqual([batch.id]);

      // Over BATCH_MAX_LINES: the whole batch fails while validating.
      const tooLong = await createBatch(client, [...lines, lines[0]]);
      expect(await pollBatch(client, tooLong.id, ended)).toMatchObject({
        status: 'failed',
        errors: { object: 'list', data: [{ code: 'too_many_lines' }] },
        request_counts: { total: 0, completed: 0, failed: 0 },
      });
      // A batch of a facade endpoint takes lines for that endpoint only.
      const chatOnly = await createBatch(client, [lines[0]], '/v1/chat/completions');
      const chatDone = await pollBatch(client, chatOnly.id, ended);
      expect(await download(client, chatDone.error_file_id)).toMatchObject([
        { custom_id: 'a', response: null, error: { code: 'invalid_request', line: 1 } },
      ]);
    } finally {
      (gw.app.getHttpServer() as { closeAllConnections?: () => void }).closeAllConnections?.();
      await gw.close();
    }
  });
});
