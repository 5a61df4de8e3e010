// Issue 16 item 2: spoken answers from any text model. Chat Completions with
// `modalities: ["text", "audio"]` runs the chat job, then a speech job that says its answer;
// `message.audio` carries the audio (decoded here by ffprobe), its transcript, id and expiry, and
// a later turn may refer to it by id. With the official `openai` client against the test server.
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { durationOf, ffprobe } from '../../libs/adapters/src/builtin/media/media.testing';
import { apiError } from '../openai-errors';
import { startBackendGateway, type BackendGateway, type TestGateway } from '../gateway-harness';
import type { OpenAiTestServer } from '../openai-server/openai-test-server.mjs';

const BACKEND = 'ca';
const CHAT = `${BACKEND}.chat`;

/** What the official client's types leave out: `delta.audio` of a streamed spoken answer. */
interface AudioDelta {
  id?: string;
  transcript?: string;
  data?: string;
  expires_at?: number;
}

describe('spoken chat answers (modalities: ["text", "audio"], official openai client)', () => {
  let setup: BackendGateway | undefined;
  let backend: OpenAiTestServer;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    setup = await startBackendGateway(BACKEND, { chat: 'gpt-4o-mini' });
    ({ backend, gw, client } = setup);
  });
  afterAll(() => setup?.close());
  beforeEach(() => backend.reset());

  const ask = (format: 'wav' | 'mp3' | 'flac' | 'opus' | 'pcm16', content = 'Hello there', voice = 'alloy') =>
    client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        modalities: ['text', 'audio'],
        audio: { voice, format },
        messages: [{ role: 'user', content }],
      })
      .withResponse();

  it('wav: the chat answer spoken, with its transcript, id and expiry; both jobs in the route headers', async () => {
    const { data, response } = await ask('wav');
    const message = data.choices[0]!.message;
    expect(message.role).toBe('assistant');
    expect(message.content).toBeNull();
    const audio = message.audio!;
    expect(audio.transcript).toBe('Echo: Hello there');
    expect(audio.id).toMatch(/^audio_[0-9a-f]{32}$/);
    expect(audio.expires_at).toBeGreaterThan(Date.now() / 1000 + 60);
    const probed = await ffprobe(Buffer.from(audio.data, 'base64'));
    expect(probed.format.format_name).toBe('wav');
    expect(probed.streams[0]).toMatchObject({ codec_type: 'audio', codec_name: 'pcm_s16le' });
    expect(durationOf(probed)).toBeGreaterThan(0.5);
    expect(data).toMatchObject({ object: 'chat.completion', model: CHAT });
    expect(data.usage?.total_tokens).toBeGreaterThan(0);

    expect(response.headers.get('x-omnigate-route')).toBe(`text->text ${CHAT} | text->audio builtin.speech`);
    const jobs = response.headers.get('x-omnigate-job')!.split(', ');
    expect(jobs).toHaveLength(2);
    const speechJob = (await (await fetch(`${gw.url}/v1/jobs/${jobs[1]}`)).json()) as {
      status: string;
      route: { adapter: string; task: string }[];
    };
    expect(speechJob).toMatchObject({
      status: 'completed',
      route: [{ adapter: 'builtin.speech', task: 'tts' }],
    });

    // The backend was asked for text only: it cannot speak.
    expect(backend.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    const sent = backend.lastRequest('/v1/chat/completions')!.body;
    expect(sent.messages).toEqual([{ role: 'user', content: 'Hello there' }]);
    expect(sent).not.toHaveProperty('modalities');
    expect(sent).not.toHaveProperty('audio');
  });

  it('mp3: the speech converted by ffmpeg, three hops over two jobs', async () => {
    const { data, response } = await ask('mp3', 'Say it in mp3');
    const audio = data.choices[0]!.message.audio!;
    expect(audio.transcript).toBe('Echo: Say it in mp3');
    const probed = await ffprobe(Buffer.from(audio.data, 'base64'));
    expect(probed.format.format_name).toBe('mp3');
    expect(probed.streams[0]?.codec_name).toBe('mp3');
    expect(durationOf(probed)).toBeGreaterThan(0.5);
    expect(response.headers.get('x-omnigate-route')).toBe(
      `text->text ${CHAT} | text->audio builtin.speech | audio->audio builtin.audio`,
    );
  });

  it('pcm16: the raw samples at 24 kHz, as long as the same answer as wav', async () => {
    const [pcm, wav] = await Promise.all([ask('pcm16', 'Count to three'), ask('wav', 'Count to three')]);
    const samples = Buffer.from(pcm.data.choices[0]!.message.audio!.data, 'base64');
    expect(samples.subarray(0, 4).toString('latin1')).not.toBe('RIFF');
    expect(samples.length % 2).toBe(0);
    const wavSeconds = durationOf(
      await ffprobe(Buffer.from(wav.data.choices[0]!.message.audio!.data, 'base64')),
    );
    expect(samples.length / 2 / 24_000).toBeCloseTo(wavSeconds, 1);
  });

  it("voices: OpenAI's are spoken by a Flite stand-in, Flite's own names work too", async () => {
    const said = async (voice: string) =>
      (await ask('wav', 'One voice or another', voice)).data.choices[0]!.message.audio!.data;
    const [alloy, slt, onyx, rms] = await Promise.all(['alloy', 'slt', 'onyx', 'rms'].map(said));
    // Flite is deterministic: the same voice says the same text in the same bytes.
    expect(alloy).toBe(slt);
    expect(onyx).toBe(rms);
    expect(alloy).not.toBe(onyx);
  });

  it('streamed: transcript pieces, then the audio data, its id and expiry, then the finish', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      modalities: ['text', 'audio'],
      audio: { voice: 'echo', format: 'wav' },
      messages: [{ role: 'user', content: 'tell me a short story about a fox' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const audioDeltas = chunks.flatMap((c) => {
      const audio = (c.choices[0]?.delta as { audio?: AudioDelta } | undefined)?.audio;
      return audio ? [audio] : [];
    });
    const transcripts = audioDeltas.flatMap((a) => (a.transcript !== undefined ? [a.transcript] : []));
    expect(transcripts.join('')).toBe('Echo: tell me a short story about a fox');
    // The transcript crosses the queue as the backend writes it, not as one piece.
    expect(transcripts.length).toBeGreaterThan(1);
    const id = audioDeltas[0]!.id;
    expect(id).toMatch(/^audio_/);
    const end = audioDeltas.at(-1)!;
    expect(end).toEqual({ id, expires_at: expect.any(Number) });
    // The data comes after every transcript piece.
    const firstData = audioDeltas.findIndex((a) => a.data !== undefined);
    expect(firstData).toBeGreaterThan(audioDeltas.findLastIndex((a) => a.transcript !== undefined));
    const data = Buffer.concat(audioDeltas.flatMap((a) => (a.data ? [Buffer.from(a.data, 'base64')] : [])));
    const probed = await ffprobe(data);
    expect(probed.format.format_name).toBe('wav');
    expect(durationOf(probed)).toBeGreaterThan(1);
    // No text content: the answer is the audio.
    expect(chunks.some((c) => c.choices[0]?.delta?.content)).toBe(false);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)!.usage?.total_tokens).toBeGreaterThan(0);

    // The streamed answer is kept like a whole one: a later turn can refer to it.
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'tell me a short story about a fox' },
        { role: 'assistant', audio: { id: id! } },
        { role: 'user', content: 'and then?' },
      ],
    });
    expect(backend.lastRequest('/v1/chat/completions')!.body.messages[1]).toEqual({
      role: 'assistant',
      content: 'Echo: tell me a short story about a fox',
    });
  });

  it('a later turn refers to the audio by id: the backend receives its transcript as the assistant turn', async () => {
    const first = await ask('wav', 'What is a fox?');
    const audioId = first.data.choices[0]!.message.audio!.id;
    const second = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'What is a fox?' },
        { role: 'assistant', audio: { id: audioId } },
        { role: 'user', content: 'And a wolf?' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('Echo: And a wolf?');
    expect(backend.lastRequest('/v1/chat/completions')!.body.messages).toEqual([
      { role: 'user', content: 'What is a fox?' },
      { role: 'assistant', content: 'Echo: What is a fox?' },
      { role: 'user', content: 'And a wolf?' },
    ]);
  });

  it('an unknown audio id is 400 naming it, before anything runs', async () => {
    const err = await apiError(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', audio: { id: 'audio_0123456789abcdef0123456789abcdef' } },
          { role: 'user', content: 'Again' },
        ],
      }),
    );
    expect(err).toMatchObject({ status: 400, param: 'messages[1].audio.id', code: 'invalid_value' });
    expect(err.message).toContain('audio_0123456789abcdef0123456789abcdef');
    expect(err.message).toMatch(/unknown or has expired/);
    expect(backend.requests).toHaveLength(0);
  });

  it('refuses what it cannot speak with 400: aac, an unknown format or voice, audio without its parameters', async () => {
    const create = (body: Record<string, unknown>) =>
      apiError(
        client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'Hi' }],
          modalities: ['text', 'audio'],
          ...body,
        } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
      );
    expect(await create({ audio: { voice: 'alloy', format: 'aac' } })).toMatchObject({
      status: 400,
      param: 'audio.format',
      code: 'unsupported_value',
    });
    expect(await create({ audio: { voice: 'alloy', format: 'ogg' } })).toMatchObject({ status: 400 });
    const voice = await create({ audio: { voice: 'nobody', format: 'wav' } });
    expect(voice).toMatchObject({ status: 400, param: 'audio.voice' });
    expect(voice.message).toContain('nobody');
    expect(await create({ audio: { voice: { id: 'voice_1234' }, format: 'wav' } })).toMatchObject({
      status: 400,
      param: 'audio.voice',
    });
    expect(await create({})).toMatchObject({ status: 400, param: 'audio' });
    expect(backend.requests).toHaveLength(0);
  });

  it('the OpenAPI document describes modalities, audio and audio references', async () => {
    const doc = (await (await fetch(`${gw.url}/docs/json`)).json()) as {
      components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> };
    };
    const chat = doc.components.schemas.OpenAiChatCompletionRequest!;
    expect(chat.properties.modalities?.description).toMatch(/spoken answer/);
    expect(JSON.stringify(chat.properties.audio)).toContain('pcm16');
    expect(JSON.stringify(chat.properties.messages)).toContain('transcript');
  });

  it(
    'a batch line asking for audio answers with message.audio, kept for later turns',
    { timeout: 60_000 },
    async () => {
      const line = {
        custom_id: 'spoken',
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: 'gpt-4o-mini',
          modalities: ['text', 'audio'],
          audio: { voice: 'nova', format: 'flac' },
          messages: [{ role: 'user', content: 'Read this aloud' }],
        },
      };
      const file = await client.files.create({
        file: await toFile(Buffer.from(JSON.stringify(line)), 'spoken.jsonl'),
        purpose: 'batch',
      });
      const created = await client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      let done = created;
      const deadline = Date.now() + 50_000;
      while (!['completed', 'failed', 'cancelled', 'expired'].includes(done.status)) {
        if (Date.now() > deadline) throw new Error(`batch stuck in ${done.status}`);
        await new Promise((r) => setTimeout(r, 200));
        done = await client.batches.retrieve(created.id);
      }
      expect(done.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
      const [output] = (await (await client.files.content(done.output_file_id!)).text())
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { response: { body: OpenAI.ChatCompletion } });
      const message = output!.response.body.choices[0]!.message;
      expect(message.content).toBeNull();
      expect(message.audio!.transcript).toBe('Echo: Read this aloud');
      const probed = await ffprobe(Buffer.from(message.audio!.data, 'base64'));
      expect(probed.format.format_name).toBe('flac');
      expect(durationOf(probed)).toBeGreaterThan(0.5);

      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'assistant', audio: { id: message.audio!.id } },
          { role: 'user', content: 'Thanks' },
        ],
      });
      expect(backend.lastRequest('/v1/chat/completions')!.body.messages[0]).toEqual({
        role: 'assistant',
        content: 'Echo: Read this aloud',
      });
    },
  );
});
