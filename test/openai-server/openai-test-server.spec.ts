import OpenAI, { APIError, toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Ffmpeg } from '../../libs/adapters/src/builtin/media/ffmpeg';
import { fixture } from '../fixtures';
import { startOpenAiTestServer, type OpenAiTestServer } from './openai-test-server.mjs';

let server: OpenAiTestServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startOpenAiTestServer();
  client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test-key', maxRetries: 0 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

describe('OpenAI test server', () => {
  it('lists its models to the official client and records the bearer apart from the headers', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('gpt-4o-mini');
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'system' });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'GET', path: '/v1/models', bearer: 'sk-test-key' });
    expect(request.headers.authorization).toBe('[redacted]');
  });

  it('answers a chat with the last user text and the number of images', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            {
              type: 'image_url',
              image_url: { url: `data:image/png;base64,${fixture('image/fixture.png').toString('base64')}` },
            },
          ],
        },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].message.content).toBe('Echo: What is this? [1 image]');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage?.total_tokens).toBeGreaterThan(85);
    expect(server.lastRequest('/v1/chat/completions')?.body.messages[1].content[1].image_url.url).toMatch(
      /^data:image\/png;base64,iVBOR/,
    );
  });

  it('cuts the answer at max_completion_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'one two three four' }],
      max_completion_tokens: 2,
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'length',
      message: { content: 'Echo: one ' },
    });
  });

  it('streams chunks read with for await, then a usage chunk, then [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'streamed words arrive in order' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe('Echo: streamed words arrive in order');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(deltas.length);
  });

  it('paces streamed chunks by chunkDelayMs', async () => {
    server.script({ chunkDelayMs: 40 });
    const started = Date.now();
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'a b c' }],
      stream: true,
    });
    const arrivals: number[] = [];
    for await (const _chunk of stream) arrivals.push(Date.now() - started);
    expect(arrivals.length).toBe(6);
    expect(arrivals.at(-1)! - arrivals[0]).toBeGreaterThanOrEqual(150);
  });

  it('plays a scripted 429 with Retry-After, then answers normally', async () => {
    server.script({ status: 429, retryAfter: 2 });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as APIError).headers?.get('retry-after')).toBe('2');
    expect((error as APIError).code).toBe('rate_limit_exceeded');
    const ok = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(ok.choices[0].message.content).toBe('Echo: hi');
  });

  it('plays 500, a slow answer and a hang that the client abandons', async () => {
    server.script({ status: 500 }, { delayMs: 300 }, { hang: true });
    const chat = (signal?: AbortSignal) =>
      client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
        { signal },
      );
    await expect(chat()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    const started = Date.now();
    await chat();
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(chat(controller.signal)).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
  });

  it('answers an unknown model with 404 model_not_found in OpenAI error shape', async () => {
    const error = (await client.embeddings
      .create({ model: 'no-such-model', input: 'x' })
      .catch((caught: unknown) => caught)) as APIError;
    expect(error.status).toBe(404);
    expect(error.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'model_not_found',
      param: null,
    });
  });

  it('answers malformed JSON with 400 and a wrong bearer with 401, in OpenAI error shape', async () => {
    const malformed = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null } });
    const guarded = await startOpenAiTestServer({ apiKey: 'sk-right-key-123456' });
    try {
      const wrong = new OpenAI({ baseURL: guarded.url, apiKey: 'sk-wrong-key-123456', maxRetries: 0 });
      const error = (await wrong.models.list().catch((caught: unknown) => caught)) as APIError;
      expect(error.status).toBe(401);
      expect(error.code).toBe('invalid_api_key');
      expect(guarded.requests[0].bearer).toBe('sk-wrong-key-123456');
    } finally {
      await guarded.close();
    }
  });

  it('transcribes an uploaded file, recording the multipart fields and file size', async () => {
    const audio = fixture('audio/jfk.wav');
    const verbose = await client.audio.transcriptions.create({
      model: 'whisper-1',
      file: await toFile(audio, 'jfk.wav', { type: 'audio/wav' }),
      response_format: 'verbose_json',
      language: 'en',
    });
    expect(verbose.text).toContain('jfk.wav');
    expect(verbose.duration).toBeCloseTo(11, 0);
    const recorded = server.lastRequest('/v1/audio/transcriptions')!.body;
    expect(recorded.fields).toMatchObject({
      model: 'whisper-1',
      response_format: 'verbose_json',
      language: 'en',
    });
    expect(recorded.file).toMatchObject({ field: 'file', filename: 'jfk.wav', bytes: audio.length });
    const text = await client.audio.transcriptions.create({
      model: 'whisper-1',
      file: await toFile(audio, 'jfk.wav'),
      response_format: 'text',
    });
    expect(text).toMatch(/^Transcript of jfk\.wav: /);
  });

  it('speaks real audio in the requested format', async () => {
    for (const [format, codec] of [
      ['wav', 'pcm_s16le'],
      ['mp3', 'mp3'],
    ] as const) {
      const response = await client.audio.speech.create({
        model: 'gpt-4o-mini-tts',
        voice: 'alloy',
        input: 'Hello from the test server.',
        response_format: format,
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      const probe = await new Ffmpeg().probe(bytes, AbortSignal.timeout(10_000), format);
      expect(probe.streams[0]).toMatchObject({ codecType: 'audio', codecName: codec, sampleRateHz: 24_000 });
      expect(probe.durationS).toBeGreaterThan(1);
    }
  });

  it('generates a real PNG as b64_json, and as a URL it serves itself', async () => {
    const b64 = await client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a red square',
      size: '1024x1024',
    });
    const png = Buffer.from(b64.data![0].b64_json!, 'base64');
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 1024, height: 1024 });
    const url = await client.images.generate({ model: 'dall-e-2', prompt: 'a red square', size: '256x256' });
    const served = await fetch(url.data![0].url!);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(await sharp(Buffer.from(await served.arrayBuffer())).metadata()).toMatchObject({ width: 256 });
  });

  it('gives the same unit vector for the same text, in float and base64, with dimensions honoured', async () => {
    const viaClient = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['cat', 'dog', 'cat'],
      dimensions: 64,
    });
    const [cat, dog, cat2] = viaClient.data.map((item) => item.embedding);
    expect(cat).toHaveLength(64);
    expect(cat).toEqual(cat2);
    expect(cat).not.toEqual(dog);
    expect(Math.hypot(...cat)).toBeCloseTo(1, 5);
    const float = (await (
      await fetch(`${server.url}/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'text-embedding-3-small',
          input: 'cat',
          dimensions: 64,
          encoding_format: 'float',
        }),
      })
    ).json()) as { data: { embedding: number[] }[] };
    expect(float.data[0].embedding.map((value) => Math.fround(value))).toEqual(cat);
  });

  it('answers floats whatever encoding_format asks when embeddingFormat is float', async () => {
    const floatsOnly = await startOpenAiTestServer({ embeddingFormat: 'float' });
    try {
      const ask = async (url: string, encoding_format: string) =>
        (await (
          await fetch(`${url}/embeddings`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'text-embedding-3-small',
              input: 'cat',
              dimensions: 8,
              encoding_format,
            }),
          })
        ).json()) as { data: { embedding: unknown }[] };
      const asked = await ask(floatsOnly.url, 'base64');
      expect(Array.isArray(asked.data[0].embedding)).toBe(true);
      expect(asked).toEqual(await ask(server.url, 'float'));
      expect(typeof (await ask(server.url, 'base64')).data[0].embedding).toBe('string');
    } finally {
      await floatsOnly.close();
    }
  });
});
