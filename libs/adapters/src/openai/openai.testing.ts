import { OpenAiBackendSchema, type OpenAiBackendInput } from '@omnigate/contracts';
import type { Adapter } from '../sdk/adapter';
import {
  startOpenAiTestServer,
  type OpenAiTestServer,
  type OpenAiTestServerOptions,
} from '../../../../test/openai-server/openai-test-server.mjs';
import { createOpenAiAdapters, type OpenAiAdapterDeps } from './create-openai-adapters';

/** The key the specs' backends send; asserted never to show up in an error message. */
export const TEST_API_KEY = 'sk-test-0123456789abcdefSECRET';

/** A test server and a backend pointing at it (not exported from the package). */
export async function startTestBackend(options: OpenAiTestServerOptions = {}): Promise<OpenAiTestServer> {
  return startOpenAiTestServer({ ...options, apiKey: TEST_API_KEY });
}

/** The adapters of a backend on the test server, by kind; every kind configured unless `models` says otherwise. */
export function testAdapters(
  server: OpenAiTestServer,
  overrides: Partial<OpenAiBackendInput> = {},
  deps: OpenAiAdapterDeps = {},
): Record<string, Adapter> {
  const backend = OpenAiBackendSchema.parse({
    id: 'test',
    baseUrl: server.url,
    apiKey: TEST_API_KEY,
    models: {
      chat: 'gpt-4o-mini',
      vision: 'gpt-4o',
      transcription: 'whisper-1',
      speech: 'gpt-4o-mini-tts',
      image: 'gpt-image-1',
      embedding: 'text-embedding-3-small',
    },
    timeoutMs: 10_000,
    ...overrides,
  });
  return Object.fromEntries(
    createOpenAiAdapters(backend, deps).map((adapter) => [adapter.descriptor.id.split('.')[1], adapter]),
  );
}
