import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAiTestServer, type OpenAiTestServer } from '../openai-server/openai-test-server.mjs';
import { durationOf, ffprobe } from '../../libs/adapters/src/builtin/media/media.testing';
import { fixture } from '../fixtures';
import { apiError } from '../openai-errors';
import { startGateway, type TestGateway } from '../gateway-harness';

const PRIMARY = 'fa-primary';
const SECONDARY = 'fa-secondary';

const backends = (primary: OpenAiTestServer, secondary: OpenAiTestServer) =>
  JSON.stringify([
    {
      id: PRIMARY,
      baseUrl: primary.url,
      apiKey: 'sk-primary',
      models: {
        chat: 'gpt-4o-mini',
        vision: 'gpt-4o',
        transcription: 'whisper-1',
        speech: 'tts-1',
        image: 'gpt-image-1',
        embedding: 'text-embedding-3-small',
      },
      costHint: 5,
      // One call at a time: a stream that kept running after its client left would hold the slot.
      concurrency: 1,
    },
    {
      id: SECONDARY,
      baseUrl: secondary.url,
      apiKey: 'sk-secondary',
      models: { chat: 'gpt-4o-mini' },
      costHint: 6,
    },
  ]);

const clientOf = (gw: TestGateway) =>
  new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });

/** Two test backends (primary, secondary) and a gateway in front of both, retrying quickly. */
async function startTwoBackends(env: Record<string, string> = {}) {
  const [primary, secondary] = await Promise.all([startOpenAiTestServer(), startOpenAiTestServer()]);
  const gw = await startGateway({
    OPENAI_BACKENDS: backends(primary, secondary),
    JOB_ATTEMPTS: '2',
    JOB_BACKOFF_MS: '10',
    ...env,
  });
  const close = async () => {
    await gw.close();
    await Promise.all([primary.close(), secondary.close()]);
  };
  return { primary, secondary, gw, close };
}

