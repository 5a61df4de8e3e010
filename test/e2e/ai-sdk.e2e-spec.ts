// The Vercel AI SDK's OpenAI provider, as a new user would call omnigate with it: its default
// model is the Responses API (`openai('…')`), its chat model is Chat Completions.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { startBackendGateway, type BackendGateway } from '../gateway-harness';

describe('the Vercel AI SDK (ai 6, @ai-sdk/openai 3) against omnigate', () => {
  let setup: BackendGateway | undefined;
  let provider: ReturnType<typeof createOpenAI>;

  beforeAll(async () => {
    setup = await startBackendGateway('sdk', { chat: 'gpt-4o-mini', vision: 'gpt-4o' });
    provider = createOpenAI({ baseURL: `${setup.gw.url}/v1`, apiKey: 'unused' });
  });
  afterAll(async () => {
    await setup?.close();
  });
  beforeEach(() => setup!.backend.reset());

  const chatBodies = () =>
    setup!.backend.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body);

  it('generateText with the default (Responses) model', async () => {
    const result = await generateText({
      model: provider('gpt-4o-mini'),
      system: 'Be brief.',
      prompt: 'Hello there',
    });
    expect(result.text).toBe('Echo: Hello there');
    expect(result.usage.totalTokens).toBeGreaterThan(0);
    expect(chatBodies()).toEqual([
      expect.objectContaining({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello there' },
        ],
      }),
    ]);
  });

  it('streamText with the default (Responses) model', async () => {
    const stream = streamText({ model: provider('gpt-4o-mini'), prompt: 'Stream me' });
    let text = '';
    for await (const delta of stream.textStream) text += delta;
    expect(text).toBe('Echo: Stream me');
    expect((await stream.usage).totalTokens).toBeGreaterThan(0);
  });

  it('an image in a message reaches the vision model', async () => {
    const image = fixture('image/fixture.png');
    const result = await generateText({
      model: provider('gpt-4o'),
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is it?' },
            { type: 'image', image },
          ],
        },
      ],
    });
    expect(result.text).toBe('Echo: What is it? [1 image]');
    const [sent] = chatBodies() as {
      messages: { content: { type: string; image_url?: { url: string } }[] }[];
    }[];
    expect(sent!.messages[0]!.content[1]!.image_url!.url).toBe(
      `data:image/png;base64,${image.toString('base64')}`,
    );
  });

  it('the chat model (Chat Completions) as before', async () => {
    const result = await generateText({ model: provider.chat('gpt-4o-mini'), prompt: 'Hi' });
    expect(result.text).toBe('Echo: Hi');
  });
});
