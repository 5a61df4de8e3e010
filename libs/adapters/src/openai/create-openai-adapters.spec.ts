import { AdapterDescriptorSchema, defaultOpenAiBackend, OpenAiBackendSchema } from '@omnigate/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startOpenAiTestServer,
  type OpenAiTestServer,
} from '../../../../test/openai-server/openai-test-server.mjs';
import { createBuiltinAdapters } from '../builtin';
import { createAdapterHarness } from '../builtin/testing';
import { createOpenAiAdapters } from './create-openai-adapters';
import { startTestBackend, testAdapters } from './openai.testing';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await startTestBackend();
});
afterAll(() => server.close());

describe('createOpenAiAdapters', () => {
  it('makes one adapter per configured model kind, with valid descriptors', () => {
    const adapters = createOpenAiAdapters(defaultOpenAiBackend('sk-unused'));
    expect(adapters.map((adapter) => adapter.descriptor.id)).toEqual([
      'openai.chat',
      'openai.vision',
      'openai.transcription',
      'openai.speech',
      'openai.image',
      'openai.embedding',
    ]);
    for (const adapter of adapters) {
      expect(AdapterDescriptorSchema.safeParse(adapter.descriptor).success).toBe(true);
      expect(adapter.descriptor.description).not.toContain('sk-unused');
    }
    expect(
      adapters.map((adapter) =>
        adapter.descriptor.capabilities.map((c) => `${c.task}:${c.inputs.join('+')}>${c.output}`),
      ),
    ).toEqual([
      ['chat:text>text'],
      ['chat:text+image>text', 'chat:image>text'],
      ['transcribe:audio>text'],
      ['tts:text>audio'],
      ['generate:text>image'],
      ['embed:text>text'],
    ]);
  });

  it('leaves out kinds without a model, and carries concurrency and costHint from the backend', () => {
    const backend = OpenAiBackendSchema.parse({
      id: 'vllm',
      baseUrl: 'http://vllm.internal:8000/v1',
      models: { chat: 'qwen2.5-7b', embedding: 'bge-m3' },
      concurrency: 8,
      costHint: 3,
    });
    const adapters = createOpenAiAdapters(backend);
    expect(adapters.map((adapter) => adapter.descriptor.id)).toEqual(['vllm.chat', 'vllm.embedding']);
    expect(adapters[0].descriptor).toMatchObject({
      concurrency: 8,
      costHint: 3,
      description: 'Text chat with qwen2.5-7b at vllm.internal:8000',
    });
  });

  it('costs more than the built-in adapter for a task both do, so the built-in one stays the default', () => {
    const builtinTts = createBuiltinAdapters().find((adapter) =>
      adapter.descriptor.capabilities.some((capability) => capability.task === 'tts'),
    )!;
    const remoteTts = createOpenAiAdapters(defaultOpenAiBackend('sk-unused')).find(
      (adapter) => adapter.descriptor.id === 'openai.speech',
    )!;
    expect(remoteTts.descriptor.costHint!).toBeGreaterThan(builtinTts.descriptor.costHint!);
    expect(remoteTts.descriptor.latencyHintMs!).toBeGreaterThanOrEqual(builtinTts.descriptor.latencyHintMs!);
  });

  it('sends no Authorization header to a backend without a key, and never the environment’s OPENAI_API_KEY', async () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-from-the-environment';
    try {
      const keyless = await startOpenAiTestServer();
      try {
        const harness = createAdapterHarness();
        const { chat } = testAdapters(keyless, { apiKey: undefined });
        await harness.invoke(chat, {
          task: 'chat',
          inputs: [harness.put('hi', { modality: 'text', mediaType: 'text/plain' })],
          output: { modality: 'text' },
        });
        const [request] = keyless.requests;
        expect(request.bearer).toBeNull();
        expect(request.headers.authorization).toBeUndefined();
        expect(request.headers['openai-organization']).toBeUndefined();
      } finally {
        await keyless.close();
      }
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });

  it('sends the backend’s key from every adapter of the backend', async () => {
    const harness = createAdapterHarness();
    const { chat, embedding } = testAdapters(server);
    await harness.invoke(chat, {
      task: 'chat',
      inputs: [harness.put('hi', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'text' },
    });
    await harness.invoke(embedding, {
      task: 'embed',
      inputs: [harness.put('hi', { modality: 'text', mediaType: 'text/plain' })],
      output: { modality: 'text' },
    });
    expect(server.requests.map((request) => [request.path, request.bearer])).toEqual([
      ['/v1/chat/completions', expect.stringMatching(/^sk-test-/)],
      ['/v1/embeddings', expect.stringMatching(/^sk-test-/)],
    ]);
  });
});