describe('OpenAI-compatible facade (official openai client)', () => {
  let setup: Awaited<ReturnType<typeof startTwoBackends>> | undefined;
  let primary: OpenAiTestServer;
  let secondary: OpenAiTestServer;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    setup = await startTwoBackends();
    ({ primary, secondary, gw } = setup);
    client = clientOf(gw);
  });
  afterAll(() => setup?.close());
  beforeEach(() => {
    primary.reset();
    secondary.reset();
  });

  it('chat with an image part: the vision model gets the data URL, the answer is a chat.completion', async () => {
    const url = `data:image/png;base64,${fixture('image/fixture.png').toString('base64')}`;
    const { data, response } = await client.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this picture?' },
              { type: 'image_url', image_url: { url, detail: 'low' } },
            ],
          },
        ],
        temperature: 0.2,
        max_tokens: 50,
      })
      .withResponse();
    expect(data).toMatchObject({
      object: 'chat.completion',
      model: `${PRIMARY}.vision`,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Echo: What is in this picture? [1 image]' },
          finish_reason: 'stop',
        },
      ],
    });
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-omnigate-route')).toBe(`image->text ${PRIMARY}.vision`);

    const sent = primary.lastRequest('/v1/chat/completions')!;
    expect(sent.bearer).toBe('sk-primary');
    expect(sent.body).toMatchObject({
      model: 'gpt-4o',
      temperature: 0.2,
      max_tokens: 50,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url, detail: 'low' } },
          ],
        },
      ],
    });
  });

  it('model auto on a text conversation: the cheapest chat model answers', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'auto',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'user', content: 'How are you?' },
        ],
      })
      .withResponse();
    expect(data.choices[0].message.content).toBe('Echo: How are you?');
    expect(data.model).toBe(`${PRIMARY}.chat`);
    expect(response.headers.get('x-omnigate-route')).toBe(`text->text ${PRIMARY}.chat`);
    expect(response.headers.get('x-omnigate-fallback')).toBeNull();
    expect(primary.lastRequest('/v1/chat/completions')!.body.messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'How are you?' },
    ]);
    expect(secondary.requests).toHaveLength(0);
  });

  it('streams chunks read with for await: role first, deltas in order, finish, usage', async () => {
    const stream = await client.chat.completions.create({
      model: `${PRIMARY}.chat`,
      messages: [{ role: 'user', content: 'tell me a short story about a fox' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      const piece = chunk.choices[0]?.delta?.content;
      if (piece) deltas.push(piece);
    }
    expect(deltas.join('')).toBe('Echo: tell me a short story about a fox');
    // The pieces cross the queue as the backend sends them, not as one.
    expect(deltas.length).toBeGreaterThan(1);
    expect(chunks[0].object).toBe('chat.completion.chunk');
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish?.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)!.usage?.total_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('a streaming client that goes away cancels the job and its upstream call', async () => {
    primary.script({ path: '/v1/chat/completions', chunkDelayMs: 250 });
    const abort = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: `${PRIMARY}.chat`,
        messages: [{ role: 'user', content: 'word '.repeat(30).trim() }],
        stream: true,
      },
      { signal: abort.signal },
    );
    const read = async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) abort.abort();
    };
    // The client ends the iteration (quietly, or with an abort error) once its signal aborts.
    await read().catch(() => undefined);
    expect(abort.signal.aborted).toBe(true);
    // Uncancelled, the first call would hold the backend's one slot for about 8 s more.
    const started = Date.now();
    const next = await client.chat.completions.create({
      model: `${PRIMARY}.chat`,
      messages: [{ role: 'user', content: 'next' }],
    });
    expect(next.choices[0].message.content).toBe('Echo: next');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('an audio question to the chat endpoint goes audio -> text -> chat', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'auto',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What does the speaker ask for?' },
              {
                type: 'input_audio',
                input_audio: { data: fixture('audio/jfk.wav').toString('base64'), format: 'wav' },
              },
            ],
          },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-omnigate-route')).toBe(
      `audio->text ${PRIMARY}.transcription | text->text ${PRIMARY}.chat`,
    );
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe(`${PRIMARY}.chat`);
    const upload = primary.lastRequest('/v1/audio/transcriptions')!;
    expect(upload.body.file).toMatchObject({ bytes: fixture('audio/jfk.wav').length });
    const chat = primary.lastRequest('/v1/chat/completions')!;
    const transcript = chat.body.messages[0].content[1];
    expect(chat.body.messages[0].content[0]).toEqual({
      type: 'text',
      text: 'What does the speaker ask for?',
    });
    expect(transcript).toMatchObject({ type: 'text', text: expect.stringMatching(/^Transcript of/) });
  });

  it('transcribes jfk.wav uploaded as a file (json and text)', async () => {
    const file = await toFile(fixture('audio/jfk.wav'), 'jfk.wav', { type: 'audio/wav' });
    const { data, response } = await client.audio.transcriptions
      .create({ file, model: 'whisper-1', language: 'en' })
      .withResponse();
    expect(data.text).toMatch(
      /^Transcript of jfk\.wav: 352078 bytes of audio\/wav, 11\.00 seconds, language en/,
    );
    expect(response.headers.get('x-omnigate-route')).toBe(`audio->text ${PRIMARY}.transcription`);
    expect(primary.lastRequest('/v1/audio/transcriptions')!.body.fields).toMatchObject({
      model: 'whisper-1',
      language: 'en',
    });

    const text = await client.audio.transcriptions.create({
      file: await toFile(fixture('audio/jfk.wav'), 'jfk.wav'),
      model: `${PRIMARY}.transcription`,
      response_format: 'text',
    });
    expect(String(text)).toMatch(/^Transcript of jfk\.wav/);
  });

  it('speaks: mp3 from the backend, decoded by ffprobe', async () => {
    const response = await client.audio.speech.create({
      model: 'tts-1',
      input: 'Ask not what your country can do for you.',
      voice: 'alloy',
      response_format: 'mp3',
    });
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    expect(response.headers.get('x-omnigate-route')).toBe(`text->audio ${PRIMARY}.speech`);
    const mp3 = Buffer.from(await response.arrayBuffer());
    const probe = await ffprobe(mp3);
    expect(probe.format.format_name).toBe('mp3');
    expect(durationOf(probe)).toBeGreaterThan(0.5);
    expect(primary.lastRequest('/v1/audio/speech')!.body).toMatchObject({
      model: 'tts-1',
      voice: 'alloy',
      response_format: 'mp3',
    });
  });

  it('speaks with model auto: the built-in Flite voice, converted to the mp3 asked for', async () => {
    const response = await client.audio.speech.create({
      model: 'auto',
      input: 'Hello there.',
      voice: 'alloy',
      response_format: 'mp3',
    });
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    expect(response.headers.get('x-omnigate-route')).toBe(
      'text->audio builtin.speech | audio->audio builtin.audio',
    );
    const mp3 = Buffer.from(await response.arrayBuffer());
    expect((await ffprobe(mp3)).format.format_name).toBe('mp3');
    expect(primary.requests).toHaveLength(0);
  });

  it('generates images as b64_json and as a gateway blob url', async () => {
    const b64 = await client.images.generate({ model: 'gpt-image-1', prompt: 'a red fox', size: '256x256' });
    const png = Buffer.from(b64.data![0].b64_json!, 'base64');
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 256, height: 256 });
    expect(primary.lastRequest('/v1/images/generations')!.body).toMatchObject({
      model: 'gpt-image-1',
      prompt: 'a red fox',
      size: '256x256',
    });

    const linked = await client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a blue fox',
      size: '256x256',
      response_format: 'url',
    });
    const url = linked.data![0].url!;
    expect(url.startsWith(`${gw.url}/v1/blobs/`)).toBe(true);
    const fetched = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(await sharp(fetched).metadata()).toMatchObject({ width: 256, height: 256 });
  });

  it('embeds a list of texts (the client asks for base64 and decodes it)', async () => {
    const res = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['the quick brown fox', 'jumps over'],
      dimensions: 8,
    });
    expect(res.object).toBe('list');
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.data[0].embedding).toHaveLength(8);
    const norm = Math.hypot(...res.data[0].embedding);
    expect(norm).toBeCloseTo(1, 4);
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
    expect(primary.lastRequest('/v1/embeddings')!.body).toMatchObject({
      model: 'text-embedding-3-small',
      input: ['the quick brown fox', 'jumps over'],
      dimensions: 8,
    });
    const floats = await client.embeddings.create({
      model: `${PRIMARY}.embedding`,
      input: 'the quick brown fox',
      dimensions: 8,
      encoding_format: 'float',
    });
    expect(floats.data[0].embedding).toEqual(res.data[0].embedding.map((v) => expect.closeTo(v, 6)));
  });

  it('lists auto, the built-in adapters and the backends’ adapters as models', async () => {
    const ids: string[] = [];
    const owners: Record<string, string> = {};
    for await (const model of client.models.list()) {
      ids.push(model.id);
      owners[model.id] = model.owned_by;
    }
    expect(ids).toEqual(
      expect.arrayContaining([
        'auto',
        'builtin.speech',
        'builtin.render',
        `${PRIMARY}.chat`,
        `${PRIMARY}.vision`,
        `${PRIMARY}.embedding`,
        `${SECONDARY}.chat`,
      ]),
    );
    expect(owners).toMatchObject({ 'builtin.speech': 'builtin', [`${SECONDARY}.chat`]: SECONDARY });
    expect(await client.models.retrieve(`${PRIMARY}.speech`)).toMatchObject({
      object: 'model',
      owned_by: PRIMARY,
    });
  });

  it('answers errors in OpenAI’s shape', async () => {
    expect(
      await apiError(
        client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }),
      ),
    ).toMatchObject({ status: 404, code: 'model_not_found', type: 'invalid_request_error', param: 'model' });
    expect(await apiError(client.models.retrieve('nope'))).toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
    expect(await apiError(client.chat.completions.create({ model: 'auto', messages: [] }))).toMatchObject({
      status: 400,
      code: 'invalid_request',
      type: 'invalid_request_error',
      param: 'messages',
    });
    expect(
      await apiError(
        client.chat.completions.create({
          model: 'auto',
          messages: [
            {
              role: 'user',
              content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }],
            },
          ],
        }),
      ),
    ).toMatchObject({
      status: 400,
      code: 'image_url_not_supported',
      param: 'messages[0].content[0].image_url.url',
    });
    expect(
      await apiError(
        client.chat.completions.create({ model: 'auto', n: 2, messages: [{ role: 'user', content: 'hi' }] }),
      ),
    ).toMatchObject({ status: 400, param: 'n' });
    expect(
      await apiError(
        client.chat.completions.create({
          model: 'auto',
          messages: [{ role: 'user', content: 'hi' }],
          tools: [{ type: 'function', function: { name: 'lookup' } }],
        }),
      ),
    ).toMatchObject({ status: 400, param: 'tools' });
    // A chat model name two backends serve.
    expect(
      await apiError(
        client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      ),
    ).toMatchObject({ status: 400, code: 'model_ambiguous' });
    // A body that is not JSON fails before any route runs, still in OpenAI's shape.
    const malformed = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      error: expect.objectContaining({ type: 'invalid_request_error', message: expect.any(String) }),
    });
    // The native API keeps its own error body.
    const native = await fetch(`${gw.url}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(((await native.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  });

  it('falls back to the secondary backend when the primary keeps answering 503, and says so', async () => {
    primary.script(...Array.from({ length: 4 }, () => ({ path: '/v1/chat/completions', status: 503 })));
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'are you there?' }] })
      .withResponse();
    expect(data.choices[0].message.content).toBe('Echo: are you there?');
    expect(data.model).toBe(`${SECONDARY}.chat`);
    expect(response.headers.get('x-omnigate-fallback')).toBe(`${PRIMARY}.chat -> ${SECONDARY}.chat`);
    expect(response.headers.get('x-omnigate-route')).toBe(`text->text ${SECONDARY}.chat`);
    expect(primary.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
    expect(secondary.lastRequest('/v1/chat/completions')!.body.model).toBe('gpt-4o-mini');
  });
});

describe('OpenAI facade with a circuit breaker (BREAKER_FAILURES=2)', () => {
  let setup: Awaited<ReturnType<typeof startTwoBackends>> | undefined;
  let primary: OpenAiTestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    setup = await startTwoBackends({ BREAKER_FAILURES: '2', BREAKER_COOLDOWN_MS: '60000' });
    ({ primary, gw } = setup);
  });
  afterAll(() => setup?.close());

  it('skips the failing primary without calling it once its breaker is open', async () => {
    const client = clientOf(gw);
    primary.script(...Array.from({ length: 10 }, () => ({ path: '/v1/chat/completions', status: 500 })));
    const ask = (content: string) =>
      client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }] }).withResponse();

    const first = await ask('one');
    expect(first.data.model).toBe(`${SECONDARY}.chat`);
    expect(first.response.headers.get('x-omnigate-fallback')).toBe(`${PRIMARY}.chat -> ${SECONDARY}.chat`);
    const calls = primary.requests.length;
    expect(calls).toBe(2);

    for (const content of ['two', 'three']) {
      const next = await ask(content);
      expect(next.data.choices[0].message.content).toBe(`Echo: ${content}`);
      expect(next.data.model).toBe(`${SECONDARY}.chat`);
      expect(next.response.headers.get('x-omnigate-fallback')).toBeNull();
    }
    expect(primary.requests).toHaveLength(calls);
  });
});
