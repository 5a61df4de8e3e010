import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../../test/fixtures';
import type { OpenAiTestServer } from '../../../../test/openai-server/openai-test-server.mjs';
import { createAdapterHarness } from '../builtin/testing';
import type { AdapterResult } from '../sdk/adapter';
import type { OpenAiResultMeta } from './openai-meta';
import { startTestBackend, testAdapters } from './openai.testing';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await startTestBackend();
});
afterEach(() => server.reset());
afterAll(() => server.close());

function answer(result: AdapterResult): string {
  const [output] = result.outputs;
  if (!output || !('text' in output)) throw new Error('no text output');
  return output.text;
}

describe('OpenAiChatAdapter (chat)', () => {
  it('sends the text input as one user message with the configured model, and reports usage and finish reason', async () => {
    const harness = createAdapterHarness();
    const { chat } = testAdapters(server);
    const result = await harness.invoke(chat, {
      task: 'chat',
      inputs: [harness.put('What is omnigate?', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'text' },
      options: { system: 'Be brief.', temperature: 0.2, max_completion_tokens: 100, seed: 7 },
    });
    const request = server.lastRequest('/v1/chat/completions')!;
    expect(request.bearer).toMatch(/^sk-test-/);
    expect(request.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is omnigate?' },
      ],
      temperature: 0.2,
      max_completion_tokens: 100,
      seed: 7,
    });
    expect(result.outputs[0]).toEqual({
      modality: 'text',
      mediaType: 'text/plain',
      text: 'Echo: What is omnigate?',
    });
    expect(result.outputs).toHaveLength(1);
    const meta = result.meta as OpenAiResultMeta;
    expect(meta).toMatchObject({
      model: 'gpt-4o-mini',
      finish_reason: 'stop',
      id: expect.stringMatching(/^chatcmpl-/),
    });
    expect(meta?.usage?.completion_tokens).toBe(4);
    // Timings are a stream's only.
    expect(meta.ttftMs).toBeUndefined();
    expect(meta.generationMs).toBeUndefined();
    expect(harness.progress.at(-1)).toBe(1);
  });

  it('reports finish_reason length when max_tokens cuts the answer', async () => {
    const harness = createAdapterHarness();
    const result = await harness.invoke(testAdapters(server).chat, {
      task: 'chat',
      inputs: [harness.put('one two three four', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'text' },
      options: { max_tokens: 2 },
    });
    expect(answer(result)).toBe('Echo: one ');
    expect(result.meta?.finish_reason).toBe('length');
  });

  it('streams deltas in order to onTextDelta and still returns the whole answer', async () => {
    const harness = createAdapterHarness();
    const deltas: string[] = [];
    harness.context.onTextDelta = (delta) => deltas.push(delta);
    const result = await harness.invoke(testAdapters(server).chat, {
      task: 'chat',
      inputs: [harness.put('tokens arrive one by one', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'text' },
    });
    expect(deltas).toEqual(['Echo: ', 'tokens ', 'arrive ', 'one ', 'by ', 'one']);
    expect(answer(result)).toBe('Echo: tokens arrive one by one');
    expect(server.lastRequest()!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    const meta = result.meta as OpenAiResultMeta;
    expect(meta).toMatchObject({ finish_reason: 'stop', model: 'gpt-4o-mini' });
    expect(meta?.usage?.completion_tokens).toBe(6);
    // How long the first text took, and the rest: what the gateway's TTFT and TPOT metrics read.
    expect(meta.ttftMs).toBeGreaterThanOrEqual(0);
    expect(meta.generationMs).toBeGreaterThanOrEqual(0);
  });

  it("sends the call's trace context to the backend, streamed or not, and for embeddings and speech too", async () => {
    const traceparent = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    const { chat, embedding, speech } = testAdapters(server);
    for (const [adapter, path, task, output, stream] of [
      [chat, '/v1/chat/completions', 'chat', 'text', false],
      [chat, '/v1/chat/completions', 'chat', 'text', true],
      [embedding, '/v1/embeddings', 'embed', 'signal', false],
      [speech, '/v1/audio/speech', 'tts', 'audio', false],
    ] as const) {
      const harness = createAdapterHarness();
      harness.context.traceHeaders = { traceparent };
      if (stream) harness.context.onTextDelta = () => {};
      await harness.invoke(adapter!, {
        task,
        inputs: [harness.put('traced words', { modality: 'text', mediaType: 'text/plain' })],
        output: { modality: output },
      });
      const request = server.lastRequest(path)!;
      expect([path, stream, request.headers.traceparent]).toEqual([path, stream, traceparent]);
    }
  });

  it('marks the answer application/json when a JSON response_format is asked for', async () => {
    const harness = createAdapterHarness();
    const result = await harness.invoke(testAdapters(server).chat, {
      task: 'chat',
      inputs: [harness.put('json please', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'text' },
      options: { response_format: { type: 'json_object' } },
    });
    expect(result.outputs[0].mediaType).toBe('application/json');
    expect(JSON.parse(answer(result))).toMatchObject({ echo: 'json please' });
  });

  it('rejects n > 1 and unknown response formats in its options schema', () => {
    const { chat } = testAdapters(server);
    expect(chat.options?.safeParse({ n: 2 }).success).toBe(false);
    expect(chat.options?.safeParse({ response_format: { type: 'xml' } }).success).toBe(false);
  });
});

describe('OpenAiChatAdapter (vision)', () => {
  it('builds a user message of the inputs in order, the image as a data URL', async () => {
    const harness = createAdapterHarness();
    const png = fixture('image/fixture.png');
    const result = await harness.invoke(testAdapters(server).vision, {
      task: 'chat',
      inputs: [
        harness.put('What is in this picture?', { modality: 'text', mediaType: 'text/plain' }),
        harness.put(png, { modality: 'image', mediaType: 'image/png', filename: 'fixture.png' }),
      ],
      output: { modality: 'text' },
    });
    const body = server.lastRequest('/v1/chat/completions')!.body;
    expect(body.model).toBe('gpt-4o');
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
        ],
      },
    ]);
    expect(answer(result)).toBe('Echo: What is in this picture? [1 image]');
  });

  it('converts an image type chat models do not read (TIFF) to PNG', async () => {
    const harness = createAdapterHarness();
    await harness.invoke(testAdapters(server).vision, {
      task: 'chat',
      inputs: [harness.put(fixture('image/fixture.tif'), { modality: 'image', mediaType: 'image/tiff' })],
      output: { modality: 'text' },
    });
    const url: string = server.lastRequest()!.body.messages[0].content[0].image_url.url;
    expect(url).toMatch(/^data:image\/png;base64,/);
    const decoded = await sharp(Buffer.from(url.split(',')[1], 'base64')).metadata();
    const original = await sharp(fixture('image/fixture.tif')).metadata();
    expect(decoded).toMatchObject({ format: 'png', width: original.width, height: original.height });
  });

  it('resolves input_ref parts by each input’s modality: text, image (with detail) and wav audio', async () => {
    const harness = createAdapterHarness();
    const jpeg = fixture('image/fixture.jpg');
    const wav = fixture('audio/fixture.wav');
    const result = await harness.invoke(testAdapters(server).vision, {
      task: 'chat',
      inputs: [
        harness.put(jpeg, { modality: 'image', mediaType: 'image/jpeg' }),
        harness.put('transcribed question', { modality: 'text', mediaType: 'text/plain' }),
        harness.put(wav, { modality: 'audio', mediaType: 'audio/wav' }),
      ],
      output: { modality: 'text' },
      options: {
        messages: [
          { role: 'developer', content: 'Answer in one line.' },
          {
            role: 'user',
            content: [
              { type: 'input_ref', index: 1 },
              { type: 'input_ref', index: 0, detail: 'low' },
              { type: 'input_ref', index: 2 },
            ],
          },
        ],
      },
    });
    const [developer, user] = server.lastRequest()!.body.messages;
    expect(developer).toEqual({ role: 'developer', content: 'Answer in one line.' });
    expect(user.content).toEqual([
      { type: 'text', text: 'transcribed question' },
      {
        type: 'image_url',
        image_url: { url: `data:image/jpeg;base64,${jpeg.toString('base64')}`, detail: 'low' },
      },
      { type: 'input_audio', input_audio: { data: wav.toString('base64'), format: 'wav' } },
    ]);
    expect(answer(result)).toBe('Echo: transcribed question [1 image] [1 audio clip]');
    expect(result.warnings).toEqual([]);
  });

  it('warns about inputs no message refers to, and refuses a reference past the inputs', async () => {
    const harness = createAdapterHarness();
    const { vision } = testAdapters(server);
    const inputs = [
      harness.put('hello', { modality: 'text', mediaType: 'text/plain' }),
      harness.put(fixture('image/fixture.png'), { modality: 'image', mediaType: 'image/png' }),
    ];
    const result = await harness.invoke(vision, {
      task: 'chat',
      inputs,
      output: { modality: 'text' },
      options: { messages: [{ role: 'user', content: [{ type: 'input_ref', index: 0 }] }] },
    });
    expect(result.warnings).toEqual(['inputs 1 are not referenced by any message and were not sent']);
    await expect(
      harness.invoke(vision, {
        task: 'chat',
        inputs,
        output: { modality: 'text' },
        options: { messages: [{ role: 'user', content: [{ type: 'input_ref', index: 5 }] }] },
      }),
    ).rejects.toMatchObject({ name: 'AdapterError', code: 'invalid_request', retryable: false });
  });

  it('refuses audio a chat model cannot take (FLAC) and modalities a message cannot carry, before calling the backend', async () => {
    const harness = createAdapterHarness();
    const { vision } = testAdapters(server);
    for (const input of [
      harness.put(fixture('audio/fixture.flac'), { modality: 'audio', mediaType: 'audio/flac' }),
      harness.put(fixture('pointcloud/cube.ply'), { modality: 'pointcloud', mediaType: 'application/ply' }),
    ]) {
      await expect(
        harness.invoke(vision, { task: 'chat', inputs: [input], output: { modality: 'text' } }),
      ).rejects.toMatchObject({ code: 'unprocessable_input', retryable: false });
    }
    expect(server.requests).toHaveLength(0);
  });
});
