import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../../test/fixtures';
import type { OpenAiTestServer } from '../../../../test/openai-server/openai-test-server.mjs';
import { Ffmpeg } from '../builtin/media/ffmpeg';
import { binaryOutput, createAdapterHarness, textOutput } from '../builtin/testing';
import type { OpenAiEmbeddingOutput } from './openai-embedding.adapter';
import { startTestBackend, testAdapters } from './openai.testing';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await startTestBackend();
});
afterEach(() => server.reset());
afterAll(() => server.close());

describe('OpenAiTranscriptionAdapter', () => {
  it('uploads the audio as a file with its name and type, and returns the transcript as text', async () => {
    const harness = createAdapterHarness();
    harness.context.traceHeaders = { traceparent: `00-${'3'.repeat(32)}-${'4'.repeat(16)}-01` };
    const wav = fixture('audio/jfk.wav');
    const result = await harness.invoke(testAdapters(server).transcription, {
      task: 'transcribe',
      inputs: [harness.put(wav, { modality: 'audio', mediaType: 'audio/wav', filename: 'jfk.wav' })],
      output: { modality: 'text' },
      options: { language: 'en', prompt: 'A speech.', temperature: 0 },
    });
    const { body, headers } = server.lastRequest('/v1/audio/transcriptions')!;
    // An upload goes through fetch, not undici's request(): the trace context goes with it all the same.
    expect(headers.traceparent).toBe(harness.context.traceHeaders?.traceparent);
    expect(body.fields).toEqual({
      model: 'whisper-1',
      response_format: 'json',
      language: 'en',
      prompt: 'A speech.',
      temperature: '0',
    });
    expect(body.file).toEqual({
      field: 'file',
      filename: 'jfk.wav',
      mimetype: 'audio/wav',
      bytes: wav.length,
      sha256: createHash('sha256').update(wav).digest('hex'),
    });
    expect(textOutput(result)).toEqual({
      modality: 'text',
      mediaType: 'text/plain',
      text: `Transcript of jfk.wav: ${wav.length} bytes of audio/wav, 11.00 seconds, language en.`,
    });
  });

  it('names an upload without a usable filename by its media type', async () => {
    const harness = createAdapterHarness();
    const mp3 = fixture('audio/jfk.mp3');
    await harness.invoke(testAdapters(server).transcription, {
      task: 'transcribe',
      inputs: [harness.put(mp3, { modality: 'audio', mediaType: 'audio/mpeg', filename: 'recording.bin' })],
      output: { modality: 'text' },
      options: { response_format: 'text' },
    });
    expect(server.lastRequest()!.body.file).toMatchObject({
      filename: 'audio.mp3',
      mimetype: 'audio/mpeg',
      bytes: mp3.length,
    });
  });

  it('returns verbose_json as application/json, with word timestamps when asked', async () => {
    const harness = createAdapterHarness();
    const result = await harness.invoke(testAdapters(server).transcription, {
      task: 'transcribe',
      inputs: [harness.put(fixture('audio/jfk.wav'), { modality: 'audio', mediaType: 'audio/wav' })],
      output: { modality: 'text' },
      options: { response_format: 'verbose_json', timestamp_granularities: ['word'] },
    });
    const output = textOutput(result);
    expect(output.mediaType).toBe('application/json');
    const verbose = JSON.parse(output.text) as { duration: number; words: unknown[]; segments: unknown[] };
    expect(verbose.duration).toBeCloseTo(11, 1);
    expect(verbose.words.length).toBeGreaterThan(3);
    expect(server.lastRequest()!.body.fields['timestamp_granularities[]']).toBe('word');
  });

  it('gives subtitles as srt and vtt', async () => {
    const harness = createAdapterHarness();
    const { transcription } = testAdapters(server);
    const input = harness.put(fixture('audio/jfk.wav'), { modality: 'audio', mediaType: 'audio/wav' });
    const srt = textOutput(
      await harness.invoke(transcription, {
        task: 'transcribe',
        inputs: [input],
        output: { modality: 'text' },
        options: { response_format: 'srt' },
      }),
    );
    expect(srt.mediaType).toBe('application/x-subrip');
    expect(srt.text).toMatch(/^1\n00:00:00,000 --> 00:00:11,000\n/);
    const vtt = textOutput(
      await harness.invoke(transcription, {
        task: 'transcribe',
        inputs: [input],
        output: { modality: 'text' },
        options: { response_format: 'vtt' },
      }),
    );
    expect(vtt).toMatchObject({ mediaType: 'text/vtt', text: expect.stringMatching(/^WEBVTT\n/) });
  });

  it('refuses audio OpenAI cannot read (AIFF) before uploading it', async () => {
    const harness = createAdapterHarness();
    await expect(
      harness.invoke(testAdapters(server).transcription, {
        task: 'transcribe',
        inputs: [
          harness.put(fixture('audio/fixture.aif'), {
            modality: 'audio',
            mediaType: 'audio/aiff',
            filename: 'a.aif',
          }),
        ],
        output: { modality: 'text' },
      }),
    ).rejects.toMatchObject({ code: 'unprocessable_input' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('OpenAiSpeechAdapter', () => {
  const ffmpeg = new Ffmpeg();

  it('speaks mp3 by default with the chosen voice and speed, and the audio decodes', async () => {
    const harness = createAdapterHarness();
    const result = await harness.invoke(testAdapters(server).speech, {
      task: 'tts',
      inputs: [
        harness.put('Hello from omnigate, spoken by a remote model.', {
          modality: 'text',
          mediaType: 'text/plain',
        }),
      ],
      output: { modality: 'audio' },
      options: { voice: 'nova', speed: 1.25, instructions: 'Cheerful.' },
    });
    expect(server.lastRequest('/v1/audio/speech')!.body).toEqual({
      model: 'gpt-4o-mini-tts',
      input: 'Hello from omnigate, spoken by a remote model.',
      voice: 'nova',
      response_format: 'mp3',
      speed: 1.25,
      instructions: 'Cheerful.',
    });
    const audio = binaryOutput(result);
    expect(audio.mediaType).toBe('audio/mpeg');
    const probe = await ffmpeg.probe(audio.data, AbortSignal.timeout(10_000), 'mp3');
    expect(probe.streams[0]).toMatchObject({ codecType: 'audio', codecName: 'mp3' });
    expect(probe.durationS).toBeGreaterThan(1);
  });

  it('takes the format from the requested media type, or from the format option', async () => {
    const harness = createAdapterHarness();
    const { speech } = testAdapters(server);
    const input = harness.put('Format check.', { modality: 'text', mediaType: 'text/plain' });
    const wav = binaryOutput(
      await harness.invoke(speech, {
        task: 'tts',
        inputs: [input],
        output: { modality: 'audio', mediaType: 'audio/wav' },
      }),
    );
    expect(wav.mediaType).toBe('audio/wav');
    expect(server.lastRequest()!.body).toMatchObject({ response_format: 'wav', voice: 'alloy' });
    expect((await ffmpeg.probe(wav.data, AbortSignal.timeout(10_000), 'wav')).streams[0].codecName).toBe(
      'pcm_s16le',
    );

    const flac = binaryOutput(
      await harness.invoke(speech, {
        task: 'tts',
        inputs: [input],
        output: { modality: 'audio' },
        options: { format: 'flac' },
      }),
    );
    expect(flac.mediaType).toBe('audio/flac');
    expect((await ffmpeg.probe(flac.data, AbortSignal.timeout(10_000), 'flac')).streams[0].codecName).toBe(
      'flac',
    );
  });

  it('refuses an output type it cannot write, and empty text, without calling the backend', async () => {
    const harness = createAdapterHarness();
    const { speech } = testAdapters(server);
    await expect(
      harness.invoke(speech, {
        task: 'tts',
        inputs: [harness.put('x', { modality: 'text', mediaType: 'text/plain' })],
        output: { modality: 'audio', mediaType: 'audio/aiff' },
      }),
    ).rejects.toMatchObject({ code: 'unprocessable_input' });
    await expect(
      harness.invoke(speech, {
        task: 'tts',
        inputs: [harness.put('   ', { modality: 'text', mediaType: 'text/plain' })],
        output: { modality: 'audio' },
      }),
    ).rejects.toMatchObject({ code: 'unprocessable_input' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('OpenAiImageAdapter', () => {
  it('generates a PNG from b64_json, sending the prompt, size and quality but no response_format', async () => {
    const harness = createAdapterHarness();
    const result = await harness.invoke(testAdapters(server).image, {
      task: 'generate',
      inputs: [harness.put('a lighthouse at dusk', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'image' },
      options: { size: '1024x1536', quality: 'low' },
    });
    expect(server.lastRequest('/v1/images/generations')!.body).toEqual({
      model: 'gpt-image-1',
      prompt: 'a lighthouse at dusk',
      n: 1,
      size: '1024x1536',
      quality: 'low',
    });
    const image = binaryOutput(result);
    expect(image.mediaType).toBe('image/png');
    expect(await sharp(image.data).metadata()).toMatchObject({ format: 'png', width: 1024, height: 1536 });
  });

  it('writes the output_format asked for', async () => {
    const harness = createAdapterHarness();
    const result = await harness.invoke(testAdapters(server).image, {
      task: 'generate',
      inputs: [harness.put('a webp', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'image', mediaType: 'image/webp' },
      options: { output_format: 'webp', size: '1024x1024' },
    });
    const image = binaryOutput(result);
    expect(image.mediaType).toBe('image/webp');
    expect(result.warnings).toEqual([]);
    expect((await sharp(image.data).metadata()).format).toBe('webp');
  });

  it('downloads the image when the backend answers with a URL (dall-e)', async () => {
    const harness = createAdapterHarness();
    const result = await harness.invoke(testAdapters(server, { models: { image: 'dall-e-2' } }).image, {
      task: 'generate',
      inputs: [harness.put('a small square', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'image' },
      options: { size: '256x256' },
    });
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/images/generations']);
    const image = binaryOutput(result);
    expect(await sharp(image.data).metadata()).toMatchObject({ format: 'png', width: 256, height: 256 });
  });
});

describe('OpenAiEmbeddingAdapter', () => {
  it('embeds one text as {"embedding": [...]} JSON with the dimensions asked for', async () => {
    const harness = createAdapterHarness();
    const { embedding } = testAdapters(server);
    const embed = async (text: string) =>
      textOutput(
        await harness.invoke(embedding, {
          task: 'embed',
          inputs: [harness.put(text, { modality: 'text', mediaType: 'text/plain' })],
          output: { modality: 'text', mediaType: 'application/json' },
          options: { dimensions: 256 },
        }),
      );
    const first = await embed('the quick brown fox');
    expect(first.mediaType).toBe('application/json');
    expect(server.lastRequest('/v1/embeddings')!.body).toMatchObject({
      model: 'text-embedding-3-small',
      input: 'the quick brown fox',
      dimensions: 256,
    });
    const parsed = JSON.parse(first.text) as OpenAiEmbeddingOutput;
    expect(parsed).toMatchObject({
      model: 'text-embedding-3-small',
      dimensions: 256,
      usage: { prompt_tokens: 4 },
    });
    expect(parsed.embedding).toHaveLength(256);
    expect(Math.hypot(...parsed.embedding!)).toBeCloseTo(1, 4);
    const again = JSON.parse((await embed('the quick brown fox')).text) as OpenAiEmbeddingOutput;
    const other = JSON.parse((await embed('a lazy dog')).text) as OpenAiEmbeddingOutput;
    expect(again.embedding).toEqual(parsed.embedding);
    expect(other.embedding).not.toEqual(parsed.embedding);
  });

  it("reports the model and the backend's usage in its meta, as a chat does", async () => {
    const harness = createAdapterHarness();
    const result = await harness.invoke(testAdapters(server).embedding, {
      task: 'embed',
      inputs: [harness.put('one two three', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'text' },
    });
    expect(result.meta).toEqual({
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
  });

  it('embeds several text inputs in one call, in order', async () => {
    const harness = createAdapterHarness();
    const result = await harness.invoke(testAdapters(server).embedding, {
      task: 'embed',
      inputs: ['alpha', 'beta', 'gamma'].map((text) =>
        harness.put(text, { modality: 'text', mediaType: 'text/plain' }),
      ),
      output: { modality: 'text' },
      options: { dimensions: 8 },
    });
    expect(server.lastRequest()!.body.input).toEqual(['alpha', 'beta', 'gamma']);
    const parsed = JSON.parse(textOutput(result).text) as OpenAiEmbeddingOutput;
    expect(parsed.embeddings).toHaveLength(3);
    expect(parsed.embedding).toBeUndefined();
    expect(new Set(parsed.embeddings!.map((vector) => vector.join()))).toHaveProperty('size', 3);
  });
});
