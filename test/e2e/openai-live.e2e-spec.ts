import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures';
import { startGateway, type TestGateway } from '../gateway-harness';

const apiKey = process.env.OPENAI_API_KEY;

/** Against the real OpenAI API, through the facade: runs only when OPENAI_API_KEY is set (and costs a few cents). */
describe.skipIf(!apiKey)('OpenAI facade against api.openai.com (live)', () => {
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    gw = await startGateway({ OPENAI_API_KEY: apiKey!, SYNC_TIMEOUT_MS: '60000' });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
  });
  afterAll(async () => gw?.close());

  it('answers a chat by the upstream model name', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Reply with the single word: pong' }],
        max_tokens: 5,
        temperature: 0,
      })
      .withResponse();
    expect(data.choices[0].message.content?.toLowerCase()).toContain('pong');
    expect(data.model).toBe('openai.chat');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-omnigate-route')).toBe('text->text openai.chat');
  }, 60_000);

  it('streams a chat', async () => {
    const stream = await client.chat.completions.create({
      model: 'openai.chat',
      messages: [{ role: 'user', content: 'Count from 1 to 5, separated by spaces.' }],
      max_tokens: 20,
      temperature: 0,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toMatch(/1\D+2\D+3\D+4\D+5/);
  }, 60_000);

  it('transcribes jfk.wav', async () => {
    const result = await client.audio.transcriptions.create({
      file: await toFile(fixture('audio/jfk.wav'), 'jfk.wav', { type: 'audio/wav' }),
      model: 'whisper-1',
    });
    expect(result.text.toLowerCase()).toContain('ask not what your country can do for you');
  }, 60_000);

  it('embeds a text', async () => {
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'omnigate',
      dimensions: 16,
    });
    expect(result.data[0].embedding).toHaveLength(16);
  }, 60_000);
});
