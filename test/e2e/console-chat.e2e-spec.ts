import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONSOLE_DIR, haveBrowser, openConsoleBrowser, type ConsoleBrowser } from '../console-browser';
import { fixture, FIXTURES_DIR } from '../fixtures';
import { startBackendGateway, type BackendGateway } from '../gateway-harness';

/** The backend `cb` behind the gateway: its models become the adapters cb.chat, cb.vision, cb.transcription. */
const MODELS = { chat: 'gpt-4o-mini', vision: 'gpt-4o', transcription: 'whisper-1' };

/** The chat page against the real gateway, with the OpenAI test server as its backend. */
describe.skipIf(!haveBrowser)('the console chat page', () => {
  let setup: BackendGateway;
  let b: ConsoleBrowser | undefined;
  beforeAll(async () => {
    setup = await startBackendGateway('cb', MODELS, { CONSOLE_DIR });
  });
  afterAll(() => setup?.close());
  beforeEach(() => {
    setup.backend.reset();
    return async () => {
      expect(b?.elsewhere ?? []).toEqual([]);
      await b?.close();
      b = undefined;
    };
  });

  const chatCalls = () => setup.backend.requests.filter((r) => r.path === '/v1/chat/completions');

  async function openChat(viewport?: { width: number; height: number }): Promise<ConsoleBrowser> {
    b = await openConsoleBrowser(setup.gw.url, viewport);
    await b.open('chat');
    await b.waitForText(['Chat', 'Ask something']);
    // The model list arrived (the picker is enabled once GET /v1/models answered).
    await expect.poll(() => b!.page.getByLabel('Model').isEnabled()).toBe(true);
    return b;
  }

  /** The text of the last assistant message, '' before it has any. */
  const answerText = async (page: ConsoleBrowser['page']) => {
    const text = page.locator('[data-role=assistant] .chat-text').last();
    return (await text.count()) === 0 ? '' : await text.innerText();
  };

  it('offers the models of GET /v1/models and remembers the choice for the tab', async () => {
    const listed = (await (await fetch(`${setup.gw.url}/v1/models`)).json()) as { data: { id: string }[] };
    const ids = listed.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['auto', 'cb.chat', 'cb.vision']));

    const { page } = await openChat();
    const select = page.getByLabel('Model');
    const options = select.locator('option');
    const values: (string | null)[] = [];
    for (let i = 0; i < (await options.count()); i++) values.push(await options.nth(i).getAttribute('value'));
    expect(values).toEqual(ids);
    expect(await select.inputValue()).toBe('auto');

    await select.selectOption('cb.chat');
    await page.reload();
    await expect.poll(() => page.getByLabel('Model').isEnabled()).toBe(true);
    expect(await page.getByLabel('Model').inputValue()).toBe('cb.chat');
    expect(await page.evaluate<string>("sessionStorage.getItem('omnigate.chat.model')")).toBe('cb.chat');
    expect(b!.pageErrors).toEqual([]);
  });

  it('streams the answer piece by piece (Enter sends, Shift+Enter makes a new line), with its tokens', async () => {
    const { page } = await openChat();
    await page.getByLabel('Model').selectOption('cb.chat');
    setup.backend.script({ path: '/v1/chat/completions', chunkDelayMs: 150 });

    const box = page.getByLabel('Message');
    await box.click();
    await page.keyboard.type('alpha beta');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('gamma delta epsilon zeta eta theta');
    expect(await box.inputValue()).toBe('alpha beta\ngamma delta epsilon zeta eta theta');
    expect(chatCalls()).toHaveLength(0);
    await page.keyboard.press('Enter');

    const final = 'Echo: alpha beta\ngamma delta epsilon zeta eta theta';
    const seen: string[] = [];
    let stopEnabledWhileStreaming = false;
    let shot = false;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const text = await answerText(page);
      if (text !== '' && text !== seen.at(-1)) seen.push(text);
      if (text === final) break;
      if (text !== '') {
        stopEnabledWhileStreaming ||= await page.getByRole('button', { name: 'Stop' }).isEnabled();
        if (!shot && seen.length >= 2) {
          shot = true;
          await b!.screenshot('console-chat-streaming');
        }
      }
      expect(Date.now(), `the answer so far: ${JSON.stringify(seen)}`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 40));
    }
    const partials = seen.slice(0, -1);
    // At least two different partial texts were on the page before the whole answer.
    expect(partials.length).toBeGreaterThanOrEqual(2);
    for (const partial of partials) expect(final.startsWith(partial)).toBe(true);
    expect(stopEnabledWhileStreaming).toBe(true);

    const text = await b!.waitForText(['Tokens:', 'cb.chat']);
    expect(text).toMatch(/Tokens: \d+ prompt \+ 8 completion = \d+/);
    expect(await box.inputValue()).toBe('');
    expect(await page.getByRole('button', { name: 'Stop' }).isEnabled()).toBe(false);
    const sent = chatCalls().at(-1)!.body as { model: string; stream: boolean; messages: unknown };
    expect(sent.model).toBe('gpt-4o-mini');
    expect(sent.stream).toBe(true);
    expect(sent.messages).toEqual([
      { role: 'user', content: 'alpha beta\ngamma delta epsilon zeta eta theta' },
    ]);
    expect(
      await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
    ).toBeLessThanOrEqual(0);
    await b!.screenshot('console-chat-streamed');

    // The next question carries the conversation so far.
    await box.fill('and again');
    await page.keyboard.press('Enter');
    await b!.waitForText(['Echo: and again']);
    expect(
      (chatCalls().at(-1)!.body as { messages: { role: string }[] }).messages.map((m) => m.role),
    ).toEqual(['user', 'assistant', 'user']);
    expect(b!.pageErrors).toEqual([]);
  });

  it('stops a streaming answer where it is', async () => {
    const { page } = await openChat();
    await page.getByLabel('Model').selectOption('cb.chat');
    setup.backend.script({ path: '/v1/chat/completions', chunkDelayMs: 300 });
    await page.getByLabel('Message').fill('one two three four five six seven eight nine ten eleven twelve');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => answerText(page), { timeout: 10_000 }).not.toBe('');
    await page.getByRole('button', { name: 'Stop' }).click();
    await b!.waitForText(['Stopped.']);
    const stopped = await answerText(page);
    await new Promise((r) => setTimeout(r, 900));
    expect(await answerText(page)).toBe(stopped);
    expect(stopped.length).toBeLessThan(
      'Echo: one two three four five six seven eight nine ten eleven twelve'.length,
    );
    await page.getByLabel('Message').fill('next');
    expect(await page.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);

    await page.getByRole('button', { name: 'New chat' }).click();
    await b!.waitForText(['Ask something']);
    expect(await page.locator('[data-role]').count()).toBe(0);
  });

  it('sends an attached image as an image_url part and shows it in the message (not streamed)', async () => {
    const png = fixture('image/fixture.png');
    const { page } = await openChat();
    await page.getByRole('switch', { name: 'Stream' }).uncheck();
    await page
      .locator('input[name=attachments]')
      .setInputFiles(['image/fixture.png', 'image/fixture.webp'].map((f) => join(FIXTURES_DIR, f)));
    // The thumbnails before sending, drawn from the files' bytes.
    await expect
      .poll(() =>
        page.evaluate<number[]>(
          "[...document.querySelectorAll('.chat-composer img')].map((img) => img.naturalWidth)",
        ),
      )
      .toEqual([expect.any(Number), expect.any(Number)]);
    expect(
      await page.evaluate<number>(
        "Math.min(...[...document.querySelectorAll('.chat-composer img')].map((img) => img.naturalWidth))",
      ),
    ).toBeGreaterThan(0);
    await page.getByLabel('Message').fill('What is in this picture?');
    await b!.screenshot('console-chat-attachments');
    // One is taken off again, from the keyboard.
    await page.getByRole('button', { name: 'Remove fixture.webp' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.chat-composer img').count()).toBe(1);
    await page.getByRole('button', { name: 'Send' }).click();
    await b!.waitForText(['Echo: What is in this picture? [1 image]', 'Tokens:']);

    const sent = chatCalls().at(-1)!.body as {
      model: string;
      stream?: boolean;
      messages: { role: string; content: { type: string; image_url?: { url: string } }[] }[];
    };
    expect(sent.stream).toBeFalsy();
    // `auto` with an image: the backend's vision model.
    expect(sent.model).toBe('gpt-4o');
    const images = sent.messages.at(-1)!.content.filter((p) => p.type === 'image_url');
    expect(images).toHaveLength(1);
    expect(images[0].image_url?.url).toBe(`data:image/png;base64,${png.toString('base64')}`);
    // The sent message shows its image; the composer is empty again.
    expect(
      await page.evaluate<number>("document.querySelector('[data-role=user] img')?.naturalWidth ?? 0"),
    ).toBeGreaterThan(0);
    expect(await page.locator('.chat-composer img').count()).toBe(0);
    expect(await page.evaluate<string>("sessionStorage.getItem('omnigate.chat.stream')")).toBe('off');
    await b!.screenshot('console-chat-image');
  });

  it('sends attached audio as input_audio (transcribed, then answered) with a player; refuses other audio', async () => {
    const wav = fixture('audio/jfk.wav');
    const { page } = await openChat();
    const picker = page.locator('input[name=attachments]');
    await picker.setInputFiles(join(FIXTURES_DIR, 'audio/fixture.flac'));
    await b!.waitForText(['unsupported_attachment', 'WAV or MP3']);
    await picker.setInputFiles(join(FIXTURES_DIR, 'audio/jfk.wav'));
    await expect.poll(() => page.locator('.chat-composer audio').count()).toBe(1);
    await page.getByLabel('Message').fill('What does the speaker ask for?');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => answerText(page), { timeout: 20_000 }).toMatch(/^Echo: /);

    const transcription = setup.backend.lastRequest('/v1/audio/transcriptions');
    expect(transcription?.body.file.sha256).toBe(createHash('sha256').update(wav).digest('hex'));
    // The player in the sent message plays the attached clip (its length read from its bytes: 11 s).
    await expect
      .poll(() => page.evaluate<number>("document.querySelector('[data-role=user] audio')?.duration || 0"))
      .toBeGreaterThan(10);
    expect(await page.innerText('body')).not.toContain('unsupported_attachment');
    await b!.screenshot('console-chat-audio');
  });

  it("shows a backend's error with the code and message the gateway answered", async () => {
    const refusal = {
      path: '/v1/chat/completions',
      status: 400,
      body: {
        error: {
          message: 'This request was refused by the test policy.',
          type: 'invalid_request_error',
          param: null,
          code: 'content_policy_violation',
        },
      },
    };
    // What the API itself answers to this backend error, asked without the page.
    setup.backend.script(refusal);
    const direct = await fetch(`${setup.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cb.chat', messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    expect(direct.status).toBe(400);
    const { error } = (await direct.json()) as { error: { code: string; message: string } };
    expect(error.message).toContain('This request was refused by the test policy.');

    const { page } = await openChat();
    await page.getByLabel('Model').selectOption('cb.chat');
    setup.backend.script(refusal);
    await page.getByLabel('Message').fill('say something forbidden');
    await page.keyboard.press('Enter');
    const alert = page.locator('[data-role=assistant] [role=alert]');
    await expect.poll(() => alert.count(), { timeout: 15_000 }).toBe(1);
    const said = await alert.innerText();
    expect(said).toContain(`${error.code} (HTTP 400)`);
    expect(said).toContain(error.message);
    await b!.screenshot('console-chat-error');
    // A failed answer is not sent back as part of the conversation.
    await page.getByLabel('Message').fill('try again');
    await page.keyboard.press('Enter');
    await b!.waitForText(['Echo: try again']);
    expect(
      (chatCalls().at(-1)!.body as { messages: { role: string }[] }).messages.map((m) => m.role),
    ).toEqual(['user', 'user']);
  });

  it('fits a phone-width screen with a conversation in it', async () => {
    const { page } = await openChat({ width: 390, height: 844 });
    await page.locator('input[name=attachments]').setInputFiles(join(FIXTURES_DIR, 'image/fixture.jpg'));
    await page.getByLabel('Message').fill(`A long word: ${'x'.repeat(120)} and a short question?`);
    await page.keyboard.press('Enter');
    await b!.waitForText(['Echo: A long word', '[1 image]']);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await b!.screenshot('console-chat-phone');
  });
});
